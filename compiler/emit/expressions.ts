// IR expressions → TypeScript expressions over the runtime (`kd.*`). Arithmetic on numbers stays
// plain TypeScript; on tensors it goes through kd.ops; prettier later removes surplus parentheses.
import { isScheduleExpr, type IrExpr } from "../lower/ir.js";
import { stringLiteral } from "./names.js";
import { emitSchedule } from "./schedules.js";

export interface ExprScope {
  /** Recipe name → TypeScript identifier, for lets, loss parameters, models. */
  readonly locals: ReadonlyMap<string, string>;
  /** Loss definition name → TypeScript function name. */
  readonly losses: ReadonlyMap<string, string>;
}

const TENSOR_OPS = { "+": "add", "-": "sub", "*": "mul", "/": "div", "^": "pow" } as const;

export function number(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
  return Object.is(value, -0) ? "-0" : String(value);
}

export function emitExpr(e: IrExpr, scope: ExprScope): string {
  const sub = (x: IrExpr): string => emitExpr(x, scope);
  switch (e.op) {
    case "number":
      return number(e.value);
    case "bool":
      return String(e.value);
    case "string":
      return stringLiteral(e.value);
    case "duration":
      return `{ value: ${number(e.value)}, unit: ${stringLiteral(e.unit)} }`;
    case "param":
      return `params.${e.name}`;
    case "local":
    case "model":
      return lookup(scope.locals, e.name);
    case "binary":
      if (e.kind === "tensor") return `kd.ops.${TENSOR_OPS[e.operator]}(${sub(e.left)}, ${sub(e.right)})`;
      if (e.kind === "schedule") return derivedSchedule(e, scope);
      return `(${sub(e.left)} ${e.operator === "^" ? "**" : e.operator} ${sub(e.right)})`;
    case "neg":
      if (e.kind === "tensor") return `kd.ops.neg(${sub(e.operand)})`;
      if (e.kind === "schedule") return derivedSchedule(e, scope);
      return `(-${sub(e.operand)})`;
    case "at":
      if (e.schedule.op === "progress") return progressAt(e.schedule.field, "ctx.progress");
      return `ctx.at(${sub(e.schedule)})`;
    case "progress":
      return derivedSchedule(e, scope);
    case "math":
      if (e.kind === "schedule") return derivedSchedule(e, scope);
      return `Math.${e.fn}(${e.args.map(sub).join(", ")})`;
    case "tap":
      // Optional taps exist whenever the checker typed them for this model (kdc checks the builtin).
      if (e.tap === "logits") return `ctx.outputs(${sub(e.model)}).logits`;
      if (e.tap === "hidden") return `ctx.outputs(${sub(e.model)}).hidden[${e.index}]`;
      if (e.tap === "pooled" || e.tap === "embedding") return `ctx.outputs(${sub(e.model)}).${e.tap}!`;
      if (e.tap === "pre_activation") return `ctx.outputs(${sub(e.model)}).preActivation![${e.index}]!`;
      return `ctx.outputs(${sub(e.model)}).${e.tap}![${e.index}]!`;
    case "labels":
      return "ctx.labels()";
    case "preference":
      return `ctx.term(${stringLiteral(e.fn)}, ${stringLiteral(e.origin)}, ${preferenceCall(e, sub)})`;
    case "mixture":
      return `kd.losses.ensembleLogProbs([${e.parts.map((x) => `${sub(x)} as kd.tf.Tensor2D`).join(", ")}], { weights: [${e.weights.map(number).join(", ")}], T: [${e.T.map(number).join(", ")}] })`;
    case "routed":
      return `kd.losses.routeTeachers([${e.parts.map((x) => `${sub(x)} as kd.tf.Tensor2D`).join(", ")}], ${sub(e.route)}, { ${e.T ? `T: [${e.T.map(number).join(", ")}]` : ""} })`;
    case "route":
      return "ctx.route()";
    case "taid":
      return `ctx.term(${e.tokens ? '"token_taid"' : '"taid"'}, ${stringLiteral(e.origin)}, ${taidCall(e, sub, scope)})`;
    case "adaptive":
      return `kd.schedules.adaptive(${lookup(scope.locals, e.controller)})`;
    case "adapt":
      return `${lookup(scope.locals, e.adapter)}.apply(${sub(e.input)})`;
    case "apply":
      // training: the stage trains it (batch statistics); otherwise it is read frozen.
      return `(${lookup(scope.locals, e.module)}.apply(${sub(e.input)}, ${e.training}) as ${e.rank === 2 ? "kd.tf.Tensor2D" : e.rank === 4 ? "kd.tf.Tensor4D" : "kd.tf.Tensor"})`;
    case "input":
      return "ctx.batch.input";
    case "list":
      return `[${e.items.map(sub).join(", ")}]`;
    case "tensor_op": {
      const inputs = e.inputs.map(sub);
      const all = Object.keys(e.options).length ? [...inputs, options(e.options, scope)] : inputs;
      return `kd.ops.${camel(e.fn)}(${all.join(", ")})`;
    }
    case "schedule":
      if (e.fn === "constant") return `kd.schedules.constant(${sub(e.args.value!)})`;
      return emitSchedule(e, sub) ?? `kd.schedules.${e.fn}(${options(e.args, scope)})`;
    case "primitive":
      // Each primitive is a named term, so a NaN is reported with the recipe line that made it.
      return `ctx.term(${stringLiteral(e.fn)}, ${stringLiteral(e.origin)}, ${primitive(e, sub, scope)})`;
    case "call":
      return `${lookup(scope.losses, e.loss)}(${["ctx", ...e.args.map(sub)].join(", ")})`;
  }
}

