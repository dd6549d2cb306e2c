// `kdc explain recipe.kd`: everything the compiler resolved about a recipe, as structured data
// (`--format json`); text.ts renders it. Built from the IR alone, so it states exactly what the
// trainer will do: objectives with every loss written out and every convention stated, shapes,
// schedule values, stage lengths, optimizers with their defaults, and the compiler's decisions.
import { builtins } from "../check/builtins.js";
import type { IrExpr, IrProgram, IrStage } from "../lower/ir.js";
import { LOSS_CONVENTIONS, type LossConvention } from "./conventions.js";
import { clockOf, progressAt, valueAt, warmupSteps, type StageClock } from "./evaluate.js";
import { exprText, num } from "./expr-text.js";
import { inlineLosses, mapChildren, nodesOf } from "./inline.js";
import { describeShape, shapeOf, splitOf, type TermShape } from "./shapes.js";
import { cacheLegality, type CacheLegality } from "./teacher-cache.js";

export interface Explanation {
  readonly recipe: string;
  readonly irVersion: number;
  readonly params: readonly { readonly name: string; readonly type: string; readonly value: number | string | boolean; readonly origin: string }[];
  readonly run: { readonly backend: string; readonly backendFrom: "recipe" | "default"; readonly threads: number; readonly precision: string; readonly strategy: string; readonly devices: number };
  readonly datasets: readonly {
    readonly name: string;
    readonly call: string;
    readonly splits: readonly { readonly name: string; readonly examples: number; readonly holds: string }[];
    readonly origin: string;
  }[];
  readonly models: readonly { readonly name: string; readonly call: string; readonly parameters: number; readonly taps: Readonly<Record<string, string>>; readonly origin: string }[];
  readonly stages: readonly StageExplanation[];
}

export interface StageExplanation {
  readonly name: string;
  readonly origin: string;
  readonly after: readonly string[];
  readonly train: { readonly model: string; readonly parameters: number; readonly data: string; readonly examples: number };
  readonly length: {
    readonly epochs: number;
    readonly batch: number;
    readonly stepsPerEpoch: number;
    readonly totalSteps: number;
    readonly accumulate?: { readonly steps: number; readonly by: string };
    readonly seed: number;
    readonly clip?: number;
  };
  readonly optimizer: string;
  readonly objective: { readonly written: string; readonly resolved: string; readonly origin: string; readonly terms: readonly Term[] };
  readonly schedules: readonly ScheduleValues[];
  readonly teachers: readonly { readonly model: string; readonly parameters: number; readonly frozen: string }[];
  readonly reference?: { readonly name: string; readonly model: string; readonly frozen: string };
  readonly adapters: readonly { readonly name: string; readonly shape: string; readonly parameters: number; readonly trainedWith: string }[];
  readonly teacherCache: readonly CacheLegality[];
  readonly evaluate: readonly { readonly split: string; readonly when: string; readonly metrics: readonly string[] }[];
  readonly checkpoint: string;
  /** `under`: where it lands with `kdc run`'s default run folder (`--out` moves it). */
  readonly exports: readonly { readonly model: string; readonly path: string; readonly under: string }[];
}

export interface Term {
  readonly call: string;
  readonly origin: string;
  readonly arguments: readonly { readonly name: string; readonly value: string; readonly shape?: TermShape }[];
  readonly reduction?: string;
  readonly temperature?: string;
  readonly t2?: string;
  readonly definition: string;
}

export interface ScheduleValues {
  readonly name: string;
  readonly expression: string;
  readonly values: readonly { readonly at: string; readonly step: number; readonly value: number | undefined }[];
}

