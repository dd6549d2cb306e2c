// `kdc explain recipe.kd`: everything the compiler resolved about a recipe, as structured data
// (`--format json`); text.ts renders it. Built from the IR alone, so it states exactly what the
// trainer will do: objectives with every loss written out and every convention stated, shapes,
// schedule values, stage lengths, optimizers with their defaults, and the compiler's decisions.
import { builtins } from "../check/builtins.js";
import type { IrConstant, IrExpr, IrProgram, IrSpec, IrStage } from "../lower/ir.js";
import { LOSS_CONVENTIONS, type LossConvention } from "./conventions.js";
import { clockOf, progressAt, valueAt, warmupSteps, type StageClock } from "./evaluate.js";
import { exprText, num } from "./expr-text.js";
import { inlineLosses, mapChildren, nodesOf } from "./inline.js";
import { explainLayers, type LayerExplanation, type PipelineExplanation } from "./layers.js";
import { bestCheckpointOf, controllersOf, intervalText, frozenPartsOf, metricText, type BestCheckpoint, type ControllerExplanation, type FrozenPart } from "./stage-controls.js";
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
    /** `mixture`: its sources and their weights. */
    readonly sources?: readonly { readonly split: string; readonly weight: number }[];
    readonly splits: readonly { readonly name: string; readonly examples: number; readonly holds: string; readonly augmented?: string }[];
    readonly origin: string;
  }[];
  readonly models: readonly { readonly name: string; readonly call: string; readonly parameters: number; readonly taps: Readonly<Record<string, string>>; readonly origin: string }[];
  /** `module m = …`: trainable pipelines, and the stages that train them or read them frozen. */
  readonly modules: readonly (PipelineExplanation & { readonly name: string; readonly trainedIn: readonly string[]; readonly frozenIn: readonly string[]; readonly doc?: string; readonly origin: string })[];
  readonly stages: readonly StageExplanation[];
}

