// Typed errors of the network peer. Each has a stable `code`; messages say what was wrong and what
// to do about it.

export type PeerErrorCode =
  | 'PEER_ADDRESS_INVALID'
  | 'PEER_OPTION_INVALID'
  | 'PEER_PORT_IN_USE'
  | 'PEER_NOT_ATTACHED'
  | 'PEER_SOCKET_CLOSED'
  | 'PEER_PING_TIMEOUT'
  | 'PEER_PAYLOAD_TOO_LARGE';

export class PeerError extends Error {
  override readonly name = 'PeerError';
  constructor(
    readonly code: PeerErrorCode,
    message: string,
  ) {
    super(message);
  }
}
