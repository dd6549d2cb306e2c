// Evaluation: the model (and any teachers named by agreement metrics) in inference mode over a
// split, in batches; logits are read back and reduced in JS (see metrics.ts).
import * as tf from "@tensorflow/tfjs";
import type { EvaluateSpec, Model } from "./program.js";
import { KdcRuntimeError } from "./errors.js";
import { disposeBatch } from "./data/memory-split.js";
import { accuracyOf, agreementOf, argmaxRows, confidenceRows, eceOf, metricLabel } from "./metrics.js";
import { IGNORE_INDEX } from "./losses/cross-entropy.js";

export const EVAL_BATCH = 1000;

/** Metric label → value (fractions, not percentages) for `model` on `spec.split`. */
export function evaluate(model: Model, spec: EvaluateSpec, batchSize = EVAL_BATCH): Record<string, number> {
  const { split, metrics } = spec;
  const needsLabels = metrics.some((m) => m.kind !== "agreement");
  if (needsLabels && !split.hasLabels) {
    throw new KdcRuntimeError(`cannot compute ${metrics.filter((m) => m.kind !== "agreement").map(metricLabel).join(", ")} on '${split.name}': it has no labels`);
  }
  const teachers = [...new Set(metrics.flatMap((m) => (m.kind === "agreement" ? [m.teacher] : [])))];
  const classes = split.classes;
  const predicted = new Int32Array(split.size);
  const confidence = new Float64Array(split.size);
  const labels = new Int32Array(split.size).fill(IGNORE_INDEX);
  const teacherPredicted = new Map(teachers.map((t) => [t, new Int32Array(split.size)]));

  let offset = 0;
  // Order does not matter for these metrics; seed and epoch 0 just fix one.
  for (const batch of split.batches(batchSize, 0, 0)) {
    const outputs = tf.tidy(() => [model, ...teachers].map((m) => m.forward(batch.input, false).logits));
    try {
      const logits = outputs[0]!.dataSync();
      predicted.set(argmaxRows(logits, classes), offset);
      confidence.set(confidenceRows(logits, classes), offset);
      teachers.forEach((t, i) => teacherPredicted.get(t)!.set(argmaxRows(outputs[i + 1]!.dataSync(), classes), offset));
      if (batch.label) labels.set(batch.label.dataSync(), offset);
    } finally {
      tf.dispose(outputs);
      disposeBatch(batch);
    }
    offset += batch.size;
  }

  const result: Record<string, number> = {};
  for (const metric of metrics) {
    switch (metric.kind) {
      case "accuracy":
        result[metricLabel(metric)] = accuracyOf(predicted, labels);
        break;
      case "agreement":
        result[metricLabel(metric)] = agreementOf(predicted, teacherPredicted.get(metric.teacher)!, split.hasLabels ? labels : undefined);
        break;
      case "ece":
        result[metricLabel(metric)] = eceOf(confidence, predicted, labels);
        break;
    }
  }
  return result;
}