export interface StageExplanation {
  readonly name: string;
  readonly origin: string;
  readonly after: readonly string[];
  readonly train: { readonly model: string; readonly parameters: number; readonly data: string; readonly examples: number };
  /** `freeze m.part`: parts of the trained model the optimizer leaves as they are. */
  readonly frozenParts: readonly FrozenPart[];
  /** Modules the objective applies: trained with `train` in this stage, or read frozen. */
  readonly modules: { readonly trained: readonly string[]; readonly frozen: readonly string[] };
  readonly length: {
    readonly epochs: number;
    /** `steps N`: the stage ends after exactly N optimizer steps (`epochs` is then the epochs it touches). */
    readonly steps?: number;
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
  readonly teachers: readonly { readonly model: string; readonly parameters: number; readonly trainable: boolean; readonly frozen: string }[];
  readonly reference?: { readonly name: string; readonly model: string; readonly frozen: string };
  readonly adapters: readonly { readonly name: string; readonly shape: string; readonly parameters: number; readonly trainedWith: string; readonly kind: string; readonly layers?: readonly LayerExplanation[] }[];
  /** State the stage updates from each step's loss (TAID's λ). */
  readonly controllers: readonly ControllerExplanation[];
  readonly teacherCache: readonly CacheLegality[];
  readonly evaluate: readonly { readonly split: string; readonly when: string; readonly metrics: readonly string[] }[];
  readonly checkpoint: string;
  readonly best?: BestCheckpoint;
  /** `under`: where it lands with `kdc run`'s default run folder (`--out` moves it). */
  readonly exports: readonly { readonly model: string; readonly path: string; readonly under: string }[];
}

export interface Term {
  readonly call: string;
  readonly origin: string;
  /** `meaning`: what an argument computes when its text alone does not say (ensembles). */
  readonly arguments: readonly { readonly name: string; readonly value: string; readonly shape?: TermShape; readonly meaning?: string }[];
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

/** A tokenizer or transform as the recipe writes it: `bpe(vocab: 300, min_frequency: 2)`, `mail.tokenizer`. */
function specText(s: IrSpec): string {
  if (s.spec === "shared") return `${String(s.args.dataset)}.tokenizer`;
  return `${s.spec}(${Object.entries(s.args).map(([k, v]) => `${k}: ${constantText(v)}`).join(", ")})`;
}

function constantText(v: IrConstant): string {
  if (Array.isArray(v)) return `[${(v as readonly (number | IrSpec)[]).map((x) => (typeof x === "number" ? String(x) : specText(x))).join(", ")}]`;
  if (typeof v === "object") return specText(v as IrSpec);
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

const callText = (builtin: string, args: Readonly<Record<string, IrConstant>>, leading: readonly string[] = []): string =>
  `${builtin}(${[...leading, ...Object.entries(args).map(([k, v]) => `${k}: ${constantText(v)}`)].join(", ")})`;

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
      call: callText(
        d.builtin,
        d.args,
        d.sources
          ? [...d.sources.map((x) => `${x.dataset}.${x.split}`), `weights: [${d.sources.map((x) => num(x.weight)).join(", ")}]`]
          : // `generate`: the teacher and prompt split lead, as in the recipe.
            d.generator && d.prompts
            ? [`teacher: ${d.generator}`, `prompts: ${d.prompts.dataset}.${d.prompts.split}`]
            : [],
      ),
      ...(d.sources ? { sources: d.sources.map((x) => ({ split: `${x.dataset}.${x.split}`, weight: x.weight })) } : {}),
      splits: d.splits.map((s) => ({
        name: s.name,
        examples: s.size,
        holds:
          s.kind === "preferences"
            ? `preference pairs of ${s.features} tokens`
            : s.kind === "tokens"
              ? `token sequences of ${s.features}${s.vocab !== undefined ? ` (vocabulary ≤ ${s.vocab})` : ""}${s.hasLabels ? `, ${s.classes} classes` : ""}`
              : `${s.features} features${s.hasLabels ? `, ${s.classes} classes` : ", no labels"}`,
        ...(s.augmented ? { augmented: `augmented: ${augmentsOf(d.args.augment)} are redrawn for every (seed, epoch), so its inputs change every epoch` } : {}),
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
    modules: (ir.modules ?? []).map((m) => {
      const { shape, parameters, layers } = explainLayers(m.input, m.layers);
      return {
        name: m.name,
        shape,
        parameters,
        layers,
        trainedIn: ir.stages.filter((s) => s.modules?.includes(m.name)).map((s) => s.name),
        frozenIn: ir.stages.filter((s) => !s.modules?.includes(m.name) && appliedModules(ir, s).includes(m.name)).map((s) => s.name),
        ...(m.doc ? { doc: m.doc } : {}),
        origin: m.origin,
      };
    }),
    stages: ir.stages.map((s, i) => explainStage(ir, s, i)),
  };
}

/** The top-level modules a stage's objective applies (loss definitions inlined), in order of appearance. */
function appliedModules(ir: IrProgram, stage: IrStage): string[] {
  const declared = new Set((ir.modules ?? []).map((m) => m.name));
  const objective = inlineLosses(stage.objective, new Map(ir.losses.map((l) => [l.name, l])));
  return [...new Set(nodesOf(objective).flatMap((n) => (n.op === "apply" && declared.has(n.module) ? [n.module] : [])))];
}

function augmentsOf(augment: IrConstant | undefined): string {
  return Array.isArray(augment) && augment.length > 0 && typeof augment[0] === "object" ? constantText(augment).slice(1, -1) : "random transforms";
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
    const fn = n.op === "taid" ? (n.tokens ? "token_taid" : "taid") : n.fn;
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
            ]
          : Object.entries(n.args);
    const convention = LOSS_CONVENTIONS[fn];
    const t = n.op === "primitive" ? n.args.T : undefined;
    const t2 = n.op === "primitive" && convention?.t2 ? n.args[convention.t2] : undefined;
    return [
      {
        call: exprText(n),
        origin: n.origin,
        arguments: args.flatMap(([name, value], i) => {
          const shape = shapeOf(value, ir, stage);
          const kind = value.op === "model" || value.op === "tap" || value.op === "labels" || value.op === "adapt" || value.op === "input" || shape !== undefined;
          const meaning = ensembleMeaning(value);
          const argument = { name, value: kind ? exprText(value) : scalar(value), ...(shape ? { shape: describeShape(shape, ir, stage) } : {}), ...(meaning ? { meaning } : {}) };
          // Arguments the IR states by their absence, stated after the tensors they go with.
          const implied =
            i === 0 && n.op === "preference" && !n.reference && n.fn !== "simpo"
              ? [{ name: "reference", value: "none: reference-free (the reference's log-probs are taken as 0)" }]
              : i === 1 && n.op === "taid" && n.controller
                ? [{ name: "λ", value: `${n.controller}: adaptive, updated after every step (see "adaptive state")` }]
                : [];
          return [argument, ...implied];
        }),
        ...(convention ? { reduction: reductionOf(convention, n), temperature: convention.temperature } : {}),
        ...(t2 ? { t2: t2Text(t2, t, ir, stage, clock) } : {}),
        // TAID's λ rule is stated once per controller, under the stage's adaptive state.
        definition: (builtins.get(fn)?.doc ?? "").replace(/ λ starts at .*$/, n.op === "taid" ? " λ: see the stage's adaptive state." : "$&"),
      },
    ];
  });

