// Lowering: the checked AST and its side tables → the IR. Runs only on programs without errors,
// so anything unexpected here is an internal error, not a user mistake.
import type { CallExpression, Expression } from "../../grammar/ast.js";
import { builtins, type Builtin } from "../check/builtins.js";
import type { CheckedProgram } from "../check/check.js";
import { lossSignature } from "../check/expressions.js";
import { modelTapShapes } from "./model-taps.js";
import { PREFERENCE_LOSSES, preferenceModels, type PreferenceLoss } from "../check/preference-losses.js";
import type { Signature } from "../check/signature.js";
import type { Type } from "../check/types.js";
import { isDuration, isSpec, type SpecValue, type Value } from "../check/values.js";
import type { Module } from "../resolve/modules.js";
import type { Span } from "../source.js";
import { scheduleOf } from "./schedules.js";
import { tensorOp } from "./tensor-ops.js";
import { lowerMetric, MetricLoweringError } from "./metric.js";
import { lowerOptimizer, OptimizerLoweringError } from "./optimizer.js";
import {
  IR_VERSION,
  isScheduleExpr,
  type IrConstant,
  type IrDataset,
  type IrExpr,
  type IrKind,
  type IrMetric,
  type IrModel,
  type IrModule,
  type IrOptimizer,
  type IrProgram,
  type IrStage,
} from "./ir.js";
import { generateOf } from "./generate.js";

export class InternalError extends Error {}

/** Where an expression is evaluated: once when the program is built, or at every step. */
type Context = "build" | "step";

