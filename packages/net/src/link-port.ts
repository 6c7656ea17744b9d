/** One end of a link as a host sees it: frames out, and a handler for frames in. */
export interface LinkPort {
  send(frame: Uint8Array): void;
  onReceive(handler: (frame: Uint8Array) => void): void;
}
