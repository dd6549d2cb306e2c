// Applying trainable networks in an objective: a `module` called on a tap (`head(s.hidden[0])`)
// and a structured adapter (`project(x, like: y, via: conv(kernel: 1) >> batchnorm >> relu)`).
// Both infer their layers' shapes from the tensor they receive (pipeline.ts).
import type { CallExpression, Expression, Identifier, ModuleDeclaration } from "../../grammar/ast.js";
import { diagnostic } from "../diagnostics/diagnostic.js";
import { builtins } from "./builtins.js";
import type { Env } from "./expressions.js";
import { inferPipeline, pipelineSteps, sameInput, type PipelineContext } from "./pipeline.js";
import { bindArguments, type Checked } from "./signature.js";
import type { CheckState } from "./state.js";
import type { Symbol } from "./symbols.js";
import { errorType, shapesAgree, showShape, type Dim } from "./types.js";

interface Checker {
  check(e: Expression, env: Env): Checked;
  lookup(name: string, env: Env): Symbol | undefined;
  resolve(id: Identifier, env: Env): Symbol | undefined;
}

/** Modules whose first application failed (reported once): later ones stay silent. */
const failed = new WeakMap<CheckState, Set<ModuleDeclaration>>();

const OBJECTIVE = "a stage's `minimize` objective (not inside a `loss` definition, which may serve several stages)";

/** Layer arguments are compile-time numbers: checked like a setting, in the objective's file. */
function layerContext(env: Env, checker: Checker, quiet: boolean): PipelineContext {
  const argEnv: Env = { ...env, place: "setting", stage: undefined, locals: new Map(), bindings: undefined, ...(quiet ? { record: false, report: () => {} } : {}) };
  return { check: (e) => checker.check(e, argEnv), report: argEnv.report };
}

/** `m(x)`: the module's output tensor; its first application fixes its shapes. */
export function applyModule(decl: ModuleDeclaration, call: CallExpression, env: Env, checker: Checker, state: CheckState): Checked {
  const name = decl.name.name;
  const args = call.args.map((a) => checker.check(a.value, env));
  if (env.place !== "objective") {
    env.report(diagnostic("KD3021", call.callee.span, { name, place: OBJECTIVE }));
    return { type: errorType, value: undefined };
  }
  const bound = bindArguments(call, { name, params: [{ name: "x", type: "tensor" }] }, args, env.report);
  const x = bound?.get("x");
  if (!x || x.type.kind !== "tensor" || !x.type.shape) return { type: errorType, value: undefined };
  const shape = x.type.shape;
  if (env.stage && !env.stage.usedModules.has(decl)) env.stage.usedModules.set(decl, call.span);
  let info = state.modules.get(decl);
  if (info && !sameInput(info, shape)) {
    env.report(
      diagnostic(
        "KD3007",
        x.node?.span ?? call.span,
        { context: `the module \`${name}\` reads the shape of its first application`, expected: showShape(["B", ...info.input]), found: showShape(shape) },
        { labels: [{ span: info.appliedAt, message: "first applied here" }] },
      ),
    );
    return { type: errorType, value: undefined };
  }
  if (!info) {
    const failures = failed.get(state) ?? new Set();
    failed.set(state, failures);
    if (failures.has(decl)) return { type: errorType, value: undefined };
    // The declaration reported its own mistakes; here only shapes can go wrong.
    const steps = pipelineSteps(decl.value, layerContext(env, checker, true), true);
    info = steps && inferPipeline(steps, shape, undefined, layerContext(env, checker, false), { span: call.span, what: `\`${name}\`` });
    if (!info) {
      if (env.record) failures.add(decl);
      return { type: errorType, value: undefined };
    }
    if (env.record) state.modules.set(decl, info);
  }
  return { type: { kind: "tensor", shape: info.output, of: `${name}(${x.type.of ?? "…"})` }, value: undefined };
}

/** `project(x, like: y, via: layers)`: the adapter's layers take x to y's shape. */
export function structuredProject(call: CallExpression, env: Env, checker: Checker, state: CheckState): Checked {
  const via = call.args.find((a) => a.name?.name === "via")!;
  const rest: CallExpression = { ...call, args: call.args.filter((a) => a !== via) };
  // `via: m` names a module: the adapter is that module (trained where a stage lists it).
  if (via.value.kind === "Identifier" && checker.lookup(via.value.name, env)?.kind === "module") {
    const symbol = checker.resolve(via.value, env);
    return symbol?.kind === "module" ? moduleAdapter(symbol.decl, via.value, rest, env, checker, state) : { type: errorType, value: undefined };
  }
  const args = rest.args.map((a) => checker.check(a.value, env));
  if (env.place !== "objective") {
    env.report(diagnostic("KD3021", call.callee.span, { name: "project", place: OBJECTIVE }));
    return { type: errorType, value: undefined };
  }
  const steps = pipelineSteps(via.value, layerContext(env, checker, false), false);
  const bound = bindArguments(rest, builtins.get("project")!, args, env.report);
  const x = bound?.get("x");
  const like = bound?.get("like");
  if (!steps || x?.type.kind !== "tensor" || like?.type.kind !== "tensor" || !x.type.shape || !like.type.shape) return { type: errorType, value: undefined };
  const info = inferPipeline(steps, x.type.shape, like.type.shape, layerContext(env, checker, false), { span: call.span, what: "`via`" });
  if (!info) return { type: errorType, value: undefined };
  if (env.record) state.adapters.set(call, info);
  return { type: { kind: "tensor", shape: like.type.shape as readonly Dim[], of: `project(${x.type.of ?? "x"})` }, value: undefined };
}

/** `project(x, like: y, via: m)`: `m(x)`, which must have `y`'s shape. */
function moduleAdapter(decl: ModuleDeclaration, id: Identifier, rest: CallExpression, env: Env, checker: Checker, state: CheckState): Checked {
  const args = rest.args.map((a) => checker.check(a.value, env));
  const bound = bindArguments(rest, builtins.get("project")!, args, env.report);
  const x = bound?.get("x");
  const like = bound?.get("like");
  if (!x?.node || like?.type.kind !== "tensor") return { type: errorType, value: undefined };
  const applied = applyModule(decl, { kind: "CallExpression", callee: id, args: [{ kind: "Argument", name: undefined, value: x.node, span: x.node.span }], span: rest.span }, env, checker, state);
  if (applied.type.kind !== "tensor") return applied;
  if (!shapesAgree(applied.type.shape, like.type.shape)) {
    env.report(diagnostic("KD3007", rest.span, { context: `\`${decl.name.name}\` must give \`like\`'s shape`, expected: showShape(like.type.shape), found: showShape(applied.type.shape) }));
    return { type: errorType, value: undefined };
  }
  return applied;
}