  return {
    name: stage.name,
    origin: stage.origin,
    after: stage.after,
    train: { model: stage.train, parameters: parameters(stage.train), data: `${stage.data.dataset}.${stage.data.split}`, examples: split?.size ?? 0 },
    frozenParts: frozenPartsOf(ir, stage),
    modules: { trained: stage.modules ?? [], frozen: appliedModules(ir, stage).filter((m) => !stage.modules?.includes(m)) },
    length: {
      epochs: stage.epochs,
      ...(stage.steps !== undefined ? { steps: stage.steps } : {}),
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
    teachers: stage.teachers.map((t) => {
      const trainable = stage.trainableTeachers?.includes(t) ?? false;
      const frozen = trainable
        ? `trained with ${stage.train} (\`teacher ${t} trainable\`): training mode, on the gradient tape, updated by the stage's optimizer; its outputs are never cached`
        : stage.trainModeTeachers?.includes(t)
          ? `frozen, in training mode (\`teacher ${t} mode train\`: dropout on, batch-norm statistics updated), off the gradient tape, one forward pass per step; never cached`
          : "frozen: inference mode (dropout off), off the gradient tape, one forward pass per step";
      return { model: t, parameters: parameters(t), trainable, frozen };
    }),
    ...(stage.reference
      ? { reference: { name: stage.reference.name, model: stage.reference.model, frozen: `a frozen snapshot of \`${stage.reference.model}\` taken when the stage starts` } }
      : {}),
    adapters: stage.adapters.map((a) => {
      const kind = a.from === "hint" ? "hint regressor" : "projection";
      if (a.input && a.layers) {
        const { shape, parameters, layers } = explainLayers(a.input, a.layers);
        return { name: a.name, kind: `${kind}, layers from \`via\``, shape, parameters, trainedWith: stage.train, layers };
      }
      return {
        name: a.name,
        kind: `${kind}, linear`,
        shape: `[B, ${a.inFeatures}] → [B, ${a.outFeatures}] (W [${a.inFeatures}, ${a.outFeatures}], b [${a.outFeatures}])`,
        parameters: a.inFeatures * a.outFeatures + a.outFeatures,
        trainedWith: stage.train,
      };
    }),
    controllers: controllersOf(ir, stage, clock),
    teacherCache: cacheLegality(ir, stage, index),
    evaluate: stage.evaluate.map((e) => ({
      split: `${e.data.dataset}.${e.data.split}`,
      when:
        e.everySteps !== undefined && e.everySteps < clock.totalSteps
          ? `every ${e.everySteps} step${e.everySteps === 1 ? "" : "s"} and at the end`
          : e.everyEpochs === undefined || e.everyEpochs >= stage.epochs
            ? "at the end of the stage"
            : `every ${e.everyEpochs} epoch${e.everyEpochs === 1 ? "" : "s"} and at the end`,
      metrics: e.metrics.map(metricText),
    })),
    checkpoint: stage.checkpoint
      ? `every ${intervalText(stage.checkpoint)}, keeping the newest ${stage.checkpoint.keep}; and one when the stage completes`
      : "none during the stage; one when the stage completes",
    ...(stage.checkpoint?.best ? { best: bestCheckpointOf(stage) } : {}),
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
  if (first === undefined) return "on: multiplied by T² at each step's T (adaptive: known only during training)";
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

/** What an ensemble of teachers computes, per teacher with its temperature. */
function ensembleMeaning(e: IrExpr): string | undefined {
  if (e.op === "mixture") {
    const parts = e.parts.map((p, i) => `${num(e.weights[i])}·softmax(${exprText(p)}${e.T[i] === 1 ? "" : ` / ${num(e.T[i])}`})`);
    return `log(${parts.join(" + ")}): the weighted mixture of the teachers' distributions, as log-probabilities`;
  }
  if (e.op === "routed") {
    const parts = e.parts.map((p, i) => `route ${i}: log_softmax(${exprText(p)}${e.T && e.T[i] !== 1 ? ` / ${num(e.T[i])}` : ""})`);
    return `each example from the teacher its \`${exprText(e.route)}\` picks (${parts.join("; ")}), as log-probabilities`;
  }
  return undefined;
}
