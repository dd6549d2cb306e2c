// Stopping a run cleanly. An AbortSignal (RunOptions.signal) or Ctrl-C (SIGINT, also SIGTERM)
// asks the loop to stop; the loop finishes the current optimizer step, writes a checkpoint and
// rejects with KdcInterrupted, which the CLI maps to exit code 130. A second Ctrl-C exits at once.
import { KdcRuntimeError } from "../errors.js";

/** The run stopped on request after writing a checkpoint; `kdc run … --resume` continues it. */
export class KdcInterrupted extends KdcRuntimeError {
  /** The conventional exit code of a process stopped by SIGINT (128 + 2). */
  readonly exitCode = 130;

  constructor(
    message: string,
    /** The checkpoint folder written on the way out. */
    readonly checkpoint: string | undefined,
    help: string,
  ) {
    super(message, help);
    // KdcRuntimeError's `name` is a class field; the CLI may recognise the error by name.
    Object.defineProperty(this, "name", { value: "KdcInterrupted", enumerable: false });
  }
}

/** True for the error a run rejects with when it was stopped on request (exit code 130). */
export function isKdcInterrupted(error: unknown): error is KdcInterrupted {
  return error instanceof KdcInterrupted || (error instanceof Error && error.name === "KdcInterrupted");
}

/** Whether the run was asked to stop, from the caller's AbortSignal or a signal to the process. */
export class StopRequest {
  private requested = false;
  private reason = "";
  private readonly cleanups: (() => void)[] = [];

  constructor(signal: AbortSignal | undefined, handleSignals: boolean, notify: (text: string) => void) {
    if (signal) {
      if (signal.aborted) this.request("the run was aborted");
      const onAbort = () => this.request("the run was aborted");
      signal.addEventListener("abort", onAbort, { once: true });
      this.cleanups.push(() => signal.removeEventListener("abort", onAbort));
    }
    if (handleSignals) {
      for (const name of ["SIGINT", "SIGTERM"] as const) {
        const handler = () => {
          if (this.requested) {
            // A second signal: the user does not want to wait for the checkpoint.
            process.exit(130);
          }
          this.request(`${name} received`);
          notify(`${name === "SIGINT" ? "Ctrl-C" : name}: finishing the current step and writing a checkpoint (press Ctrl-C again to quit at once)`);
        };
        process.on(name, handler);
        this.cleanups.push(() => process.off(name, handler));
      }
    }
  }

  get stopping(): boolean {
    return this.requested;
  }

  /** Why the run is stopping: `SIGINT received`, `the run was aborted`. */
  get why(): string {
    return this.reason;
  }

  request(reason: string): void {
    if (this.requested) return;
    this.requested = true;
    this.reason = reason;
  }

  /** Removes the signal handlers (the run is over). */
  dispose(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }
}

/**
 * Lets pending events (a signal, an abort from a timer) reach the loop. The training loop is
 * synchronous between awaits, so it yields this way at most every `everyMs`.
 */
export class EventLoopYield {
  private last = performance.now();

  constructor(private readonly everyMs = 50) {}

  async maybe(): Promise<void> {
    const now = performance.now();
    if (now - this.last < this.everyMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.last = performance.now();
  }
}
