// Types (and, where possible, compile-time values) of expressions, with the diagnostics a user
// needs: unknown names, misplaced built-ins, bad arguments, shapes, units.
import type {
  BinaryExpression,
  CallExpression,
  ComprehensionExpression,
  Expression,
  Identifier,
  IndexExpression,
  LossDeclaration,
  MemberExpression,
  ModelDeclaration,
  ModuleDeclaration,
  Parameter,
  StageDeclaration,
} from "../../grammar/ast.js";
import { isRecoveredName } from "../../grammar/to-ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { suggest } from "../diagnostics/suggest.js";
import type { Module } from "../resolve/modules.js";
import { cover, type Span } from "../source.js";
import { substituteExpression } from "./substitute.js";
import { checkMixture } from "./mixture.js";
import { sharedTokenizer } from "./data-options.js";
import { builtins, type Builtin, type BuiltinCategory } from "./builtins.js";
import { modelTap, modelTapNames } from "./builtins-models.js";
import { bindArguments, type Checked, type ParamType as SignatureType, type Signature } from "./signature.js";
import { PREFERENCE_LOSSES, preferenceModels, preferenceSignature, type PreferenceLoss } from "./preference-losses.js";
import { checkLabelsAvailable } from "./rules/labels-required.js";
import { checkPreferenceReference } from "./rules/preference-reference.js";
import { checkRouteAvailable, checkRouteTeachers } from "./rules/route-ids.js";
import { checkModelInStage } from "./rules/model-in-stage.js";
import { applyModule, structuredProject } from "./apply-module.js";
import { flattenPipeline } from "./pipeline.js";
import { recoveredWithin, type CheckState } from "./state.js";
import { symbolNoun, type Symbol } from "./symbols.js";
import { describe, errorType, isScalarLike, lossType, ROUTE_IDS, shapesAgree, type Dim, type SplitInfo, type Type } from "./types.js";
import { isNumber, isSchedule, range, type ScheduleValue, type Value } from "./values.js";


/** A comprehension unrolls at compile time; more terms than this is surely a mistake. */
const MAX_TERMS = 64;

/** Where an expression stands decides which built-ins it may call and whether `batch` exists. */
export type Place = "param" | "dataset" | "model" | "let" | "setting" | "optimizer" | "objective" | "loss-body" | "metric" | "data";

const ALLOWED: Record<Place, readonly BuiltinCategory[]> = {
  param: ["scalar"],
  dataset: ["dataset", "scalar", "tokenizer", "transform"],
  model: ["model", "scalar"],
  let: ["schedule", "scalar"],
  setting: ["scalar"],
  optimizer: ["optimizer", "schedule", "scalar"],
  objective: ["loss", "tensor", "schedule", "scalar", "adapter"],
  "loss-body": ["loss", "tensor", "schedule", "scalar"],
  metric: ["metric"],
  data: [],
};

const PLACE_OF: Record<BuiltinCategory, string> = {
  dataset: "a `dataset` declaration",
  model: "a `model` declaration",
  loss: "an objective (`minimize …` or a `loss` definition)",
  tensor: "an objective (`minimize …` or a `loss` definition)",
  schedule: "a scalar setting, a `let`, or an objective",
  scalar: "an expression",
  adapter: "a stage's `minimize` objective (not inside a `loss` definition: its trainable adapter or adaptive state belongs to one stage)",
  optimizer: "an `optimizer` setting",
  metric: "the metric list of `evaluate`",
  tokenizer: "the `tokenizer` argument of a text dataset",
  transform: "the `preprocess` or `augment` list of a dataset",
};

/** What a stage contributes to the expressions inside it. */
export interface StageScope {
  readonly decl: StageDeclaration;
  readonly trained: ModelDeclaration | undefined;
  readonly teachers: ReadonlySet<ModelDeclaration>;
  readonly split: SplitInfo | undefined;
  /** Models its objective and metrics read (for the unused-teacher rule). */
  readonly usedModels: Set<ModelDeclaration>;
  /** Every schedule created in the stage (for the warm-up-longer-than-stage rule). */
  readonly schedules: { readonly span: Span; readonly value: ScheduleValue }[];
  /** `reference none` was written: preference losses may go without a reference. */
  readonly referenceNone: boolean;
  /** Modules trained here (`train small, m on …`); the others its objective applies are frozen. */
  readonly trainedModules: ReadonlySet<ModuleDeclaration>;
  /** Modules its objective applies, with the first application's span. */
  readonly usedModules: Map<ModuleDeclaration, Span>;
}

export interface Env {
  readonly module: Module;
  readonly place: Place;
  readonly locals: ReadonlyMap<string, Symbol>;
  readonly stage: StageScope | undefined;
  /** While checking a loss body for one call site: the arguments bound to its parameters. */
  readonly bindings: ReadonlyMap<Parameter, Checked> | undefined;
  /** The name a declaration gives its value (`model small = …`). */
  readonly declaredName: string | undefined;
  /** While checking a stage `let`: its name and the expression that is its whole value. */
  readonly stageLet?: { readonly name: string; readonly value: Expression };
  readonly lossStack: readonly LossDeclaration[];
  /** Write results into the side tables (off while instantiating a loss for a call site). */
  readonly record: boolean;
  readonly report: (d: Diagnostic) => void;
}

