// One error type for failures a user can act on (bad counts, missing backend, NaN loss). The CLI
// prints `message` and `help` without a stack trace; anything else escaping the runtime is a bug.

export class KdcRuntimeError extends Error {
  override readonly name = "KdcRuntimeError";
  /** What the user can do about it, printed as `help: …`. */
  readonly help: string | undefined;

  constructor(message: string, help?: string) {
    super(message);
    this.help = help;
  }
}

/** True for errors the runtime raised on purpose (print them plainly, no stack). */
export function isKdcRuntimeError(error: unknown): error is KdcRuntimeError {
  return error instanceof KdcRuntimeError;
}