/**
 * How each built-in loss is called in the runtime: positional tensors (cast where a tap's type is
 * wider than the loss takes; the checker proved the rank), then an options object when it has one.
 */
const PRIMITIVES: Readonly<Record<string, { readonly runtime: string; readonly positional: readonly string[]; readonly options: readonly string[]; readonly cast?: string }>> = {
  ce: { runtime: "crossEntropy", positional: ["logits", "labels"], options: ["smoothing", "reduction"] },
  kd: { runtime: "kd", positional: ["student", "teacher"], options: ["T", "t2", "reduction"] },
  reverse_kl: { runtime: "reverseKl", positional: ["student", "teacher"], options: ["T", "t2", "reduction"] },
  jsd: { runtime: "jsd", positional: ["student", "teacher"], options: ["T", "t2", "reduction"] },
  gjsd: { runtime: "generalizedJsd", positional: ["student", "teacher"], options: ["beta", "T", "t2", "reduction"] },
  tvd: { runtime: "tvd", positional: ["student", "teacher"], options: ["T", "t2", "reduction"] },
  mse: { runtime: "mse", positional: ["student", "teacher"], options: ["reduction"] },
  dkd: { runtime: "dkd", positional: ["student", "teacher", "labels"], options: ["alpha", "beta", "T", "t2"] },
  pld: { runtime: "pld", positional: ["student", "teacher", "labels"], options: ["tau"] },
  cosine_embedding: { runtime: "cosineEmbedding", positional: ["student", "teacher"], options: [], cast: "kd.tf.Tensor2D" },
  attention_transfer: { runtime: "attentionTransfer", positional: ["student", "teacher"], options: [], cast: "kd.tf.Tensor4D" },
  rkd_distance: { runtime: "rkdDistance", positional: ["student", "teacher"], options: [], cast: "kd.tf.Tensor2D" },
  rkd_angle: { runtime: "rkdAngle", positional: ["student", "teacher"], options: [], cast: "kd.tf.Tensor2D" },
  margin_mse: { runtime: "marginMse", positional: ["student_pos", "student_neg", "teacher_pos", "teacher_neg"], options: [] },
};

/**
 * kd.ops returns a general tensor, and a `loss` definition's tensor parameter is one; where a loss
 * takes [B, C] the checker proved these are (`ensemble(…)`, sums, `s` of `loss f(s: tensor, …)`).
 */
const isGeneralTensor = (a: IrExpr): boolean => a.op === "binary" || a.op === "neg" || a.op === "tensor_op" || (a.op === "local" && a.kind === "tensor");

/** TAID's loss at λ read from its controller or its `lambda:`; `token_taid` on the models' next tokens. */
function taidCall(e: Extract<IrExpr, { op: "taid" }>, sub: (x: IrExpr) => string, scope: ExprScope): string {
  const lambda = e.lambda ? sub(e.lambda) : `${lookup(scope.locals, e.controller!)}.lambda`;
  const matrix = (a: IrExpr): string => (isGeneralTensor(a) ? `${sub(a)} as kd.tf.Tensor2D` : sub(a));
  if (!e.tokens) return `kd.losses.taid(${matrix(e.student)}, ${matrix(e.teacher)}, ${lambda})`;
  const tokens = (model: IrExpr): string => `ctx.outputs(${sub(model)}).tokenLogits!`;
  return `kd.losses.nextTokenTaid(${tokens(e.student)}, ${tokens(e.teacher)}, ctx.batch.targets!, ${lambda})`;
}

/** Next-token losses: read the models' token logits and the batch's (unshifted) targets. */
const NEXT_TOKEN: Readonly<Record<string, string>> = {
  token_kd: "nextTokenKd",
  token_reverse_kl: "nextTokenReverseKl",
  token_jsd: "nextTokenJsd",
  token_tvd: "nextTokenTvd",
};