const TYPE_NAMES: Record<string, SignatureType> = {
  model: "model",
  scalar: "scalar",
  float: "number",
  int: "int",
  tensor: "tensor",
  labels: "labels",
  bool: "bool",
  string: "string",
  duration: "duration",
  split: "split",
};

export const LOSS_PARAMETER_TYPES = Object.keys(TYPE_NAMES);

export function signatureType(name: string): SignatureType | undefined {
  return Object.prototype.hasOwnProperty.call(TYPE_NAMES, name) ? TYPE_NAMES[name] : undefined;
}

/** The signature of a `loss` or `recipe` definition. */
export function lossSignature(decl: { readonly name: Identifier; readonly params: readonly Parameter[] }): Signature {
  return {
    name: decl.name.name,
    params: decl.params.map((p) => ({
      name: p.name.name,
      type: signatureType(p.type.name.name) ?? "tensor",
      ...(p.default ? { default: defaultValueOf(p.default) } : {}),
    })),
  };
}

/** A parameter default as a value; a default that is not a literal still counts as given. */
function defaultValueOf(e: Expression): Value {
  if (e.kind === "NumberLiteral") return e.value;
  if (e.kind === "UnaryExpression" && e.operand.kind === "NumberLiteral") return -e.operand.value;
  if (e.kind === "StringLiteral" || e.kind === "BooleanLiteral") return e.value;
  return 0;
}

/** The generic type of a loss parameter, before any call binds it. */
export function parameterType(p: Parameter): Type {
  switch (signatureType(p.type.name.name)) {
    case "model":
      return { kind: "model", info: undefined };
    case "scalar":
      return { kind: "schedule" };
    case "number":
      return { kind: "number", integer: false };
    case "int":
      return { kind: "number", integer: true };
    case "labels":
      return { kind: "labels", classes: undefined, of: p.name.name };
    case "bool":
      return { kind: "bool" };
    case "string":
      return { kind: "string" };
    case "duration":
      return { kind: "duration" };
    case "split":
      return { kind: "error" };
    case "tensor":
      return { kind: "tensor", shape: undefined, of: p.name.name };
    default:
      return errorType;
  }
}

export class ExpressionChecker {
  constructor(private readonly state: CheckState) {}

  check(e: Expression, env: Env): Checked {
    const result = this.compute(e, env);
    if (env.record) {
      this.state.types.set(e, result.type);
      if (result.value !== undefined) this.state.values.set(e, result.value);
    }
    return result;
  }

  private compute(e: Expression, env: Env): Checked {
    switch (e.kind) {
      case "Missing":
        return { type: errorType, value: undefined };
      case "NumberLiteral":
        return { type: { kind: "number", integer: Number.isInteger(e.value) && !/[.eE]/.test(e.raw) }, value: e.value };
      case "StringLiteral":
        return { type: { kind: "string" }, value: e.value };
      case "BooleanLiteral":
        return { type: { kind: "bool" }, value: e.value };
      case "PercentLiteral":
        if (!(e.value.value > 0 && e.value.value <= 100))
          env.report(diagnostic("KD3008", e.span, { what: "a share of the stage", value: `between 0% and 100%, not ${e.value.raw}%` }));
        return { type: { kind: "duration" }, value: { kind: "duration", value: e.value.value, unit: "percent" } };
      case "ComprehensionExpression":
        return this.comprehension(e, env);
      case "UnitLiteral":
        if (e.unit === "steps" && !Number.isInteger(e.value.value))
          env.report(diagnostic("KD3008", e.span, { what: "a number of steps", value: `a whole number, not ${e.value.raw}` }));
        return { type: { kind: "duration" }, value: { kind: "duration", value: e.value.value, unit: e.unit } };
      case "ListExpression":
        return this.list(e.items, env);
      case "Identifier":
        return this.identifier(e, env);
      case "MemberExpression":
        return this.member(e, env);
      case "IndexExpression":
        return this.index(e, env);
      case "CallExpression":
        return this.call(e, env);
      case "BinaryExpression":
        return this.binary(e, env);
      case "UnaryExpression": {
        const operand = this.check(e.operand, env);
        const t = operand.type;
        if (t.kind === "error") return operand;
        if (t.kind === "number")
          return { type: t, value: isNumber(operand.value) ? -operand.value : undefined };
        if (t.kind === "schedule") {
          const v = operand.value;
          return { type: t, value: isSchedule(v) ? { ...v, describe: `-${v.describe}`, min: -v.max, max: -v.min } : undefined };
        }
        if (t.kind === "tensor") return { type: t, value: undefined };
        env.report(diagnostic("KD3004", e.operand.span, { context: "unary `-`", expected: "a number, a schedule or a tensor", found: describe(t) }));
        return { type: errorType, value: undefined };
      }
    }
  }