export function lower(program: CheckedProgram): IrProgram {
  const { state } = program;
  const sources = new Map<string, Module>();
  for (const s of program.stages) sources.set(s.module.source.path, s.module);
  sources.set(program.entry.source.path, program.entry);
  for (const l of program.losses) sources.set(l.module.source.path, l.module);

  const origin = (span: Span): string => {
    const module = sources.get(span.file);
    if (!module) throw new InternalError(`no source for ${span.file}`);
    return module.source.origin(span.start);
  };
  // Losses from different files may share a name; the trainer needs one name each.
  const lossNames = new Map<import("../../grammar/ast.js").LossDeclaration, string>();
  for (const { decl } of program.losses) {
    let name = decl.name.name;
    for (let i = 2; [...lossNames.values()].includes(name); i++) name = `${decl.name.name}_${i}`;
    lossNames.set(decl, name);
  }
  const typeOf = (e: Expression): Type => state.types.get(e) ?? { kind: "error" };
  const kindOf = (e: Expression): IrKind => kindOfType(typeOf(e));

  const constant = (e: Expression): IrConstant => {
    const v = state.values.get(e);
    if (Array.isArray(v) && v.every(isSpec)) return v.map(specConstant);
    if (isSpec(v)) return specConstant(v);
    if (v === undefined || (typeof v === "object" && !Array.isArray(v))) throw new InternalError(`no constant for ${e.kind}`);
    return v as IrConstant;
  };

  const expr = (e: Expression, context: Context): IrExpr => {
    const lowered = exprInner(e, context);
    // Inside an objective a schedule stands for its value at this step.
    return context === "step" && isScheduleExpr(lowered) ? { op: "at", schedule: lowered } : lowered;
  };

  const exprInner = (e: Expression, context: Context): IrExpr => {
    switch (e.kind) {
      case "NumberLiteral":
        return { op: "number", value: e.value };
      case "StringLiteral":
        return { op: "string", value: e.value };
      case "BooleanLiteral":
        return { op: "bool", value: e.value };
      case "UnitLiteral":
        return { op: "duration", value: e.value.value, unit: e.unit };
      case "PercentLiteral":
        return { op: "duration", value: e.value.value, unit: "percent" };
      case "ComprehensionExpression": {
        const expanded = state.expansions.get(e);
        if (!expanded) throw new InternalError("comprehension without expansion");
        return expr(expanded, context);
      }
      case "Identifier": {
        const symbol = state.symbols.get(e);
        switch (symbol?.kind) {
          case "param":
            return { op: "param", name: e.name, kind: kindOf(e) };
          case "let":
            return { op: "local", name: e.name, kind: kindOf(e) };
          case "lossParam":
            // A scalar parameter receives the schedule's value at this step from its caller.
            return { op: "local", name: e.name, kind: kindOf(e) === "schedule" ? "number" : kindOf(e) };
          case "model":
          case "reference":
            return { op: "model", name: e.name };
          case "builtin":
            if (e.name === "step" || e.name === "epoch") return { op: "progress", field: e.name };
            throw new InternalError(`cannot lower the built-in ${e.name} as a value`);
          default:
            throw new InternalError(`cannot lower the name ${e.name}`);
        }
      }
      case "MemberExpression": {
        const objectType = typeOf(e.object);
        if (objectType.kind === "model" && (e.property.name === "logits" || e.property.name === "pooled" || e.property.name === "embedding"))
          return { op: "tap", model: expr(e.object, context), tap: e.property.name };
        if (objectType.kind === "batch") return e.property.name === "label" ? { op: "labels" } : e.property.name === "route" ? { op: "route" } : { op: "input" };
        throw new InternalError(`cannot lower .${e.property.name}`);
      }
      case "IndexExpression": {
        if (e.object.kind !== "MemberExpression") throw new InternalError("index of a non-tap");
        const index = state.values.get(e.index);
        if (typeof index !== "number") throw new InternalError("non-constant tap index");
        const list = e.object.property.name;
        if (list !== "hidden" && list !== "block" && list !== "pre_activation" && list !== "attention") throw new InternalError(`cannot index .${list}`);
        return { op: "tap", model: expr(e.object.object, context), tap: list, index };
      }
      case "BinaryExpression": {
        if (e.operator === ">>") throw new InternalError("a pipeline reached lowering");
        const kind = kindOf(e) === "schedule" && context === "step" ? "number" : kindOf(e);
        return { op: "binary", operator: e.operator, left: expr(e.left, context), right: expr(e.right, context), kind };
      }
      case "UnaryExpression": {
        const kind = kindOf(e) === "schedule" && context === "step" ? "number" : kindOf(e);
        return { op: "neg", operand: expr(e.operand, context), kind };
      }
      case "CallExpression":
        return call(e, context);
      case "ListExpression":
        return { op: "list", items: e.items.map((item) => expr(item, context)) };
      case "Missing":
        throw new InternalError(`cannot lower ${e.kind} here`);
    }
  };

  const call = (e: CallExpression, context: Context): IrExpr => {
    if (e.callee.kind !== "Identifier") throw new InternalError("call of a non-name");
    const symbol = state.symbols.get(e.callee);
    if (symbol?.kind === "module") {
      const input = e.args[0];
      if (!input) throw new InternalError(`module ${e.callee.name} without input`);
      return applyOf(symbol.decl, e.callee.name, input.value, context);
    }
    if (symbol?.kind === "loss") {
      const sig = lossSignature(symbol.decl);
      const bound = bindNames(e, sig);
      const args = symbol.decl.params.map((p) => {
        const given = bound.get(p.name.name);
        if (given) return expr(given, context);
        if (!p.default) throw new InternalError(`missing ${p.name.name}`);
        return valueExpr(state.values.get(p.default));
      });
      return { op: "call", loss: lossNames.get(symbol.decl) ?? symbol.decl.name.name, args, origin: origin(e.span) };
    }
    const builtin = symbol?.kind === "builtin" ? symbol.builtin : undefined;
    if (!builtin) throw new InternalError(`cannot lower a call of ${e.callee.name}`);
    if (builtin.name === "project") {
      const via = e.args.find((a) => a.name?.name === "via")?.value;
      const module = via?.kind === "Identifier" ? state.symbols.get(via) : undefined;
      if (module?.kind === "module") return applyOf(module.decl, via!.kind === "Identifier" ? via!.name : "", bindNames(e, builtins.get("project")!).get("x")!, context);
      return state.adapters.has(e) ? structuredAdapter(e, context) : adapt(e, context);
    }
    if (builtin.name === "hint") return hintOf(e, context);
    if (builtin.name === "taid" || builtin.name === "token_taid") return taidOf(e, builtin, context);
    if (builtin.name === "taid_lambda") return adaptiveOf(e);
    if (builtin.name === "ensemble") return ensembleOf(e, context);
    const preference = PREFERENCE_LOSSES.get(builtin.name);
    if (preference) return preferenceOf(e, preference, context);
    const args = namedArgs(e, builtin, context);
    if (builtin.category === "tensor") return tensorOp(builtin.name, args);
    if (builtin.category === "loss") return { op: "primitive", fn: builtin.name, args, origin: origin(e.span) };
    if (builtin.name === "min" || builtin.name === "max") {
      const kind = kindOf(e) === "schedule" && context === "step" ? "number" : kindOf(e);
      return { op: "math", fn: builtin.name, args: [args.a!, args.b!], kind };
    }
    if (builtin.category === "schedule") return scheduleOf(builtin, bindNames(e, builtin), namedArgs(e, builtin, "build"));
    throw new InternalError(`cannot lower ${builtin.name} in an expression`);
  };

  // The stage whose objective is being lowered collects the adapters its `project` calls insert.
  let adapters: IrStage["adapters"][number][] | undefined;
  let stageName = "";
  // The modules the stage being lowered trains (applied in training mode; the others frozen).
  let stageModules: ReadonlySet<import("../../grammar/ast.js").ModuleDeclaration> = new Set();
  const width = (x: Expression): number => {
    const t = typeOf(x);
    const f = t.kind === "tensor" ? t.shape?.[1] : undefined;
    if (typeof f !== "number") throw new InternalError("project over a tensor of unknown width");
    return f;
  };
  /** Inserts the stage's next linear adapter from x's width to like's; returns its name. */
  const insertAdapter = (x: Expression, like: Expression, from: "project" | "hint"): string => {
    if (!adapters) throw new InternalError("an adapter outside a stage objective");
    const name = `${stageName}.${from}${adapters.length + 1}`;
    adapters.push({ name, inFeatures: width(x), outFeatures: width(like), seed: stableSeed(name), ...(from === "hint" ? { from } : {}) });
    return name;
  };
  const adapt = (e: CallExpression, context: Context): IrExpr => {
    const bound = bindNames(e, builtins.get("project")!);
    const x = bound.get("x")!;
    return { op: "adapt", adapter: insertAdapter(x, bound.get("like")!, "project"), input: expr(x, context) };
  };

  /** A module applied to `input`: in training mode where the stage trains it, else frozen. */
  const applyOf = (decl: import("../../grammar/ast.js").ModuleDeclaration, name: string, input: Expression, context: Context): IrExpr => {
    const info = state.modules.get(decl);
    if (!info) throw new InternalError(`module ${name} without shapes`);
    return { op: "apply", module: name, input: expr(input, context), training: stageModules.has(decl), rank: info.output.length };
  };

  /** `project(x, like: y, via: layers)`: a pipeline adapter of the stage, trained with its student. */
  const structuredAdapter = (e: CallExpression, context: Context): IrExpr => {
    const info = state.adapters.get(e)!;
    if (!adapters) throw new InternalError("project outside a stage objective");
    const x = e.args.find((a) => a.name?.name === "x") ?? e.args.find((a) => !a.name);
    if (!x) throw new InternalError("project without x");
    const name = `${stageName}.project${adapters.length + 1}`;
    const last = (shape: readonly (number | string)[]): number => {
      const d = shape[shape.length - 1];
      if (typeof d !== "number") throw new InternalError("adapter of unknown width");
      return d;
    };
    adapters.push({ name, inFeatures: last(info.input), outFeatures: last(info.output), seed: stableSeed(name), input: info.input, layers: info.layers });
    return { op: "apply", module: name, input: expr(x.value, context), training: true, rank: info.output.length };
  };

  /** `hint(s, t)`: the runtime's FitNets hint through an adapter inserted as `project` would. */
  const hintOf = (e: CallExpression, context: Context): IrExpr => {
    const bound = bindNames(e, builtins.get("hint")!);
    const [s, t] = [bound.get("student")!, bound.get("teacher")!];
    const student: IrExpr = { op: "adapt", adapter: insertAdapter(s, t, "hint"), input: expr(s, context) };
    return { op: "primitive", fn: "hint", args: { student, teacher: expr(t, context) }, origin: origin(e.span) };
  };

  // The stage whose objective is being lowered collects the controllers its `taid` calls create.
  let controllers: NonNullable<IrStage["controllers"]>[number][] | undefined;
  // The `taid_lambda` lets of the stage being lowered: each call → the controller it declares.
  let adaptiveLets = new Map<CallExpression, string>();
  const taidOf = (e: CallExpression, builtin: Builtin, context: Context): IrExpr => {
    const bound = bindNames(e, builtin);
    const [student, teacher] = [expr(bound.get("student")!, context), expr(bound.get("teacher")!, context)];
    const tokens = builtin.name === "token_taid" ? { tokens: true as const } : {};
    const lambda = bound.get("lambda");
    if (lambda) return { op: "taid", lambda: expr(lambda, context), student, teacher, ...tokens, origin: origin(e.span) };
    // Without `lambda:` it owns a controller, so the checker kept it to a stage objective.
    if (!controllers) throw new InternalError("taid outside a stage objective");
    const { lambda_start, lambda_end, alpha, beta } = namedArgs(e, { ...builtin, params: builtin.params.filter((p) => p.name !== "lambda") }, "build");
    let n = 1;
    while (controllers.some((c) => c.name === `${stageName}.taid${n}`)) n++;
    const name = `${stageName}.taid${n}`;
    controllers.push({ name, kind: "taid", options: { lambda_start: lambda_start!, lambda_end: lambda_end!, alpha: alpha!, beta: beta! } });
    return { op: "taid", controller: name, student, teacher, ...tokens, origin: origin(e.span) };
  };
  /** Declares the controllers of the stage's `taid_lambda` lets, before anything reads them. */
  const declareAdaptiveLets = (s: CheckedProgram["stages"][number]): void => {
    adaptiveLets = new Map();
    for (const l of s.lets) {
      const callee = l.value.kind === "CallExpression" && l.value.callee.kind === "Identifier" ? state.symbols.get(l.value.callee) : undefined;
      if (l.value.kind !== "CallExpression" || callee?.kind !== "builtin" || callee.builtin.name !== "taid_lambda") continue;
      const { start, end, alpha, beta } = namedArgs(l.value, callee.builtin, "build");
      const name = `${stageName}.${l.name.name}`;
      controllers!.push({ name, kind: "taid", options: { lambda_start: start!, lambda_end: end!, alpha: alpha!, beta: beta! } });
      adaptiveLets.set(l.value, name);
    }
  };
  const adaptiveOf = (e: CallExpression): IrExpr => {
    const controller = adaptiveLets.get(e);
    if (!controller) throw new InternalError("taid_lambda outside a stage let");
    return { op: "adaptive", controller };
  };

  /** A preference loss with every option spelled out (defaults included). */
  const preferenceOf = (e: CallExpression, spec: PreferenceLoss, context: Context): IrExpr => {
    const given = new Map<string, Expression>();
    const models = preferenceModels(spec);
    let position = 0;
    for (const a of e.args) given.set(a.name ? a.name.name : models[position++]!, a.value);
    const options: Record<string, number | string> = {};
    for (const o of spec.options) {
      const node = given.get(o.name);
      const v = node ? state.values.get(node) : o.default;
      if (typeof v !== "number" && typeof v !== "string") throw new InternalError(`${spec.name} without a constant ${o.name}`);
      options[o.name] = v;
    }
    const reference = given.get("reference");
    return { op: "preference", fn: spec.name, policy: expr(given.get("policy")!, context), reference: reference && expr(reference, context), options, origin: origin(e.span) };
  };

  /** Σ w_i·x_i with the checked weights (equal by default), as plain tensor arithmetic; with temperatures, a mixture. */
  const ensembleOf = (e: CallExpression, context: Context): IrExpr => {
    const parts = e.args.filter((a) => !a.name).map((a) => a.value);
    const list = (name: string): number[] | undefined => {
      const given = e.args.find((a) => a.name?.name === name);
      const values = given ? state.values.get(given.value) : undefined;
      return Array.isArray(values) ? (values as number[]) : undefined;
    };
    const weights = list("weights") ?? parts.map(() => 1 / parts.length);
    const T = list("T");
    const route = e.args.find((a) => a.name?.name === "route");
    if (route) return { op: "routed", parts: parts.map((x) => expr(x, context)), route: expr(route.value, context), T };
    if (T) return { op: "mixture", parts: parts.map((x) => expr(x, context)), weights, T };
    return parts
      .map((x, i): IrExpr => ({ op: "binary", operator: "*", left: { op: "number", value: weights[i]! }, right: expr(x, context), kind: "tensor" }))
      .reduce((a, b) => ({ op: "binary", operator: "+", left: a, right: b, kind: "tensor" }));
  };

  /** Every argument by name, defaults included, so the trainer states each convention. */
  const namedArgs = (e: CallExpression, sig: Signature, context: Context): Record<string, IrExpr> => {
    const bound = bindNames(e, sig);
    const out: Record<string, IrExpr> = {};
    for (const p of sig.params) {
      const given = bound.get(p.name);
      // Schedule arguments (a schedule's own from/to) are build-time values even inside objectives.
      out[p.name] = given ? expr(given, context) : valueExpr(p.default);
    }
    return out;
  };

  const constants = (e: CallExpression, sig: Signature): Record<string, IrConstant> => {
    const bound = bindNames(e, sig);
    const out: Record<string, IrConstant> = {};
    for (const p of sig.params) {
      const given = bound.get(p.name);
      out[p.name] = given ? constant(given) : (p.default as IrConstant);
    }
    return out;
  };

  const callOf = (e: Expression): CallExpression => {
    if (e.kind !== "CallExpression") throw new InternalError("expected a call");
    return e;
  };

  /** `mixture(a.train, b.train, weights: […], …)`: positional sources, named options with their defaults. */
  const mixtureOf = (c: CallExpression): { args: Record<string, IrConstant>; sources: NonNullable<IrDataset["sources"]> } => {
    const parts = c.args.filter((a) => !a.name).map((a) => typeOf(a.value));
    const named = new Map(c.args.flatMap((a) => (a.name ? [[a.name.name, a.value] as const] : [])));
    const weightsNode = named.get("weights");
    const weights = weightsNode ? (constant(weightsNode) as number[]) : parts.map(() => 1);
    const num = (name: string): number => {
      const n = named.get(name);
      return n ? (constant(n) as number) : 0;
    };
    const sources = parts.map((t, i) => {
      if (t.kind !== "split") throw new InternalError("mixture of a non-split");
      return { dataset: t.info.dataset, split: t.info.split, weight: weights[i]! };
    });
    return { args: { held_out: num("held_out"), size: num("size"), seed: num("seed") }, sources };
  };

  const datasets = program.datasets.map((decl) => {
    const t = state.datasets.get(decl);
    if (t?.kind !== "dataset") throw new InternalError("untyped dataset");
    const c = callOf(decl.value);
    const builtin = datasetBuiltin(c);
    const mixed = builtin === "mixture" ? mixtureOf(c) : undefined;
    const generated = builtin === "generate" ? generateOf(bindNames(c, builtins.get(builtin)!), constant, typeOf) : undefined;
    if (builtin === "generate" && !generated) throw new InternalError("generate with unchecked arguments");
    return {
      name: decl.name.name,
      builtin,
      args: mixed ? mixed.args : generated ? generated.args : withoutUnusedDataParts(constants(c, builtins.get(builtin)!)),
      ...(mixed ? { sources: mixed.sources } : {}),
      ...(generated ? { generator: generated.generator, prompts: generated.prompts } : {}),
      splits: t.splits.map((s) => ({
        name: s.split,
        size: s.size!,
        features: s.features!,
        classes: s.classes!,
        hasLabels: s.hasLabels,
        ...(s.kind !== undefined && s.kind !== "vectors" ? { kind: s.kind } : {}),
        ...(s.context !== undefined ? { context: s.context } : {}),
        ...(s.vocab !== undefined ? { vocab: s.vocab } : {}),
        ...(s.routes !== undefined ? { routes: s.routes } : {}),
        ...(s.augmented ? { augmented: true } : {}),
      })),
      ...(decl.doc ? { doc: decl.doc } : {}),
      origin: origin(decl.span),
    };
  });

  const models: IrModel[] = program.models.map(({ decl, info }) => {
    const c = callOf(decl.value);
    const hidden = info.hidden ?? [];
    const widths = [info.input!, ...hidden, info.classes!];
    let parameters = 0;
    for (let i = 1; i < widths.length; i++) parameters += widths[i - 1]! * widths[i]! + widths[i]!;
    // Conv nets and transformers count their own weights (convolutions, norms, embeddings).
    if (info.parameters !== undefined) parameters = info.parameters;
    const builtin = MODEL_BUILTINS.find((b) => b === info.builtin) ?? "mlp";
    return {
      name: decl.name.name,
      builtin,
      args: constants(c, builtins.get(builtin)!),
      seed: stableSeed(decl.name.name),
      input: info.input!,
      classes: info.classes!,
      hidden,
      parameters,
      taps: modelTapShapes(info),
      ...(decl.doc ? { doc: decl.doc } : {}),
      origin: origin(decl.span),
    };
  });

  const modules: IrModule[] = program.modules.map(({ decl, info }) => ({
    name: decl.name.name,
    input: info.input,
    output: info.output.slice(1).map((d) => {
      if (typeof d !== "number") throw new InternalError("module of unknown output shape");
      return d;
    }),
    layers: info.layers,
    seed: stableSeed(decl.name.name),
    parameters: info.parameters,
    ...(decl.doc ? { doc: decl.doc } : {}),
    origin: origin(decl.span),
  }));

  const losses = program.losses.map(({ decl }) => ({
    name: lossNames.get(decl)!,
    params: decl.params.map((p) => ({ name: p.name.name, kind: kindOfType(paramKindType(p.type.name.name)) })),
    body: expr(decl.body, "step"),
    ...(decl.doc ? { doc: decl.doc } : {}),
    origin: origin(decl.span),
  }));

  const splitRef = (e: Expression): { dataset: string; split: string } => {
    const t = typeOf(e);
    if (t.kind !== "split") throw new InternalError("expected a split");
    return { dataset: t.info.dataset, split: t.info.split };
  };

  const optimizer = (e: Expression): IrOptimizer => {
    const c = callOf(e);
    const b = c.callee.kind === "Identifier" ? builtins.get(c.callee.name) : undefined;
    if (!b) throw new InternalError("unknown optimizer");
    try {
      return lowerOptimizer(c, b, bindNames(c, b), (x) => state.values.get(x), (given, fallback) => (given ? expr(given, "build") : valueExpr(fallback)));
    } catch (error) {
      throw error instanceof OptimizerLoweringError ? new InternalError(error.message) : error;
    }
  };

  const metric = (e: Expression): IrMetric => {
    try {
      return lowerMetric(e, (x) => state.values.get(x));
    } catch (error) {
      throw error instanceof MetricLoweringError ? new InternalError(error.message) : error;
    }
  };

  const stages: IrStage[] = program.stages.map((s) => {
    stageName = s.decl.name.name;
    adapters = [];
    stageModules = new Set(s.modules);
    controllers = [];
    declareAdaptiveLets(s);
    const objective = expr(s.objective, "step");
    const stageAdapters = adapters;
    const stageControllers = controllers;
    adapters = undefined;
    controllers = undefined;
    return stage(s, objective, stageAdapters, stageControllers);
  });

  function stage(s: CheckedProgram["stages"][number], objective: IrExpr, stageAdapters: IrStage["adapters"], stageControllers: NonNullable<IrStage["controllers"]>): IrStage {
    return {
    name: s.decl.name.name,
    after: s.after.map((d) => d.name.name),
    train: s.trained.name.name,
    data: splitRef(s.data),
    teachers: s.teachers.map((t) => t.name.name),
    ...(s.trainableTeachers.length ? { trainableTeachers: s.trainableTeachers.map((t) => t.name.name) } : {}),
    ...(s.trainModeTeachers.length ? { trainModeTeachers: s.trainModeTeachers.map((t) => t.name.name) } : {}),
    epochs: s.epochs,
    ...(s.steps !== undefined ? { steps: s.steps } : {}),
    ...(s.freeze.length ? { freeze: s.freeze.map((p) => ({ tap: p.tap, ...(p.index !== undefined ? { index: p.index } : {}) })) } : {}),
    batch: s.batch,
    seed: s.seed,
    stepsPerEpoch: s.stepsPerEpoch,
    optimizer: optimizer(s.optimizer),
    lets: s.lets.map((l) => ({ name: l.name.name, value: expr(l.value, "build"), kind: kindOf(l.value), origin: origin(l.span) })),
    objective,
    objectiveOrigin: origin(s.objective.span),
    adapters: stageAdapters,
    ...(s.modules.some((m) => state.modules.has(m)) ? { modules: s.modules.filter((m) => state.modules.has(m)).map((m) => m.name.name) } : {}),
    ...(s.reference ? { reference: { name: s.reference.name, model: s.reference.source.name.name } } : {}),
    evaluate: s.evaluate.map((ev) => ({
      data: splitRef(ev.data),
      everyEpochs: Number.isFinite(ev.everyEpochs) ? ev.everyEpochs : undefined,
      ...(ev.everySteps !== undefined ? { everySteps: ev.everySteps } : {}),
      metrics: ev.metrics.map(metric),
    })),
    checkpoint: s.checkpoint && {
      ...(s.checkpoint.everySteps !== undefined ? { everySteps: s.checkpoint.everySteps } : { everyEpochs: s.checkpoint.everyEpochs ?? 1 }),
      keep: s.checkpoint.keep,
      ...(s.checkpoint.best ? { best: { data: splitRef(s.checkpoint.best.split), metric: metric(s.checkpoint.best.metric), mode: s.checkpoint.best.mode } } : {}),
    },
    ...(stageControllers.length > 0 ? { controllers: stageControllers } : {}),
    ...(s.clip !== undefined ? { clip: s.clip } : {}),
    ...(s.accumulate ? { accumulate: s.accumulate } : {}),
    exports: s.exports.map((x) => ({ model: x.model.name.name, path: x.path })),
    ...(s.decl.doc ? { doc: s.decl.doc } : {}),
    origin: origin(s.decl.span),
    };
  }

  return {
    version: IR_VERSION,
    recipe: program.entry.source.path,
    params: program.params.map((p) => ({
      name: p.decl.name.name,
      type: p.type,
      value: p.value as number | string | boolean,
      ...(p.decl.doc ? { doc: p.decl.doc } : {}),
      origin: origin(p.decl.span),
    })),
    datasets,
    models,
    ...(modules.length > 0 ? { modules } : {}),
    losses,
    stages,
    run: program.run,
  };
}

