// An IR metric as the runtime builder call the trainer makes, every argument spelt out.
import type { IrMetric } from "../lower/ir.js";
import { number } from "./expressions.js";

/** `model` and `reference` give the trainer's identifiers for a model and the stage's reference. */
export function emitMetric(m: IrMetric, model: (name: string) => string, reference: (name: string) => string): string {
  switch (m.kind) {
    case "accuracy":
      return `kd.metrics.accuracy({ top: ${m.top} })`;
    case "ece":
    case "perplexity":
    case "loss":
      return `kd.metrics.${m.kind}()`;
    case "agreement":
      return `kd.metrics.agreement(${model(m.teacher)})`;
    case "kl":
      return `kd.metrics.klToTeacher(${model(m.teacher)}, { T: ${number(m.T)} })`;
    case "preference_accuracy":
      return `kd.metrics.preferenceAccuracy(${reference(m.reference)})`;
    case "reward_margin":
      return `kd.metrics.rewardMargin(${reference(m.reference)}, { beta: ${number(m.beta)} })`;
  }
}