  private list(items: readonly Expression[], env: Env): Checked {
    if (items.length === 0) return { type: { kind: "list", element: { kind: "number", integer: true }, empty: true }, value: [] };
    const checked = items.map((item) => this.check(item, env));
    if (checked.some((c) => c.type.kind === "error")) return { type: { kind: "list", element: errorType }, value: undefined };
    // A list of strings names choices (`exclude_from_decay: ["bias", "norm"]`); other lists hold numbers.
    if (checked.every((c) => c.type.kind === "string")) {
      const strings = checked.map((c) => c.value);
      return { type: { kind: "list", element: { kind: "string" } }, value: strings.every((v) => typeof v === "string") ? (strings as Value[]) : undefined };
    }
    let element: Type = { kind: "number", integer: true };
    // A list of transforms (`augment: [flip(), noise(std: 0.1)]`).
    if (checked.every((c) => c.type.kind === "spec" && c.type.of === "transform"))
      return { type: { kind: "list", element: checked[0]!.type }, value: checked.every((c) => c.value !== undefined) ? checked.map((c) => c.value!) : undefined };
    // A list of durations (schedule positions): every item a duration.
    if (checked.length > 0 && checked.every((c) => c.type.kind === "duration" || c.type.kind === "error")) element = { kind: "duration" };
    for (const [i, c] of checked.entries()) {
      if (c.type.kind === "error") return { type: { kind: "list", element: errorType }, value: undefined };
      if (element.kind === "duration") continue;
      if (c.type.kind !== "number") {
        env.report(diagnostic("KD3004", items[i]!.span, { context: "a list", expected: "numbers", found: describe(c.type) }));
        return { type: { kind: "list", element: errorType }, value: undefined };
      }
      if (!c.type.integer) element = { kind: "number", integer: false };
    }
    const values = checked.map((c) => c.value);
    return { type: { kind: "list", element }, value: values.every((v) => v !== undefined) ? (values as Value[]) : undefined };
  }

  /** Finds what a name means here: locals, then the file's names, then built-ins, then `batch`. */
  lookup(name: string, env: Env, module: Module = env.module): Symbol | undefined {
    const local = env.locals.get(name);
    if (local) return local;
    const top = this.state.scopes.get(module)?.get(name);
    if (top) return top;
    const builtin = builtins.get(name);
    if (builtin) return { kind: "builtin", builtin };
    if (name === "batch" && (env.place === "objective" || env.place === "loss-body")) return { kind: "batch" };
    return undefined;
  }

  visibleNames(env: Env): string[] {
    const names = new Set<string>([...env.locals.keys(), ...(this.state.scopes.get(env.module)?.keys() ?? [])]);
    for (const [name, b] of builtins) if (ALLOWED[env.place].includes(b.category)) names.add(name);
    if (env.place === "objective" || env.place === "loss-body") names.add("batch");
    return [...names];
  }

  resolve(id: Identifier, env: Env, what = "name"): Symbol | undefined {
    // A name the parser had to invent while recovering was already reported.
    if (isRecoveredName(id)) return undefined;
    const symbol = this.lookup(id.name, env, this.state.moduleOf.get(id));
    if (!symbol) {
      const suggestion = suggest(id.name, this.visibleNames(env));
      env.report(
        diagnostic("KD2001", id.span, { name: id.name, what, suggestion }, {
          fix: suggestion ? { span: id.span, replacement: suggestion } : undefined,
        }),
      );
      return undefined;
    }
    if (env.record) this.state.symbols.set(id, symbol);
    return symbol;
  }

  private identifier(id: Identifier, env: Env): Checked {
    const symbol = this.resolve(id, env);
    if (!symbol) return { type: errorType, value: undefined };
    return this.symbolValue(symbol, id, env);
  }

  private symbolValue(symbol: Symbol, id: Identifier, env: Env): Checked {
    switch (symbol.kind) {
      case "param": {
        const p = this.state.params.get(symbol.decl);
        if (!p) return { type: errorType, value: undefined };
        const type: Type =
          p.type === "int" ? { kind: "number", integer: true } : p.type === "float" ? { kind: "number", integer: false } : { kind: p.type };
        return { type, value: p.value };
      }
      case "dataset":
        return { type: this.state.datasets.get(symbol.decl) ?? errorType, value: undefined };
      case "model":
        this.useModel(symbol.decl, id, env);
        return { type: this.state.models.get(symbol.decl) ?? errorType, value: undefined };
      case "let": {
        const t = this.state.types.get(symbol.stmt.value) ?? errorType;
        return { type: t, value: this.state.values.get(symbol.stmt.value) };
      }
      case "lossParam": {
        const bound = env.bindings?.get(symbol.param);
        return bound ?? { type: parameterType(symbol.param), value: undefined };
      }
      case "batch":
        return { type: { kind: "batch", split: env.stage?.split }, value: undefined };
      case "builtin":
        if (symbol.builtin.bare && ALLOWED[env.place].includes(symbol.builtin.category))
          return this.builtinCall(symbol.builtin, undefined, id, env);
        env.report(
          diagnostic("KD3004", id.span, {
            context: "this place",
            expected: "a value",
            found: `the built-in function \`${id.name}\` (call it with arguments)`,
          }),
        );
        return { type: errorType, value: undefined };
      case "loss":
        env.report(diagnostic("KD3004", id.span, { context: "this place", expected: "a value", found: `the loss \`${id.name}\` (call it with arguments)` }));
        return { type: errorType, value: undefined };
      case "stage":
      case "recipe":
        env.report(diagnostic("KD3004", id.span, { context: "this place", expected: "a value", found: `the ${symbol.kind} \`${id.name}\`` }));
        return { type: errorType, value: undefined };
      case "module": {
        const info = this.state.modules.get(symbol.decl);
        return { type: { kind: "module", name: id.name, ...(info ? { input: ["B", ...info.input], output: info.output } : {}) }, value: undefined };
      }
      case "index":
        return { type: { kind: "number", integer: true }, value: symbol.value };
      case "reference": {
        const t = this.state.models.get(symbol.source);
        if (t?.kind !== "model") return { type: errorType, value: undefined };
        return { type: { kind: "model", info: t.info && { ...t.info, name: id.name } }, value: undefined };
      }
    }
  }

