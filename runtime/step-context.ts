// What a compiled objective sees during one step (one micro-batch under accumulation). Frozen
// models' outputs (teachers, the reference) are computed before the gradient tape starts
// (inference mode, once per step) or served from the teacher-output cache, and handed in; the
// trained model's (and trainable teachers') forward pass runs lazily inside the tape, in training
// mode, at most once.
import * as tf from "@tensorflow/tfjs";
import type { Batch, Model, Outputs, Progress, Schedule, StepContext } from "./program.js";
import { KdcRuntimeError } from "./errors.js";

/** A loss term marked by ctx.term: its value is kept (a shared-data clone) until the step ends. */
export interface TermRecord {
  readonly label: string;
  readonly origin: string;
  readonly value: tf.Scalar;
}

export class Step implements StepContext {
  /** Outputs of the models run on the tape (the trained one, trainable teachers), once each per step. */
  private readonly onTape = new Map<Model, Outputs>();
  /** The terms the objective marked, in call order; the step runner reads and disposes them. */
  readonly terms: TermRecord[] = [];

  constructor(
    readonly batch: Batch,
    readonly progress: Progress,
    private readonly stage: string,
    private readonly trained: Model,
    private readonly frozenOutputs: (model: Model) => Outputs | undefined,
    /** Trainable teachers: run like the trained model, in training mode on the tape. */
    private readonly alsoTrained: readonly Model[] = [],
  ) {}

  outputs(model: Model): Outputs {
    if (model === this.trained || this.alsoTrained.includes(model)) {
      let out = this.onTape.get(model);
      if (!out) this.onTape.set(model, (out = model.forward(this.batch.input, true)));
      return out;
    }
    const frozen = this.frozenOutputs(model);
    if (!frozen) {
      throw new KdcRuntimeError(`stage '${this.stage}': the objective reads model '${model.name}', which is neither trained nor a teacher of this stage`);
    }
    return frozen;
  }

  at(schedule: Schedule): number {
    return schedule.at(this.progress);
  }

  labels(): tf.Tensor1D {
    if (!this.batch.label) throw new KdcRuntimeError(`stage '${this.stage}': the objective reads labels, but the training split has none`);
    return this.batch.label;
  }

  route(): tf.Tensor1D {
    if (!this.batch.route) throw new KdcRuntimeError(`stage '${this.stage}': the objective reads route ids, but the training split has no route column`);
    return this.batch.route;
  }

  term(label: string, origin: string, value: tf.Scalar): tf.Scalar {
    if (value instanceof tf.Tensor) {
      // Kept past the tape's tidy so that, only if the total is non-finite, its value can be read.
      this.terms.push({ label, origin, value: tf.keep(tf.clone(value)) });
    }
    return value;
  }

  /** Frees the kept term values. */
  disposeTerms(): void {
    for (const t of this.terms.splice(0)) t.value.dispose();
  }
}
