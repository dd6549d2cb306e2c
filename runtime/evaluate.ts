// Evaluation: the model (and any teachers or references its metrics name) in inference mode over a
// split, in batches; logits are read back and reduced in float64 JS (see metrics.ts).
//
// Rows: on a vector split one row per example, labelled by `label` (−100 when the split has
// none). On token and preference splits one row per next-token position: logits at position t
// against `targets[t+1]` (the last position predicts nothing and is dropped), so accuracy,
// agreement, ECE and KL are per token over targets ≠ −100, and perplexity is exp of the token-mean
// cross-entropy. Preference metrics compare the summed log-probabilities of each pair's chosen
// and rejected responses under the model and the reference.
import * as tf from "@tensorflow/tfjs";
import type { Batch, EvaluateSpec, MetricSpec, Model, Objective, Outputs, Progress, Schedule, StepContext } from "./program.js";
import { KdcRuntimeError } from "./errors.js";
import { disposeBatch } from "./data/memory-split.js";
import {
  accuracyOf,
  agreementOf,
  argmaxRows,
  confidenceRows,
  eceOf,
  klRows,
  maskedMean,
  metricLabel,
  nllRows,
  perplexityOf,
  preferenceAccuracyOf,
  rewardMarginOf,
  sequenceLogProbs,
  topKHits,
} from "./metrics.js";
import { IGNORE_INDEX } from "./losses/cross-entropy.js";

export const EVAL_BATCH = 1000;
/** Logit floats one evaluation batch of a token split may read back (16 MiB). */
const EVAL_TOKEN_FLOATS = 2 ** 22;

/** Grows by appending typed chunks; `all()` concatenates them once. */
class Column<T extends Float64Array | Int32Array> {
  private readonly chunks: T[] = [];
  constructor(private readonly make: (n: number) => T) {}
  push(chunk: T): void {
    this.chunks.push(chunk);
  }
  all(): T {
    const out = this.make(this.chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of this.chunks) {
      out.set(c as never, at);
      at += c.length;
    }
    return out;
  }
}

const f64 = () => new Column<Float64Array>((n) => new Float64Array(n));
const i32 = () => new Column<Int32Array>((n) => new Int32Array(n));

/** What the `loss` metric evaluates: the stage's objective, and where the stage is (for schedules). */
export interface EvaluationStage {
  readonly name: string;
  readonly objective: Objective;
  readonly progress: Progress;
}

/**
 * Metric label → value (fractions, not percentages) for `model` on `spec.split`. `stage` is needed
 * only by the `loss` metric.
 */