  /** In an objective or metric, a model must be trained or a teacher of the stage. */
  private useModel(decl: ModelDeclaration, id: Identifier, env: Env): void {
    const stage = env.stage;
    if (!stage || (env.place !== "objective" && env.place !== "metric")) return;
    stage.usedModels.add(decl);
    checkModelInStage(decl, id, stage, env.report);
  }

  private member(e: MemberExpression, env: Env): Checked {
    const object = this.check(e.object, env);
    const t = object.type;
    const name = e.property.name;
    const unknown = (owner: string, available: readonly string[]): Checked => {
      const suggestion = suggest(name, available);
      env.report(diagnostic("KD2007", e.property.span, { name, owner, available: available.join(", "), suggestion }));
      return { type: errorType, value: undefined };
    };
    switch (t.kind) {
      case "error":
        return object;
      case "model": {
        const owner = t.info?.name ?? describeExpression(e.object);
        const tap = modelTap(t.info ?? { name: owner, builtin: "?", input: undefined, classes: undefined, hidden: undefined }, name);
        if (tap) return { type: tap, value: undefined };
        return unknown(owner, modelTapNames(t.info));
      }
      case "dataset": {
        const split = t.splits.find((s) => s.split === name);
        if (split) return { type: { kind: "split", info: split }, value: undefined };
        if (name === "tokenizer") return sharedTokenizer(t.splits, e.span, env.report);
        return unknown(describeExpression(e.object), [...t.splits.map((s) => s.split), "tokenizer"]);
      }
      case "batch": {
        if (name === "label") {
          if (!checkLabelsAvailable(t.split, e.span, env.report)) return { type: errorType, value: undefined };
          return { type: { kind: "labels", classes: t.split?.classes, of: t.split ? `${t.split.name} labels` : "the labels" }, value: undefined };
        }
        if (name === "input") return { type: { kind: "tensor", shape: ["B", t.split?.features ?? "F"], of: "batch.input" }, value: undefined };
        if (name === "route") {
          if (!checkRouteAvailable(t.split, e.span, env.report)) return { type: errorType, value: undefined };
          return { type: { kind: "labels", classes: t.split?.routes, of: ROUTE_IDS }, value: undefined };
        }
        return unknown("batch", ["input", "label", "route"]);
      }
      default:
        env.report(diagnostic("KD3004", e.span, { context: `\`.${name}\``, expected: "a model, a dataset or the batch", found: describe(t) }));
        return { type: errorType, value: undefined };
    }
  }

  private index(e: IndexExpression, env: Env): Checked {
    const object = this.check(e.object, env);
    const index = this.check(e.index, env);
    if (object.type.kind === "error" || index.type.kind === "error") return { type: errorType, value: undefined };
    if (object.type.kind !== "taps") {
      env.report(diagnostic("KD3004", e.object.span, { context: "indexing", expected: "a layer list such as `m.hidden`", found: describe(object.type) }));
      return { type: errorType, value: undefined };
    }
    if (!(index.type.kind === "number" && index.type.integer) || !isNumber(index.value)) {
      env.report(diagnostic("KD3004", e.index.span, { context: "a layer index", expected: "an integer known before training", found: describe(index.type) }));
      return { type: errorType, value: undefined };
    }
    const widths = object.type.shapes ?? object.type.widths;
    const i = index.value;
    if (widths && (i < 0 || i >= widths.length)) {
      env.report(
        diagnostic("KD3008", e.index.span, {
          what: `the index into \`${object.type.of}\``,
          value: widths.length === 0 ? "impossible: the model has no hidden layers" : `between 0 and ${widths.length - 1}, not ${i}`,
        }),
      );
      return { type: errorType, value: undefined };
    }
    const shape = object.type.shapes?.[i] ?? [object.type.widths?.[i] ?? "H"];
    return { type: { kind: "tensor", shape: ["B", ...shape], of: `${object.type.of}[${i}]` }, value: undefined };
  }

