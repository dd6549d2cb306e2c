// What a compiled objective sees during one step. Teacher outputs are computed before the gradient
// tape starts (inference mode, once per step) and handed in; the trained model's forward pass runs
// lazily inside the tape, in training mode, at most once per step.
import type * as tf from "@tensorflow/tfjs";
import type { Batch, Model, Outputs, Progress, Schedule, StepContext } from "./program.js";
import { KdcRuntimeError } from "./errors.js";

export class Step implements StepContext {
  private trainedOutputs: Outputs | undefined;

  constructor(
    readonly batch: Batch,
    readonly progress: Progress,
    private readonly stage: string,
    private readonly trained: Model,
    private readonly teacherOutputs: ReadonlyMap<Model, Outputs>,
  ) {}

  outputs(model: Model): Outputs {
    if (model === this.trained) {
      this.trainedOutputs ??= model.forward(this.batch.input, true);
      return this.trainedOutputs;
    }
    const teacher = this.teacherOutputs.get(model);
    if (!teacher) {
      throw new KdcRuntimeError(`stage '${this.stage}': the objective reads model '${model.name}', which is neither trained nor a teacher of this stage`);
    }
    return teacher;
  }

  at(schedule: Schedule): number {
    return schedule.at(this.progress);
  }

  labels(): tf.Tensor1D {
    if (!this.batch.label) throw new KdcRuntimeError(`stage '${this.stage}': the objective reads labels, but the training split has none`);
    return this.batch.label;
  }
}