export function evaluate(model: Model, spec: EvaluateSpec, batchSize?: number, stage?: EvaluationStage): Record<string, number> {
  const { split, metrics } = spec;
  const kind = split.kind ?? "vectors";
  const sequences = kind !== "vectors";
  check(split.name, kind, split.hasLabels, metrics);
  const size = batchSize ?? (sequences ? Math.max(1, Math.min(EVAL_BATCH, Math.floor(EVAL_TOKEN_FLOATS / ((split.context ?? 1) * (split.vocab ?? 1))))) : EVAL_BATCH);

  const teachers = unique(metrics.flatMap((m) => (m.kind === "agreement" || m.kind === "kl" ? [m.teacher] : [])));
  const references = unique(metrics.flatMap((m) => (m.kind === "preferenceAccuracy" || m.kind === "rewardMargin" ? [m.reference] : [])));
  const klSpecs = unique(metrics.flatMap((m) => (m.kind === "kl" ? [`${teachers.indexOf(m.teacher)}|${m.T}`] : [])));
  const wantRows = metrics.some((m) => m.kind !== "preferenceAccuracy" && m.kind !== "rewardMargin" && m.kind !== "loss");
  const tops = unique(metrics.flatMap((m) => (m.kind === "accuracy" && (m.top ?? 1) > 1 ? [m.top!] : [])));
  const topHits = new Map(tops.map((k) => [k, i32()]));
  const wantLoss = metrics.some((m) => m.kind === "loss");
  if (wantLoss && !stage) throw new KdcRuntimeError(`cannot compute loss on '${split.name}': no stage objective was given`);
  let lossSum = 0;
  let lossWeight = 0;
  const wantPairs = references.length > 0;

  const predicted = i32();
  const confidence = f64();
  const labels = i32();
  const nll = f64();
  const teacherPredicted = teachers.map(() => i32());
  const kl = new Map(klSpecs.map((k) => [k, f64()]));
  const policyChosen = f64();
  const policyRejected = f64();
  const refChosen = references.map(() => f64());
  const refRejected = references.map(() => f64());

  // Order does not matter for these metrics; seed and epoch 0 just fix one.
  for (const batch of split.batches(size, 0, 0)) {
    const models = [model, ...teachers, ...references];
    // With `loss`, the objective reads the same forward passes as the other metrics (one per model).
    const ctx = wantLoss ? new EvaluationContext(batch, stage!) : undefined;
    const outputs = ctx ? models.map((m) => ctx.outputs(m).logits as tf.Tensor) : tf.tidy(() => models.map((m) => m.forward(batch.input, false).logits as tf.Tensor));
    try {
      const values = outputs.map((t) => t.dataSync() as Float32Array);
      const classes = outputs[0]!.shape[outputs[0]!.rank - 1]!;
      // Sequence models give [B·T, vocab] (or [B, T, vocab]): the same row-major layout.
      const shape = sequences ? [batch.input.shape[0], batch.input.shape[1], classes] : outputs[0]!.shape;
      if (wantRows) {
        const rowLabels = rowLabelsOf(batch, sequences, shape);
        const rows = values.map((v) => (sequences ? dropLastPosition(v, shape) : v));
        predicted.push(argmaxRows(rows[0]!, classes));
        confidence.push(confidenceRows(rows[0]!, classes));
        labels.push(rowLabels);
        for (const [k, column] of topHits) column.push(topKHits(rows[0]!, rowLabels, classes, k));
        if (metrics.some((m) => m.kind === "perplexity")) nll.push(nllRows(rows[0]!, rowLabels, classes));
        teachers.forEach((_, i) => teacherPredicted[i]!.push(argmaxRows(rows[1 + i]!, classes)));
        for (const [key, column] of kl) {
          const [i, T] = key.split("|").map(Number) as [number, number];
          column.push(klRows(rows[0]!, rows[1 + i]!, classes, T));
        }
      }
      if (wantPairs) {
        const [rows2, context] = [shape[0]!, shape[1]!];
        const targets = batch.targets!.dataSync();
        const pairs = rows2 / 2;
        const logProbs = (v: Float32Array) => sequenceLogProbs(v, targets, rows2, context, classes);
        const policy = logProbs(values[0]!);
        policyChosen.push(policy.slice(0, pairs));
        policyRejected.push(policy.slice(pairs));
        references.forEach((_, i) => {
          const ref = logProbs(values[1 + teachers.length + i]!);
          refChosen[i]!.push(ref.slice(0, pairs));
          refRejected[i]!.push(ref.slice(pairs));
        });
      }
      if (wantLoss) {
        const value = tf.tidy(() => stage!.objective(ctx!));
        const examples = batch.input.shape[0]!;
        lossSum += value.dataSync()[0]! * examples;
        lossWeight += examples;
        value.dispose();
      }
    } finally {
      if (ctx) ctx.dispose();
      else tf.dispose(outputs);
      disposeBatch(batch);
    }
  }

  const y = labels.all();
  const hasLabels = sequences || split.hasLabels;
  const result: Record<string, number> = {};
  for (const metric of metrics) {
    const label = metricLabel(metric);
    switch (metric.kind) {
      case "accuracy":
        result[label] = (metric.top ?? 1) > 1 ? maskedMean(topHits.get(metric.top!)!.all(), y) : accuracyOf(predicted.all(), y);
        break;
      case "loss":
        result[label] = lossWeight === 0 ? NaN : lossSum / lossWeight;
        break;
      case "agreement":
        result[label] = agreementOf(predicted.all(), teacherPredicted[teachers.indexOf(metric.teacher)]!.all(), hasLabels ? y : undefined);
        break;
      case "ece":
        result[label] = eceOf(confidence.all(), predicted.all(), y);
        break;
      case "kl":
        result[label] = maskedMean(kl.get(`${teachers.indexOf(metric.teacher)}|${metric.T}`)!.all(), hasLabels ? y : undefined);
        break;
      case "perplexity":
        result[label] = perplexityOf(nll.all(), y);
        break;
      case "preferenceAccuracy":
      case "rewardMargin": {
        const i = references.indexOf(metric.reference);
        const p = { policyChosen: policyChosen.all(), policyRejected: policyRejected.all(), referenceChosen: refChosen[i]!.all(), referenceRejected: refRejected[i]!.all() };
        result[label] = metric.kind === "preferenceAccuracy" ? preferenceAccuracyOf(p) : rewardMarginOf(p, metric.beta);
        break;
      }
    }
  }
  return result;
}