  private call(e: CallExpression, env: Env): Checked {
    if (e.callee.kind !== "Identifier") {
      const callee = this.check(e.callee, env);
      if (callee.type.kind !== "error")
        env.report(diagnostic("KD3004", e.callee.span, { context: "a call", expected: "a function name", found: describe(callee.type) }));
      for (const a of e.args) this.check(a.value, env);
      return { type: errorType, value: undefined };
    }
    const symbol = this.resolve(e.callee, env, "function");
    if (!symbol) {
      for (const a of e.args) this.check(a.value, env);
      return { type: errorType, value: undefined };
    }
    if (symbol.kind === "builtin" && symbol.builtin.name === "ensemble") return this.ensemble(e, env);
    const preference = symbol.kind === "builtin" ? PREFERENCE_LOSSES.get(symbol.builtin.name) : undefined;
    if (preference) return this.preference(e, preference, env);
    if (symbol.kind === "builtin" && symbol.builtin.name === "project" && e.args.some((a) => a.name?.name === "via"))
      return structuredProject(e, env, this, this.state);
    if (symbol.kind === "module") return applyModule(symbol.decl, e, env, this, this.state);
    if (symbol.kind === "builtin" && symbol.builtin.name === "mixture") return checkMixture(e, e.args.map((a) => this.check(a.value, env)), env, ALLOWED[env.place].includes("dataset"));
    if (symbol.kind === "builtin") return this.builtinCall(symbol.builtin, e, e.callee, env);
    if (symbol.kind === "loss") return this.lossCall(symbol.decl, symbol.module, e, env);
    for (const a of e.args) this.check(a.value, env);
    env.report(diagnostic("KD3004", e.callee.span, { context: "a call", expected: "a function", found: `the ${symbolNoun(symbol)} \`${e.callee.name}\`` }));
    return { type: errorType, value: undefined };
  }

  /**
   * `ensemble(x1, x2, …, weights: [w1, w2, …], T: [T1, T2, …])`: tensors of one shape; weights
   * summing to 1; per-teacher temperatures (positive), which make the result log-probabilities.
   */
  private ensemble(call: CallExpression, env: Env): Checked {
    const signature = "ensemble(x1: tensor, x2: tensor, …, weights: list = equal, T: list = none, route: batch.route = none)";
    const options = ["weights", "T", "route"];
    const parts = call.args.filter((a) => !a.name);
    const checked = parts.map((a) => this.check(a.value, env));
    const named = new Map<string, { node: Expression; checked: Checked }>();
    for (const a of call.args) {
      if (!a.name) continue;
      if (!options.includes(a.name.name)) {
        env.report(diagnostic("KD3001", a.name.span, { name: a.name.name, callee: "ensemble", signature, suggestion: suggest(a.name.name, options) }));
        return { type: errorType, value: undefined };
      }
      named.set(a.name.name, { node: a.value, checked: this.check(a.value, env) });
    }
    if (!ALLOWED[env.place].includes("loss")) {
      env.report(diagnostic("KD3021", call.callee.span, { name: "ensemble", place: PLACE_OF.loss }));
      return { type: errorType, value: undefined };
    }
    if (checked.some((c) => c.type.kind === "error") || [...named.values()].some((n) => n.checked.type.kind === "error")) return { type: errorType, value: undefined };
    if (parts.length < 2) {
      env.report(diagnostic("KD3008", call.span, { what: "an ensemble", value: `of at least two tensors, not ${parts.length}` }));
      return { type: errorType, value: undefined };
    }
    const first = checked[0]!.type;
    for (const [i, c] of checked.entries()) {
      if (c.type.kind !== "tensor") {
        env.report(diagnostic("KD3004", parts[i]!.value.span, { context: "`ensemble`", expected: "a tensor such as `t.logits`", found: describe(c.type) }));
        return { type: errorType, value: undefined };
      }
      if (first.kind === "tensor" && !shapesAgree(first.shape, c.type.shape)) {
        env.report(diagnostic("KD3007", parts[i]!.value.span, { context: "`ensemble` averages tensors of one shape", expected: showDims(first.shape), found: showDims(c.type.shape) }));
        return { type: errorType, value: undefined };
      }
    }
    // One known number per teacher, each passing `ok`.
    const perTeacher = (name: string, ok: (values: number[]) => boolean, value: string): boolean => {
      const given = named.get(name);
      if (!given) return true;
      const values = Array.isArray(given.checked.value) ? (given.checked.value as Value[]) : undefined;
      if (values && values.length === parts.length && values.every(isNumber) && ok(values as number[])) return true;
      env.report(diagnostic("KD3008", given.node.span, { what: `the ensemble's \`${name}\``, value: `${parts.length} ${value}, known before training` }));
      return false;
    };
    const weightsOk = perTeacher("weights", (w) => w.every((x) => x >= 0) && Math.abs(w.reduce((a, x) => a + x, 0) - 1) < 1e-6, "non-negative numbers that sum to 1");
    const temperaturesOk = perTeacher("T", (t) => t.every((x) => x > 0), "positive temperatures");
    if (!weightsOk || !temperaturesOk) return { type: errorType, value: undefined };
    const route = named.get("route");
    if (route && !this.checkRoute(route.node, route.checked.type, parts.length, named.has("weights"), env)) return { type: errorType, value: undefined };
    if (named.has("T") && first.kind === "tensor" && first.shape && first.shape.length !== 2) {
      env.report(diagnostic("KD3007", call.span, { context: "`ensemble` with temperatures mixes class distributions", expected: "[B, C]", found: showDims(first.shape) }));
      return { type: errorType, value: undefined };
    }
    return { type: first, value: undefined };
  }

