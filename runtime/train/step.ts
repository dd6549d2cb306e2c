// One optimizer step: one or more micro-batches (gradient accumulation), each with the frozen
// models' outputs computed off the tape (or served from the teacher cache), the objective and its
// gradients inside one tf.tidy; then optional clipping by global norm and the update.
//
// Fast path (no accumulation, no clipping): optimizer.minimize inside the tidy, as before.
// Otherwise: gradients per micro-batch into a GradientAccumulator weighted by examples or tokens
// (so k micro-batches equal one batch k times larger), clipByGlobalNorm, applyGradients.
//
// A non-finite micro-batch loss stops the run; only then are the values of the terms the
// objective marked with ctx.term read, to name the first non-finite one.
import * as tf from "@tensorflow/tfjs";
import type { Batch, Progress, StageSpec } from "../program.js";
import { KdcRuntimeError } from "../errors.js";
import { clipByGlobalNorm, GradientAccumulator, type StageOptimizer } from "../optim.js";
import { mixSeeds } from "../rng.js";
import { Step } from "../step-context.js";
import { IGNORE } from "../data/memory-split.js";
import { isReseedable, trainablesOf, type Holder } from "./holders.js";
import { rowKeys, type FrozenOutputs } from "./teacher-cache.js";

export interface StepResult {
  /** The step's loss: the weighted mean of its micro-batch losses. */
  readonly loss: number;
  /** The global gradient norm before clipping, when the stage clips. */
  readonly gradNorm?: number;
}

export class StepRunner {
  private readonly trainables: readonly Holder[];
  private readonly accumulator = new GradientAccumulator();
  private readonly microSteps: number;
  private readonly simple: boolean;
  private progress: Progress | undefined;
  private micro = 0;
  private lossSum = 0;
  private weightSum = 0;
  private plainLossSum = 0;
  private single: tf.NamedTensorMap | undefined;

  constructor(
    private readonly stage: StageSpec,
    private readonly optimizer: StageOptimizer,
    private readonly frozen: FrozenOutputs,
  ) {
    this.trainables = trainablesOf(stage);
    this.microSteps = stage.accumulate?.steps ?? 1;
    this.simple = this.microSteps === 1 && stage.clip === undefined;
  }

  /** Starts an optimizer step: sets the learning rate of `progress`. Returns it. */
  begin(progress: Progress): number {
    this.progress = progress;
    this.micro = 0;
    this.lossSum = 0;
    this.weightSum = 0;
    this.plainLossSum = 0;
    const lr = this.stage.optimizer.lr.at(progress);
    this.optimizer.setLearningRate(lr);
    return lr;
  }

  /** Forward and backward on one micro-batch (the caller disposes the batch afterwards). */
  microBatch(batch: Batch): void {
    const progress = this.progress!;
    this.reseed(progress.step, this.micro);
    const keys = this.frozen.needsRowKeys ? rowKeys(batch.input) : undefined;
    const weight = this.simple ? 1 : this.weightOf(batch);
    let ctx: Step | undefined;
    try {
      const { value, grads } = tf.tidy(() => {
        const frozen = this.frozen.outputsFor(batch, keys);
        ctx = new Step(batch, progress, this.stage.name, this.stage.train, frozen, this.stage.trainableTeachers ?? []);
        const objective = () => scalarObjective(this.stage, ctx!);
        if (this.simple) {
          const value = this.optimizer.minimize(objective);
          this.frozen.collect();
          return { value, grads: undefined as tf.NamedTensorMap | undefined };
        }
        const result = this.optimizer.gradients(objective);
        this.frozen.collect();
        return result;
      });
      try {
        const loss = value.dataSync()[0]!;
        if (!Number.isFinite(loss)) throw this.nonFinite(loss, ctx!);
        this.frozen.fill();
        this.lossSum += weight * loss;
        this.plainLossSum += loss;
        this.weightSum += weight;
        if (grads) {
          if (this.microSteps === 1) this.single = grads;
          else this.accumulator.accumulate(grads, weight);
        }
      } finally {
        value.dispose();
        if (grads && grads !== this.single) tf.dispose(Object.values(grads));
      }
    } finally {
      this.frozen.discard();
      ctx?.disposeTerms();
    }
    this.micro++;
  }