/**
 * What the objective sees while it is evaluated: every model it reads (trained, teachers, the
 * reference) in inference mode, once per batch; schedules at the stage's last update.
 */
class EvaluationContext implements StepContext {
  private readonly seen = new Map<Model, Outputs>();
  readonly progress: Progress;
  constructor(
    readonly batch: Batch,
    private readonly stage: EvaluationStage,
  ) {
    this.progress = stage.progress;
  }
  outputs(model: Model): Outputs {
    let o = this.seen.get(model);
    // Kept until dispose(); the forward pass's intermediates go at once.
    if (!o) this.seen.set(model, (o = tf.tidy(() => model.forward(this.batch.input, false) as unknown as tf.TensorContainer) as unknown as Outputs));
    return o;
  }
  at(schedule: Schedule): number {
    return schedule.at(this.progress);
  }
  labels(): tf.Tensor1D {
    if (!this.batch.label) throw new KdcRuntimeError(`stage '${this.stage.name}': the objective reads labels, but the evaluation split has none`);
    return this.batch.label;
  }
  route(): tf.Tensor1D {
    if (!this.batch.route) throw new KdcRuntimeError(`stage '${this.stage.name}': the objective reads route ids, but the evaluation split has no route column`);
    return this.batch.route;
  }
  term(_label: string, _origin: string, value: tf.Scalar): tf.Scalar {
    return value;
  }
  /** Disposes every model's outputs this batch computed. */
  dispose(): void {
    for (const o of this.seen.values()) tf.dispose(o as unknown as tf.TensorContainer);
    this.seen.clear();
  }
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

function check(name: string, kind: string, hasLabels: boolean, metrics: readonly MetricSpec[]): void {
  const fail = (kinds: readonly MetricSpec["kind"][], why: string) => {
    const bad = metrics.filter((m) => kinds.includes(m.kind));
    if (bad.length) throw new KdcRuntimeError(`cannot compute ${bad.map(metricLabel).join(", ")} on '${name}': ${why}`);
  };
  if (kind === "vectors") {
    if (!hasLabels) fail(["accuracy", "ece"], "it has no labels");
    fail(["perplexity"], "it is not a token split");
  }
  if (kind !== "preferences") fail(["preferenceAccuracy", "rewardMargin"], "it has no preference pairs");
}

/** Labels of the batch's rows: class ids, or the next token's target per position (−100 for none). */
function rowLabelsOf(batch: Batch, sequences: boolean, shape: readonly number[]): Int32Array {
  if (!sequences) return batch.label ? Int32Array.from(batch.label.dataSync()) : new Int32Array(shape[0]!).fill(IGNORE_INDEX);
  const [rows, context] = [shape[0]!, shape[1]!];
  const targets = batch.targets!.dataSync();
  const out = new Int32Array(rows * (context - 1));
  for (let r = 0; r < rows; r++) for (let t = 0; t + 1 < context; t++) out[r * (context - 1) + t] = targets[r * context + t + 1]!;
  return out;
}

/** [rows, T, V] logits without the last position of each row: [rows·(T−1), V]. */
function dropLastPosition(values: Float32Array, shape: readonly number[]): Float32Array {
  const [rows, context, vocab] = [shape[0]!, shape[1]!, shape[2]!];
  const out = new Float32Array(rows * (context - 1) * vocab);
  for (let r = 0; r < rows; r++) out.set(values.subarray(r * context * vocab, (r * context + context - 1) * vocab), r * (context - 1) * vocab);
  return out;
}