  /** `route: batch.route`: route ids whose largest names one of the `teachers` tensors; no weights beside it. */
  private checkRoute(node: Expression, type: Type, teachers: number, weighted: boolean, env: Env): boolean {
    if (type.kind !== "labels" || type.of !== ROUTE_IDS) {
      env.report(diagnostic("KD3004", node.span, { context: "the ensemble's `route`", expected: "`batch.route`, the route ids of the split", found: describe(type) }));
      return false;
    }
    if (weighted) {
      env.report(diagnostic("KD3008", node.span, { what: "an ensemble with `route`", value: "without `weights` (each example has one teacher)" }));
      return false;
    }
    return checkRouteTeachers(env.stage?.split, type.classes, teachers, node.span, env.report);
  }

  /**
   * A preference loss (`dpo`, `simpo`, `adpo`; preference-losses.ts) on a preference split:
   * `policy` is the stage's trained model, `reference` its `reference` snapshot (omitted only
   * where the loss allows), options constants checked by the table.
   */
  private preference(call: CallExpression, spec: PreferenceLoss, env: Env): Checked {
    const callee = spec.name;
    const signature = preferenceSignature(spec);
    const models = preferenceModels(spec);
    const names = [...models, ...spec.options.map((o) => o.name)];
    const given = new Map<string, Expression>();
    let position = 0;
    for (const a of call.args) {
      const name = a.name ? a.name.name : models[position++];
      if (!name || !names.includes(name)) {
        if (a.name) env.report(diagnostic("KD3001", a.name.span, { name: a.name.name, callee, signature, suggestion: suggest(a.name.name, names) }));
        else env.report(diagnostic("KD3003", a.span, { callee, expected: models.length, found: position, signature }));
        return { type: lossType, value: undefined };
      }
      given.set(name, a.value);
    }
    const checked = new Map([...given].map(([k, v]) => [k, this.check(v, env)] as const));
    if (env.place !== "objective") {
      env.report(diagnostic("KD3021", call.callee.span, { name: callee, place: "a stage's `minimize` objective" }));
      return { type: lossType, value: undefined };
    }
    if ([...checked.values()].some((c) => c.type.kind === "error")) return { type: lossType, value: undefined };
    const stage = env.stage;
    const policy = given.get("policy");
    if (!policy) {
      env.report(diagnostic("KD3002", call.span, { name: "policy", callee, signature }));
      return { type: lossType, value: undefined };
    }
    const policySymbol = policy.kind === "Identifier" ? this.state.symbols.get(policy) : undefined;
    // Outside a stage (a recipe body checked where it is defined) the policy and reference are
    // parameters, known only once a stage binds them.
    if (stage && (policySymbol?.kind !== "model" || (stage.trained && policySymbol.decl !== stage.trained))) {
      env.report(diagnostic("KD3004", policy.span, { context: `the policy of \`${callee}\``, expected: "the stage's trained model", found: describe(checked.get("policy")!.type) }));
      return { type: lossType, value: undefined };
    }
    const reference = given.get("reference");
    if (reference && stage) {
      const r = reference.kind === "Identifier" ? this.state.symbols.get(reference) : undefined;
      if (r?.kind !== "reference") {
        env.report(diagnostic("KD3004", reference.span, { context: `the reference of \`${callee}\``, expected: "a frozen snapshot declared with `reference NAME = MODEL`", found: describe(checked.get("reference")!.type) }));
        return { type: lossType, value: undefined };
      }
    } else if (stage && !checkPreferenceReference(spec, call, false, stage.referenceNone, env.report)) {
      return { type: lossType, value: undefined };
    }
    if (stage?.split && stage.split.kind !== "preferences") env.report(diagnostic("KD3030", call.span, { split: stage.split.name, callee }));
    const values = new Map([...checked].map(([k, c]) => [k, c.value] as const));
    for (const option of spec.options) {
      const node = given.get(option.name);
      if (!node) {
        if (option.default === undefined) env.report(diagnostic("KD3002", call.span, { name: option.name, callee, signature }));
        continue;
      }
      const problem = option.check(values.get(option.name), values);
      if (problem) env.report(diagnostic("KD3008", node.span, { what: `\`${option.name}\` of \`${callee}\``, value: problem }));
    }
    return { type: lossType, value: undefined };
  }

