// What a stage does besides minimising its objective: the metrics it evaluates (labelled as the
// runtime's logs label them, runtime/metrics.ts `metricLabel`), its best checkpoint, the parts of
// the trained model it freezes, and its adaptive state (TAID's λ controllers).
import type { IrExpr, IrMetric, IrProgram, IrStage } from "../lower/ir.js";
import { metricLabelOf } from "../../runtime/metric-label.js";
import { exprText, num } from "./expr-text.js";
import { valueAt, progressAt, type StageClock } from "./evaluate.js";

/** A metric as `kdc run`'s logs name it: `accuracy`, `accuracy@5`, `agreement(big)`, `kl(big, T=2)`. */
export function metricText(m: IrMetric): string {
  return metricLabelOf(m);
}

export interface BestCheckpoint {
  readonly metric: string;
  readonly split: string;
  readonly mode: "min" | "max";
  /** When the metric is judged, and what happens to the best weights. */
  readonly judged: string;
  readonly restored: string;
}

export function bestCheckpointOf(stage: IrStage): BestCheckpoint | undefined {
  const c = stage.checkpoint;
  if (!c?.best) return undefined;
  const exports = stage.exports.map((x) => `\`export ${x.model}\``);
  const handedOn = [...exports, "later stages"].join(" and ");
  return {
    metric: metricText(c.best.metric),
    split: `${c.best.data.dataset}.${c.best.data.split}`,
    mode: c.best.mode,
    judged: `after every ${c.everySteps === undefined && (c.everyEpochs ?? 1) === 1 ? "epoch" : intervalText(c)} and at the end of the stage (written to checkpoints/${stage.name}/best/)`,
    restored: `the best weights are restored into ${[stage.train, ...(stage.trainableTeachers ?? []), ...(stage.modules ?? [])].join(", ")} when the stage ends, so ${handedOn} get them rather than the last step's`,
  };
}

export interface FrozenPart {
  readonly part: string;
  /** The weights computing that tap, when the architecture makes them easy to count (mlp). */
  readonly parameters?: number;
}

export function frozenPartsOf(ir: IrProgram, stage: IrStage): FrozenPart[] {
  const model = ir.models.find((m) => m.name === stage.train);
  return (stage.freeze ?? []).map((f) => {
    const part = `${stage.train}.${f.tap}${f.index !== undefined ? `[${f.index}]` : ""}`;
    // An mlp's hidden[i] is dense layer i; its logits the last one (runtime/train/freeze.ts).
    if (model?.builtin !== "mlp") return { part };
    const widths = [model.input, ...model.hidden, model.classes];
    const layer = f.tap === "logits" ? widths.length - 2 : f.tap === "hidden" && f.index !== undefined && f.index < model.hidden.length ? f.index : undefined;
    return layer === undefined ? { part } : { part, parameters: widths[layer]! * widths[layer + 1]! + widths[layer + 1]! };
  });
}

export interface ControllerExplanation {
  readonly name: string;
  readonly kind: "taid";
  readonly options: readonly { readonly name: string; readonly value: string }[];
  readonly rule: string;
}

/** TAID's λ, from the runtime's TaidController (runtime/losses/taid.ts). */
export function controllersOf(ir: IrProgram, stage: IrStage, clock: StageClock): ControllerExplanation[] {
  return (stage.controllers ?? []).map((c) => {
    const value = (e: IrExpr | undefined) => (e ? valueAt(e, progressAt(clock, 0), ir, stage) : undefined);
    const options = Object.entries(c.options).map(([name, e]) => {
      const text = exprText(e);
      const v = value(e);
      return { name, value: e.op === "number" || v === undefined ? text : `${text} = ${num(v)}` };
    });
    const start = num(value(c.options.lambda_start));
    const end = num(value(c.options.lambda_end));
    return {
      name: c.name,
      kind: c.kind,
      options,
      rule:
        `λ is adaptive: it starts at lambda_start = ${start} and, after every step, moves by that step's total loss L (the first step only records it): ` +
        `δ = (L_prev − L) / (L_prev + 1e-15), m ← β·m + (1 − β)·δ, ` +
        `λ ← min(${end}, max(${start} + (${end} − ${start})·step / ${clock.totalSteps}, λ + α·σ(m)·(1 − λ))); ` +
        `it never falls below the linear ramp from lambda_start to lambda_end over the stage's ${clock.totalSteps} steps, and checkpoints keep λ, m and L_prev`,
    };
  });
}

/** A checkpoint interval in words: `3 epochs`, `1 epoch`, `500 steps`. */
export function intervalText(c: { readonly everyEpochs?: number; readonly everySteps?: number }): string {
  const [n, unit] = c.everySteps !== undefined ? [c.everySteps, "step"] : [c.everyEpochs ?? 1, "epoch"];
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}
