// The interface between the wrappers @nooks/wrapgen generates (src/generated/wrappers.ts, from
// the annotated kernel interface) and the isolation manager that runs them. The generated entry
// code decodes each call's arguments, applies the checks the annotations imply and calls back
// here; the hand-written bodies (bodies.ts) do what is particular to a function.

export interface WrapperCall {
  /** The 32-bit cdecl argument at stack slot i (4-byte slots; a 64-bit arg takes two). */
  arg(i: number): number;
  /** Replaces argument slot i in place before the kernel function runs (for translated pointers). */
  setArg(i: number, value: number): void;
}

export interface WrapperFlags {
  irqSafe: boolean;
  maySleep: boolean;
  noncritical: boolean;
  critical: boolean;
}

export interface WrapperRuntime {
  /** Kernel wrapper entry (extension -> kernel XPC begins). flags: the function's context annotations. */
  enterKernel(name: string, flags: WrapperFlags): void;
  /** Kernel wrapper exit (XPC returns to the extension). */
  leaveKernel(name: string): void;
  /** Runs the real kernel function (or a hand-written body registered for it) with the call's (possibly rewritten) arguments; returns EAX. */
  callKernel(name: string, call: WrapperCall): number;
  /** object(T) parameter: validates an extension-supplied pointer to a kernel object of type T and returns the kernel's version of it (may be the same address). */
  objectToKernel(type: string, ptr: number, nullable: boolean, where: string): number;
  /** object(T) return value / acquire of an object type: returns the extension's version of a kernel object. */
  objectToExtension(type: string, ptr: number, where: string): number;
  /** user parameter: a user-space pointer the kernel will access with copy_*_user semantics. */
  checkUser(ptr: number, len: number, where: string): void;
  /** in / readonly pointer: the extension must be able to read len bytes there (len -1: a NUL-terminated string). */
  checkReadable(ptr: number, len: number, nullable: boolean, where: string): void;
  /** out / inout pointer: the extension must be allowed to write len bytes there. */
  checkWritable(ptr: number, len: number, nullable: boolean, where: string): void;
  /** A function-pointer parameter or field the kernel will call later: must be 0 (if nullable) or point into the extension's code. */
  checkCallback(ptr: number, nullable: boolean, where: string): void;
  /** The function acquired a resource (acquire annotation): record it in the object tracker. objectType: the object(T) annotation of the return, if any. */
  acquired(name: string, result: number, call: WrapperCall, objectType: string | undefined): void;
  /** The function released argument `index` (release(i) annotation): drop it from the object tracker. Called BEFORE callKernel. */
  released(name: string, index: number, ptr: number): void;
  /** Extension wrapper (kernel -> extension XPC): runs extension code at target with args; returns EAX. */
  callExtension(site: string, target: number, args: number[], flags: WrapperFlags): number;
}

export type KernelWrapper = (rt: WrapperRuntime, call: WrapperCall) => number;
export type ExtensionWrapper = (rt: WrapperRuntime, target: number, args: number[]) => number;