  /** Applies the step's update (clipped, accumulated) and returns its loss. */
  end(): StepResult {
    const loss = this.weightSum > 0 ? this.lossSum / this.weightSum : this.plainLossSum / Math.max(1, this.micro);
    if (this.simple) return { loss };
    const grads = this.microSteps === 1 ? this.single! : this.accumulator.result();
    this.single = undefined;
    let gradNorm: number | undefined;
    try {
      if (this.stage.clip !== undefined) {
        const clipped = clipByGlobalNorm(grads, this.stage.clip);
        try {
          gradNorm = clipped.norm.dataSync()[0]!;
          this.optimizer.applyGradients(clipped.grads);
        } finally {
          clipped.norm.dispose();
          tf.dispose(Object.values(clipped.grads));
        }
      } else {
        this.optimizer.applyGradients(grads);
      }
    } finally {
      tf.dispose(Object.values(grads));
      this.accumulator.reset();
    }
    return gradNorm === undefined ? { loss } : { loss, gradNorm };
  }

  /** Frees anything a step left behind (a step cut short by an error). */
  dispose(): void {
    if (this.single) tf.dispose(Object.values(this.single));
    this.single = undefined;
    this.accumulator.dispose();
  }

  /**
   * Models and modules with stochastic layers get a seed that depends only on (stage seed, step,
   * micro-batch), so a resumed run draws the same dropout masks as an uninterrupted one.
   */
  private reseed(step: number, micro: number): void {
    this.trainables.forEach((h, i) => {
      if (isReseedable(h)) h.reseed(mixSeeds(this.stage.seed, 0xd20b0, step, micro, i));
    });
  }

  /** The micro-batch's weight in the step: its examples, or its target tokens ≠ −100. */
  private weightOf(batch: Batch): number {
    if (this.stage.accumulate?.by !== "tokens") return batch.size;
    return countTokens(batch);
  }

  private nonFinite(loss: number, ctx: Step): KdcRuntimeError {
    const p = this.progress!;
    const where = `stage '${this.stage.name}' (${this.stage.origin}): the loss became ${loss} at epoch ${p.epoch + 1}, step ${p.step + 1}`;
    for (const term of ctx.terms) {
      const value = term.value.dataSync()[0]!;
      if (!Number.isFinite(value)) {
        return new KdcRuntimeError(
          `${where}: the term '${term.label}' (${term.origin}) is ${value}`,
          "lower the learning rate, or look for log(0), a division by zero or a too small temperature in that term",
        );
      }
    }
    const marked = ctx.terms.length ? ` (every marked term was finite: ${ctx.terms.map((t) => `'${t.label}'`).join(", ")}; look at how they are combined)` : "";
    return new KdcRuntimeError(`${where}${marked}`, "lower the learning rate, or look for log(0) or a division by zero in the objective");
  }
}

/**
 * Target tokens of a batch, the ones a next-token loss averages over: `targets[:, 1:] ≠ −100`
 * for token and preference batches (targets are not shifted; the loss shifts), else labels ≠ −100,
 * else the examples.
 */
export function countTokens(batch: Batch): number {
  if (batch.targets) {
    const [rows, cols] = batch.targets.shape;
    const t = batch.targets.dataSync();
    let n = 0;
    for (let r = 0; r < rows; r++) for (let c = 1; c < cols; c++) if (t[r * cols + c] !== IGNORE) n++;
    return n;
  }
  if (batch.label) {
    let n = 0;
    for (const y of batch.label.dataSync()) if (y !== IGNORE) n++;
    return n;
  }
  return batch.size;
}

/** Calls the objective and insists on a scalar, naming the stage when it is not one. */
function scalarObjective(stage: StageSpec, ctx: Step): tf.Scalar {
  const loss = stage.objective(ctx);
  if (!(loss instanceof tf.Tensor) || loss.rank !== 0) {
    const shape = loss instanceof tf.Tensor ? `a tensor of shape [${loss.shape}]` : typeof loss;
    throw new KdcRuntimeError(`stage '${stage.name}' (${stage.origin}): the objective must return a scalar, got ${shape}`);
  }
  return loss;
}