const callText = (builtin: string, args: Readonly<Record<string, unknown>>): string =>
  `${builtin}(${Object.entries(args)
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? `[${v.join(", ")}]` : typeof v === "string" ? JSON.stringify(v) : String(v)}`)
    .join(", ")})`;

export function explain(ir: IrProgram): Explanation {
  return {
    recipe: ir.recipe,
    irVersion: ir.version,
    params: ir.params.map((p) => ({ name: p.name, type: p.type, value: p.value, origin: p.origin })),
    run: {
      backend: ir.run.backend ?? "wasm",
      backendFrom: ir.run.backend ? "recipe" : "default",
      // Any other value of these is refused by the checker (KD3026): the runtime cannot honour it.
      threads: 1,
      precision: "float32",
      strategy: "single",
      devices: 1,
    },
    datasets: ir.datasets.map((d) => ({
      name: d.name,
      call: callText(d.builtin, d.args),
      splits: d.splits.map((s) => ({
        name: s.name,
        examples: s.size,
        holds:
          s.kind === "preferences"
            ? `preference pairs of ${s.features} tokens`
            : s.kind === "tokens"
              ? `token sequences of ${s.features}${s.vocab !== undefined ? ` (vocabulary ≤ ${s.vocab})` : ""}${s.hasLabels ? `, ${s.classes} classes` : ""}`
              : `${s.features} features${s.hasLabels ? `, ${s.classes} classes` : ", no labels"}`,
      })),
      origin: d.origin,
    })),
    models: ir.models.map((m) => ({
      name: m.name,
      call: callText(m.builtin, m.args),
      parameters: m.parameters,
      taps: Object.fromEntries(Object.entries(m.taps).map(([k, v]) => [k, `[${v.join(", ")}]`])),
      origin: m.origin,
    })),
    stages: ir.stages.map((s, i) => explainStage(ir, s, i)),
  };
}

function explainStage(ir: IrProgram, stage: IrStage, index: number): StageExplanation {
  const clock = clockOf(stage);
  const losses = new Map(ir.losses.map((l) => [l.name, l]));
  const resolved = inlineLosses(stage.objective, losses);
  const parameters = (name: string) => ir.models.find((m) => m.name === name)?.parameters ?? 0;
  const split = splitOf(ir, stage.data);
  const scalar = (e: IrExpr) => scalarText(e, ir, stage, clock);

  const terms: Term[] = nodesOf(resolved).flatMap((n): Term[] => {
    if (n.op !== "primitive" && n.op !== "preference" && n.op !== "taid") return [];
    const fn = n.op === "taid" ? "taid" : n.fn;
    const args: [string, IrExpr][] =
      n.op === "preference"
        ? [
            ["policy", n.policy],
            ...(n.reference ? [["reference", n.reference] as [string, IrExpr]] : []),
            ...Object.entries(n.options).map(([k, v]): [string, IrExpr] => [k, typeof v === "string" ? { op: "string", value: v } : { op: "number", value: v }]),
          ]
        : n.op === "taid"
          ? [
              ["student", n.student],
              ["teacher", n.teacher],
              ...(n.lambda ? [["lambda", n.lambda] as [string, IrExpr]] : []),
              ...Object.entries(stage.controllers?.find((c) => c.name === n.controller)?.options ?? {}),
            ]
          : Object.entries(n.args);
    const convention = LOSS_CONVENTIONS[fn];
    const t = n.op === "primitive" ? n.args.T : undefined;
    const t2 = n.op === "primitive" && convention?.t2 ? n.args[convention.t2] : undefined;
    return [
      {
        call: exprText(n),
        origin: n.origin,
        arguments: args.map(([name, value]) => {
          const shape = shapeOf(value, ir, stage);
          const kind = value.op === "model" || value.op === "tap" || value.op === "labels" || value.op === "adapt" || value.op === "input" || shape !== undefined;
          return { name, value: kind ? exprText(value) : scalar(value), ...(shape ? { shape: describeShape(shape, ir, stage) } : {}) };
        }),
        ...(convention ? { reduction: reductionOf(convention, n), temperature: convention.temperature } : {}),
        ...(t2 ? { t2: t2Text(t2, t, ir, stage, clock) } : {}),
        definition: builtins.get(fn)?.doc ?? "",
      },
    ];
  });

  return {
    name: stage.name,
    origin: stage.origin,
    after: stage.after,
    train: { model: stage.train, parameters: parameters(stage.train), data: `${stage.data.dataset}.${stage.data.split}`, examples: split?.size ?? 0 },
    length: {
      epochs: stage.epochs,
      batch: stage.batch,
      stepsPerEpoch: stage.stepsPerEpoch,
      totalSteps: clock.totalSteps,
      ...(stage.accumulate ? { accumulate: stage.accumulate } : {}),
      seed: stage.seed,
      ...(stage.clip !== undefined ? { clip: stage.clip } : {}),
    },
    optimizer: optimizerText(stage),
    objective: { written: exprText(stage.objective, (name) => losses.get(name)?.params.map((p) => p.name)), resolved: exprText(resolved), origin: stage.objectiveOrigin, terms },
    schedules: schedulesOf(ir, stage, resolved, clock),
    teachers: stage.teachers.map((t) => ({ model: t, parameters: parameters(t), frozen: "frozen: inference mode (dropout off), off the gradient tape, one forward pass per step" })),
    ...(stage.reference
      ? { reference: { name: stage.reference.name, model: stage.reference.model, frozen: `a frozen snapshot of \`${stage.reference.model}\` taken when the stage starts` } }
      : {}),
    adapters: stage.adapters.map((a) => ({
      name: a.name,
      shape: `[B, ${a.inFeatures}] → [B, ${a.outFeatures}] (W [${a.inFeatures}, ${a.outFeatures}], b [${a.outFeatures}])`,
      parameters: a.inFeatures * a.outFeatures + a.outFeatures,
      trainedWith: stage.train,
    })),
    teacherCache: cacheLegality(ir, stage, index),
    evaluate: stage.evaluate.map((e) => ({
      split: `${e.data.dataset}.${e.data.split}`,
      when: e.everyEpochs === undefined || e.everyEpochs >= stage.epochs ? "at the end of the stage" : `every ${e.everyEpochs} epoch${e.everyEpochs === 1 ? "" : "s"} and at the end`,
      metrics: e.metrics.map((m) => (m.kind === "agreement" ? `agreement(${m.teacher})` : m.kind)),
    })),
    checkpoint: stage.checkpoint
      ? `every ${stage.checkpoint.everyEpochs} epoch${stage.checkpoint.everyEpochs === 1 ? "" : "s"}, keeping the newest ${stage.checkpoint.keep}; and one when the stage completes`
      : "none during the stage; one when the stage completes",
    exports: stage.exports.map((x) => ({ model: x.model, path: x.path, under: `runs/${runName(ir.recipe)}/${x.path}` })),
  };
}

