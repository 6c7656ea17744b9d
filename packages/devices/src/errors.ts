// Typed errors of the device layer. Each has a stable `code`; messages say what was wrong and
// what to do about it.

export type DeviceErrorCode =
  | 'PORT_CONFLICT'
  | 'PORT_RANGE_INVALID'
  | 'CLOCK_TIME_INVALID'
  | 'CLOCK_EVENT_STORM'
  | 'CLOCK_DEADLINE_IN_USE'
  | 'PCI_SLOT_IN_USE'
  | 'PCI_BAR_INVALID'
  | 'PCI_RESOURCES_EXHAUSTED'
  | 'PCI_DEVICE_DETACHED';

export class DeviceError extends Error {
  override readonly name: string = 'DeviceError';
  constructor(readonly code: DeviceErrorCode, message: string) {
    super(message);
  }
}

/** Two devices claim the same I/O port, or a range is malformed. */
export class PortConflictError extends DeviceError {
  override readonly name = 'PortConflictError';
  constructor(
    message: string,
    readonly port: number,
    /** The device that already owns the port (undefined for a malformed range). */
    readonly owner?: string,
  ) {
    super(owner === undefined ? 'PORT_RANGE_INVALID' : 'PORT_CONFLICT', message);
  }
}

/** Misuse of the simulated-time event queue. */
export class ClockError extends DeviceError {
  override readonly name = 'ClockError';
}

/** A PCI configuration the bus cannot honour (slot taken, malformed BAR, no room left). */
export class PciError extends DeviceError {
  override readonly name = 'PciError';
}

export function hex(n: number, width = 0): string {
  return `0x${(n >>> 0).toString(16).padStart(width, '0')}`;
}