function primitive(e: Extract<IrExpr, { op: "primitive" }>, sub: (x: IrExpr) => string, scope: ExprScope): string {
  const tokens = (name: string): string => `ctx.outputs(${sub(e.args[name]!)}).tokenLogits!`;
  if (e.fn === "lm_ce") return `kd.losses.nextTokenCrossEntropy(${tokens("model")}, ctx.batch.targets!, { smoothing: ${sub(e.args.smoothing!)} })`;
  const nextToken = NEXT_TOKEN[e.fn];
  if (nextToken)
    return `kd.losses.${nextToken}(${tokens("student")}, ${tokens("teacher")}, ctx.batch.targets!, { T: ${sub(e.args.T!)}, t2: ${sub(e.args.t2!)} })`;
  // FitNets: the student's feature goes through the adapter lowering inserted (an `adapt` node).
  if (e.fn === "hint") {
    const adapted = e.args.student;
    if (adapted?.op !== "adapt") throw new Error("emit: hint without its adapter");
    return `kd.losses.hint(${sub(adapted.input)}, ${sub(e.args.teacher!)}, (x) => ${lookup(scope.locals, adapted.adapter)}.apply(x as kd.tf.Tensor2D))`;
  }
  const call = PRIMITIVES[e.fn];
  if (!call) throw new Error(`emit: no runtime call for the loss ${e.fn}`);
  const arg = (name: string): string => {
    const a = e.args[name];
    if (!a) throw new Error(`emit: ${e.fn} without ${name}`);
    return sub(a);
  };
  const tensorArg = (name: string): string => {
    const a = e.args[name];
    if (call.cast) return `${arg(name)} as ${call.cast}`;
    return a && isGeneralTensor(a) ? `${arg(name)} as kd.tf.Tensor2D` : arg(name);
  };
  const options = call.options.length > 0 ? [`{ ${call.options.map((o) => `${o}: ${arg(o)}`).join(", ")} }`] : [];
  return `kd.losses.${call.runtime}(${[...call.positional.map(tensorArg), ...options].join(", ")})`;
}

/** The runtime's `…FromLogits` entry of a preference loss: token logits, targets, options in camelCase. */
function preferenceCall(e: Extract<IrExpr, { op: "preference" }>, sub: (x: IrExpr) => string): string {
  const logits = (m: IrExpr) => `ctx.outputs(${sub(m)}).tokenLogits!`;
  const models = e.fn === "simpo" ? [logits(e.policy)] : [logits(e.policy), e.reference ? logits(e.reference) : "undefined"];
  const options = Object.entries(e.options).map(([k, v]) => `${camel(k)}: ${typeof v === "string" ? `${stringLiteral(v)} as const` : number(v)}`);
  return `kd.losses.${e.fn}FromLogits(${[...models, "ctx.batch.targets!", `{ ${options.join(", ")} }`].join(", ")})`;
}

/** `{ from: 1, to: 2 }` from named arguments, in signature order. */
export function options(args: Readonly<Record<string, IrExpr>>, scope: ExprScope): string {
  const entries = Object.entries(args).map(([k, v]) => `${camel(k)}: ${emitExpr(v, scope)}`);
  return `{ ${entries.join(", ")} }`;
}

export function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Arithmetic on schedules outside an objective: a schedule computed from others at each step. */
function derivedSchedule(e: IrExpr, scope: ExprScope): string {
  const at = (x: IrExpr): string => {
    if (x.op === "binary" && x.kind === "schedule")
      return `(${at(x.left)} ${x.operator === "^" ? "**" : x.operator} ${at(x.right)})`;
    if (x.op === "neg" && x.kind === "schedule") return `(-${at(x.operand)})`;
    if (x.op === "progress") return progressAt(x.field, "p");
    if (x.op === "math") return `Math.${x.fn}(${x.args.map(at).join(", ")})`;
    return isScheduleExpr(x) ? `${emitExpr(x, scope)}.at(p)` : emitExpr(x, scope);
  };
  return `{ describe: ${stringLiteral(describe(e))}, at: (p: kd.Progress) => ${at(e)} }`;
}

/** `step` and `epoch` at a Progress (`ctx.progress` in objectives, `p` in derived schedules). */
function progressAt(field: "step" | "epoch", progress: string): string {
  return field === "step" ? `${progress}.step` : `(${progress}.step / ${progress}.stepsPerEpoch)`;
}

/** A short human description of a scalar expression, for schedule names in progress output. */
export function describe(e: IrExpr): string {
  switch (e.op) {
    case "number":
      return number(e.value);
    case "param":
    case "local":
      return e.name;
    case "binary":
      return `${describe(e.left)} ${e.operator} ${describe(e.right)}`;
    case "neg":
      return `-${describe(e.operand)}`;
    case "schedule":
      return `${e.fn}(…)`;
    case "progress":
      return e.field;
    case "math":
      return `${e.fn}(${e.args.map(describe).join(", ")})`;
    default:
      return e.op;
  }
}

function lookup(map: ReadonlyMap<string, string>, name: string): string {
  const found = map.get(name);
  if (found === undefined) throw new Error(`emit: no identifier for ${name}`);
  return found;
}