/** The optimizer as a recipe would write it, every hyper-parameter spelt out. */
function optimizerText(stage: IrStage): string {
  const { kind, lr, ...rest } = stage.optimizer;
  const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const fields = Object.entries(rest).map(([k, v]) => `${snake(k)}: ${typeof v === "number" ? num(v) : JSON.stringify(v)}`);
  return `${kind}(${[`lr: ${exprText(lr)}`, ...fields].join(", ")})`;
}

/** A scalar argument: its expression, and its value when that is not the expression itself. */
function scalarText(e: IrExpr, ir: IrProgram, stage: IrStage, clock: StageClock): string {
  const text = exprText(e);
  if (e.op === "number" || e.op === "bool" || e.op === "string") return text;
  const first = valueAt(e, progressAt(clock, 0), ir, stage);
  const last = valueAt(e, progressAt(clock, Math.max(clock.totalSteps - 1, 0)), ir, stage);
  if (first === undefined) return text;
  return first === last ? `${text} = ${num(first)}` : `${text}: ${num(first)} at the first step → ${num(last)} at the last`;
}

function t2Text(flag: IrExpr, t: IrExpr | undefined, ir: IrProgram, stage: IrStage, clock: StageClock): string {
  if (flag.op !== "bool") return exprText(flag);
  if (!flag.value) return "off: no T² factor";
  if (!t) return "on";
  const square = (step: number) => {
    const v = valueAt(t, progressAt(clock, step), ir, stage);
    return v === undefined ? undefined : v * v;
  };
  const first = square(0);
  const last = square(Math.max(clock.totalSteps - 1, 0));
  return first === last ? `on: multiplied by T² = ${num(first)}` : `on: multiplied by T², ${num(first)} at the first step → ${num(last)} at the last`;
}

/** The learning rate, the stage's lets, and schedules written inside the objective. */
function schedulesOf(ir: IrProgram, stage: IrStage, objective: IrExpr, clock: StageClock): ScheduleValues[] {
  const named: { name: string; expr: IrExpr }[] = [{ name: "lr", expr: stage.optimizer.lr }, ...stage.lets.map((l) => ({ name: l.name, expr: l.value }))];
  const seen = new Set<string>();
  for (const e of varyingScalars(objective)) {
    const text = exprText(e);
    if (seen.has(text)) continue;
    seen.add(text);
    named.push({ name: "in the objective", expr: e });
  }
  const warmup = warmupSteps(named.map((n) => n.expr).concat(objective), clock);
  const last = Math.max(clock.totalSteps - 1, 0);
  const points = [
    { at: "first step", step: 0 },
    ...(warmup > 0 && warmup < last ? [{ at: "end of warm-up", step: Math.ceil(warmup) }] : []),
    { at: "last step", step: last },
  ];
  return named.map(({ name, expr }) => ({
    name,
    expression: exprText(expr),
    values: points.map((p) => ({ ...p, value: valueAt(expr, progressAt(clock, p.step), ir, stage) })),
  }));
}


/** The default run folder's name, as `kdc run` picks it: the recipe's file name without `.kd`. */
function runName(recipe: string): string {
  return (recipe.split(/[\\/]/).pop() ?? recipe).replace(/\.kd$/, "");
}

function reductionOf(convention: LossConvention, term: IrExpr): string {
  if (typeof convention.reduction === "string") return convention.reduction;
  const chosen = term.op === "primitive" && term.args.reduction?.op === "string" ? term.args.reduction.value : "";
  return convention.reduction[chosen] ?? Object.entries(convention.reduction).map(([k, v]) => `"${k}": ${v}`).join("; ");
}

/** The largest scalar parts of an objective that vary with the step (`min(epoch / 20, 1)`), lets aside. */
function varyingScalars(e: IrExpr): IrExpr[] {
  if (!nodesOf(e).some((n) => n.op === "at" || n.op === "progress")) return [];
  const scalar = e.op === "at" || ((e.op === "binary" || e.op === "neg" || e.op === "math") && e.kind !== "tensor");
  if (scalar) return e.op === "at" && e.schedule.op === "local" ? [] : [e];
  const out: IrExpr[] = [];
  mapChildren(e, (child) => {
    out.push(...varyingScalars(child));
    return child;
  });
  return out;
}
