// A frozen copy of a model's weights, for preference losses (the DPO reference) and anything
// else that compares a model with where it started. `kd.snapshot(policy, "ref")` is a Model: the
// loop copies `policy`'s weights into it when a stage that reads it (as `reference` or teacher)
// starts, and it never trains. Its forward pass is the source's own code run on the frozen
// weights: the source's variables are pointed at the snapshot's tensors for the call and back
// again (tfjs shares tensor data by reference count, so neither direction copies).
import * as tf from "@tensorflow/tfjs";
import type { Model, Outputs } from "./program.js";
import { KdcRuntimeError } from "./errors.js";

export class Snapshot implements Model {
  readonly kind: string;
  readonly variables: readonly tf.Variable[];
  readonly variableNames: readonly string[] | undefined;
  /** The stage that last copied the weights in (for messages); undefined before any. */
  capturedBy: string | undefined;
  /** Hold the source's live weights while its variables point at the frozen ones. */
  private readonly parked: readonly tf.Variable[];
  private disposed = false;

  constructor(
    readonly source: Model,
    readonly name: string,
  ) {
    this.kind = source.kind;
    // Starts as the source's initial weights, so parameter counts and checkpoints work at once.
    this.variables = source.variables.map((v) => tf.variable(v, false));
    this.parked = source.variables.map((v) => tf.variable(v, false));
    this.variableNames = (source as { variableNames?: readonly string[] }).variableNames;
  }

  /** Copies the source's current weights in (the loop calls it when a stage that reads it starts). */
  capture(stage: string): void {
    this.source.variables.forEach((v, i) => this.variables[i]!.assign(v));
    this.capturedBy = stage;
  }

  /** Inference only: a snapshot is frozen. */
  forward(input: tf.Tensor2D, training: boolean): Outputs {
    if (training) throw new KdcRuntimeError(`snapshot '${this.name}' of '${this.source.name}' is frozen: it cannot run in training mode`);
    return this.withFrozenWeights(() => this.source.forward(input, false));
  }

  async exportTo(dir: string): Promise<void> {
    this.park();
    try {
      await this.source.exportTo(dir);
    } finally {
      this.unpark();
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of [...this.variables, ...this.parked]) v.dispose();
  }

  private withFrozenWeights<T>(f: () => T): T {
    this.park();
    try {
      return f();
    } finally {
      this.unpark();
    }
  }

  /** Points the source's variables at the frozen tensors (Variable.assign shares data: no copy). */
  private park(): void {
    this.source.variables.forEach((v, i) => {
      this.parked[i]!.assign(v);
      v.assign(this.variables[i]!);
    });
  }

  /** Gives the source its live weights back and lets go of them. */
  private unpark(): void {
    this.source.variables.forEach((v, i) => {
      v.assign(this.parked[i]!);
      this.parked[i]!.assign(this.variables[i]!);
    });
  }
}

/** `kd.snapshot(model, name)`: a frozen copy of `model`, refreshed when a stage reading it starts. */
export function snapshot(model: Model, name: string): Snapshot {
  return new Snapshot(model, name);
}

export function isSnapshot(model: unknown): model is Snapshot {
  return model instanceof Snapshot;
}