const MODEL_BUILTINS = ["mlp", "load", "cnn", "resnet", "transformer"] as const;
const DATASET_BUILTINS = ["mnist", "spam_assassin", "moby_dick", "csv", "text", "jsonl", "preferences", "mixture", "generate"] as const;

/** A dataset's args without a tokenizer or transforms left out ("" and []), so they read as before those existed. */
function withoutUnusedDataParts(args: Record<string, IrConstant>): Record<string, IrConstant> {
  const out: Record<string, IrConstant> = {};
  for (const [k, v] of Object.entries(args)) {
    if (k === "tokenizer" && v === "") continue;
    if ((k === "preprocess" || k === "augment") && Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  return out;
}

/** A tokenizer or transform spec as IR: its name and every (scalar) argument. */
function specConstant(v: Value): import("./ir.js").IrSpec {
  const spec = v as SpecValue;
  const args: Record<string, number | string | boolean> = {};
  for (const [k, x] of Object.entries(spec.args)) if (typeof x === "number" || typeof x === "string" || typeof x === "boolean") args[k] = x;
  return { spec: spec.name, args };
}

function datasetBuiltin(c: CallExpression): IrDataset["builtin"] {
  const name = c.callee.kind === "Identifier" ? c.callee.name : "";
  const found = DATASET_BUILTINS.find((b) => b === name);
  if (!found) throw new InternalError(`unknown dataset ${name}`);
  return found;
}

function kindOfType(t: Type): IrKind {
  switch (t.kind) {
    case "number":
      return "number";
    case "schedule":
      return "schedule";
    case "tensor":
      return "tensor";
    case "model":
      return "model";
    case "labels":
      return "labels";
    case "bool":
      return "bool";
    case "string":
      return "string";
    case "duration":
      return "duration";
    default:
      throw new InternalError(`no run-time kind for ${t.kind}`);
  }
}

/** A loss parameter's run-time kind: scalars arrive as numbers (callers evaluate schedules). */
function paramKindType(typeName: string): Type {
  switch (typeName) {
    case "model":
      return { kind: "model", info: undefined };
    case "labels":
      return { kind: "labels", classes: undefined, of: "" };
    case "tensor":
      return { kind: "tensor", shape: undefined };
    case "bool":
      return { kind: "bool" };
    case "string":
      return { kind: "string" };
    case "duration":
      return { kind: "duration" };
    default:
      return { kind: "number", integer: false };
  }
}

function valueExpr(v: Value | undefined): IrExpr {
  if (typeof v === "number") return { op: "number", value: v };
  if (typeof v === "boolean") return { op: "bool", value: v };
  if (typeof v === "string") return { op: "string", value: v };
  if (isDuration(v)) return { op: "duration", value: v.value, unit: v.unit };
  throw new InternalError("unsupported default value");
}

/** Maps a checked call's arguments to parameter names (the checker already reported mistakes). */
export function bindNames(call: CallExpression, sig: Signature): Map<string, Expression> {
  const out = new Map<string, Expression>();
  let position = 0;
  for (const a of call.args) {
    const name = a.name ? a.name.name : sig.params[position++]?.name;
    if (name !== undefined) out.set(name, a.value);
  }
  return out;
}

/** FNV-1a of the name: a model's initial weights depend on its name, not its position. */
export function stableSeed(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % 2147483647;
}