  /** Where the parser dropped arguments while recovering, missing or surplus ones are not news. */
  private arityReporter(call: CallExpression, env: Env): (d: Diagnostic) => void {
    if (!recoveredWithin(this.state, call.span)) return env.report;
    return (d) => {
      if (d.code !== "KD3002" && d.code !== "KD3003") env.report(d);
    };
  }

  private builtinCall(b: Builtin, call: CallExpression | undefined, id: Identifier, env: Env): Checked {
    const args = (call?.args ?? []).map((a) => this.check(a.value, env));
    const stateless = env.place === "loss-body" && b.statelessWith !== undefined && !!call?.args.some((a) => a.name?.name === b.statelessWith);
    if (!ALLOWED[env.place].includes(b.category) && !stateless) {
      env.report(diagnostic("KD3021", id.span, { name: b.name, place: PLACE_OF[b.category] }, b.statelessWith && env.place === "loss-body" ? { notes: [`with \`${b.statelessWith}:\` it owns no state and may stand in a \`loss\` definition`] } : {}));
      return { type: errorType, value: undefined };
    }
    const node: CallExpression = call ?? { kind: "CallExpression", span: id.span, callee: id, args: [] };
    const bound = bindArguments(node, b, args, this.arityReporter(node, env));
    if (!bound) return { type: b.category === "loss" ? lossType : errorType, value: undefined };
    const host = this.state.host;
    const result = b.result(bound, {
      call: node,
      declaredName: env.declaredName,
      report: env.report,
      readRelative: (path) => (host ? host.readFile(host.resolvePath(path, env.module.path)) : undefined),
      split: env.stage?.split,
      stageLet: env.stageLet?.value === node ? env.stageLet.name : undefined,
    });
    if (b.category === "schedule" && env.stage && isSchedule(result.value))
      env.stage.schedules.push({ span: node.span, value: result.value });
    return { type: result.type, value: result.value };
  }

  private lossCall(decl: LossDeclaration, module: Module, call: CallExpression, env: Env): Checked {
    const args = call.args.map((a) => this.check(a.value, env));
    if (env.place !== "objective" && env.place !== "loss-body") {
      env.report(diagnostic("KD3021", call.callee.span, { name: decl.name.name, place: PLACE_OF.loss }));
      return { type: errorType, value: undefined };
    }
    if (env.lossStack.includes(decl)) {
      env.report(diagnostic("KD3020", call.span, { name: decl.name.name }));
      return { type: errorType, value: undefined };
    }
    const bound = bindArguments(call, lossSignature(decl), args, this.arityReporter(call, env));
    if (!bound) return { type: lossType, value: undefined };
    const bindings = new Map<Parameter, Checked>();
    for (const p of decl.params) {
      const b = bound.get(p.name.name);
      if (b) bindings.set(p, b.node ? b : { type: parameterType(p), value: b.value });
    }
    // Check the body again for this call: shapes, labels and ranges depend on the arguments.
    const locals = new Map<string, Symbol>(decl.params.map((p) => [p.name.name, { kind: "lossParam", param: p, loss: decl }]));
    this.check(decl.body, {
      module,
      place: "loss-body",
      locals,
      stage: env.stage,
      bindings,
      declaredName: undefined,
      lossStack: [...env.lossStack, decl],
      record: false,
      report: relocate(call, decl, env.report),
    });
    return { type: lossType, value: undefined };
  }

