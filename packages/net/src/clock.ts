// What the protocol code needs of time: the simulation's clock in CPU cycles (1.7 GHz), with
// reusable timers. @nooks/devices' Clock has this shape; the kernel passes the same clock.

export interface NetTimer {
  readonly pending: boolean;
  /** Fires at absolute cycle `time` (rescheduling a pending timer moves it). */
  schedule(time: number): unknown;
  scheduleIn(delay: number): unknown;
  cancel(): boolean;
}

export interface NetClock {
  /** The current simulated time in cycles. */
  now(): number;
  /** A reusable timer (not scheduled yet). */
  timer(callback: (time: number) => void, name?: string): NetTimer;
  /** A one-shot event `delay` cycles from now. */
  after(delay: number, callback: (time: number) => void, name?: string): NetTimer;
}