  /** Expands `sum over i in a..b { body }` into `body[i := a] + … + body[i := b-1]` and checks that. */
  private comprehension(e: ComprehensionExpression, env: Env): Checked {
    const from = this.check(e.from, env);
    const to = this.check(e.to, env);
    if (from.type.kind === "error" || to.type.kind === "error") return { type: errorType, value: undefined };
    const bound = (c: Checked, node: Expression): number | undefined => {
      if (c.type.kind === "number" && c.type.integer && isNumber(c.value)) return c.value;
      env.report(diagnostic("KD3004", node.span, { context: "a comprehension's range", expected: "an integer known before training", found: describe(c.type) }));
      return undefined;
    };
    const a = bound(from, e.from);
    const b = bound(to, e.to);
    if (a === undefined || b === undefined) return { type: errorType, value: undefined };
    if (b <= a || b - a > MAX_TERMS) {
      env.report(diagnostic("KD3008", cover(e.from.span, e.to.span), { what: "the range", value: `non-empty and at most ${MAX_TERMS} terms, not ${a}..${b}` }));
      return { type: errorType, value: undefined };
    }
    const terms: Expression[] = [];
    for (let i = a; i < b; i++) {
      terms.push(
        substituteExpression(e.body, {
          expression: (id) => (id.name === e.variable.name ? { kind: "NumberLiteral", value: i, raw: String(i), span: id.span } : undefined),
          copied: (original, copy) => {
            const module = this.state.moduleOf.get(original);
            if (module) this.state.moduleOf.set(copy, module);
          },
        }),
      );
    }
    let expanded = terms.reduce((l, r): Expression => ({ kind: "BinaryExpression", operator: "+", left: l, right: r, span: e.span }));
    if (e.reducer === "mean")
      expanded = { kind: "BinaryExpression", operator: "/", left: expanded, right: { kind: "NumberLiteral", value: terms.length, raw: String(terms.length), span: e.span }, span: e.span };
    if (env.record) this.state.expansions.set(e, expanded);
    // Every term repeats the body: report each distinct problem once.
    const seen = new Set<string>();
    const report = (d: Diagnostic): void => {
      const key = `${d.code}:${d.span?.start}:${d.span?.end}:${d.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        env.report(d);
      }
    };
    return this.check(expanded, { ...env, report });
  }

  private binary(e: BinaryExpression, env: Env): Checked {
    // A pipeline's steps are layers, not values: reported once for the whole chain.
    if (e.operator === ">>") {
      if (!flattenPipeline(e).some((step) => step.kind === "Missing")) env.report(diagnostic("KD3057", e.span, {}));
      return { type: errorType, value: undefined };
    }
    const left = this.check(e.left, env);
    const right = this.check(e.right, env);
    const l = left.type;
    const r = right.type;
    if (l.kind === "error" || r.kind === "error") return { type: errorType, value: undefined };
    if (l.kind === "number" && r.kind === "number") {
      const integer = l.integer && r.integer && e.operator !== "/" && e.operator !== "^";
      const value = isNumber(left.value) && isNumber(right.value) ? fold(e.operator, left.value, right.value) : undefined;
      return { type: { kind: "number", integer }, value };
    }
    if (isScalarLike(l) && isScalarLike(r)) return { type: { kind: "schedule" }, value: scheduleArithmetic(e.operator, left.value, right.value) };
    if (l.kind === "tensor" && isScalarLike(r)) return { type: l, value: undefined };
    if (isScalarLike(l) && r.kind === "tensor") return { type: r, value: undefined };
    if (l.kind === "tensor" && r.kind === "tensor") {
      if (!shapesAgree(l.shape, r.shape)) {
        env.report(
          diagnostic("KD3007", e.span, {
            context: `\`${e.operator}\` combines tensors element by element`,
            expected: showDims(l.shape),
            found: showDims(r.shape),
          }),
        );
        return { type: errorType, value: undefined };
      }
      return { type: l, value: undefined };
    }
    const bad = isScalarLike(l) || l.kind === "tensor" ? e.right : e.left;
    const badType = bad === e.right ? r : l;
    env.report(diagnostic("KD3004", bad.span, { context: `\`${e.operator}\``, expected: "numbers, schedules or tensors", found: describe(badType) }));
    return { type: errorType, value: undefined };
  }
}

function fold(op: Exclude<BinaryExpression["operator"], ">>">, a: number, b: number): number {
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      return a / b;
    case "^":
      return a ** b;
  }
}

/** Interval arithmetic on ranges, so `2 * linear(from: 1, to: 2)` is known to lie in [2, 4]. */
function scheduleArithmetic(op: Exclude<BinaryExpression["operator"], ">>">, a: Value | undefined, b: Value | undefined): Value | undefined {
  const x = range(a);
  const y = range(b);
  if (!x || !y || op === "/" || op === "^") return undefined;
  const candidates =
    op === "+" ? [x.min + y.min, x.max + y.max] : op === "-" ? [x.min - y.max, x.max - y.min] : [x.min * y.min, x.min * y.max, x.max * y.min, x.max * y.max];
  const warmup = isSchedule(a) ? a.warmup : isSchedule(b) ? b.warmup : undefined;
  const describeSide = (v: Value | undefined): string => (isSchedule(v) ? v.describe : String(v));
  return {
    kind: "schedule",
    describe: `${describeSide(a)} ${op} ${describeSide(b)}`,
    min: Math.min(...candidates),
    max: Math.max(...candidates),
    warmup,
  };
}


function showDims(shape: readonly Dim[] | undefined): string {
  return shape ? `[${shape.join(", ")}]` : "[…]";
}

export function describeExpression(e: Expression): string {
  switch (e.kind) {
    case "Identifier":
      return e.name;
    case "MemberExpression":
      return `${describeExpression(e.object)}.${e.property.name}`;
    case "IndexExpression":
      return `${describeExpression(e.object)}[…]`;
    default:
      return "this value";
  }
}

/** Codes a loss body can only show for a particular call; the rest were reported once, at the definition. */
const CALL_DEPENDENT = new Set(["KD3005", "KD3006", "KD3007", "KD3008", "KD3017", "KD3020", "KD3047"]);

/** Reports a problem found inside a loss body at the call that caused it, pointing into the body. */
function relocate(call: CallExpression, decl: LossDeclaration, report: (d: Diagnostic) => void): (d: Diagnostic) => void {
  return (d) => {
    if (!CALL_DEPENDENT.has(d.code)) return;
    const inside = d.span ? [{ span: d.span, message: `in \`${decl.name.name}\`, here` }] : [];
    report({ ...d, span: call.span, labels: [...inside, ...d.labels], fix: undefined });
  };
}
