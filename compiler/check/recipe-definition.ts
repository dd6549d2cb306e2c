// A `recipe` body checked once where it is defined, whether or not a stage uses it: its parameters
// typed by their declared types (a `model` parameter is a model of unknown shape, a `split` one a
// split of unknown size), so names, argument names and counts, and types that do not depend on the
// actual arguments are reported even in a recipe no stage instantiates. Problems that depend on the
// arguments (shapes, labels, ranges, data fit) are left to each instantiation, as for `loss`
// bodies. A stage that instantiates the recipe re-checks the same statements; `suppressRepeats`
// drops what that repeats.
import type { Identifier, Parameter, RecipeDeclaration, StageStatement, TypeReference } from "../../grammar/ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Module } from "../resolve/modules.js";
import { parameterType, signatureType, type Env, type ExpressionChecker, type Place } from "./expressions.js";
import { parameterSymbols } from "./parameters.js";
import { checkRunSettings } from "./rules/run-settings.js";
import type { Checked } from "./signature.js";
import { describe, type Type } from "./types.js";

/** Codes only an instantiation can decide: they depend on the arguments or on the whole stage. */
const ARGUMENT_DEPENDENT = new Set([
  "KD3005", // class counts
  "KD3006", // labels on the split
  "KD3007", // shapes
  "KD3008", // ranges
  "KD3017", // models the objective may read
  "KD3020", // recursion through the arguments
  "KD3029", // a model fits its data
  "KD3030", // preference splits
  "KD3031", // a reference for preference losses
  "KD3032", // token splits
  "KD4001", // values known before training (a parameter's value is not, until a stage binds it)
]);

export function checkRecipeDefinition(
  decl: RecipeDeclaration,
  module: Module,
  expressions: ExpressionChecker,
  report: (d: Diagnostic) => void,
): void {
  const keep = (d: Diagnostic): void => {
    if (!ARGUMENT_DEPENDENT.has(d.code)) report(d);
  };
  const locals = parameterSymbols(decl, keep);
  const bindings = new Map<Parameter, Checked>(decl.params.map((p) => [p, { type: genericType(p), value: undefined }]));
  const env = (place: Place): Env => ({
    module,
    place,
    locals,
    stage: undefined,
    bindings,
    declaredName: undefined,
    lossStack: [],
    record: false,
    report: keep,
  });
  const check = (e: Parameters<ExpressionChecker["check"]>[0], place: Place): Type => expressions.check(e, env(place)).type;
  const expect = (e: Parameters<ExpressionChecker["check"]>[0], place: Place, context: string, expected: string, ok: (t: Type) => boolean): void => {
    const t = check(e, place);
    if (t.kind !== "error" && !ok(t)) keep(diagnostic("KD3004", e.span, { context, expected, found: describe(t) }));
  };
  const model = (id: Identifier): void => {
    const symbol = expressions.resolve(id, env("data"), "model");
    if (!symbol) return;
    // A parameter of an unknown type was reported at its declaration (KD3022).
    const paramType = symbol.kind === "lossParam" ? signatureType(symbol.param.type.name.name) : undefined;
    if (symbol.kind === "lossParam" && paramType === undefined) return;
    if (symbol.kind !== "model" && paramType !== "model") keep(diagnostic("KD3004", id.span, { context: "this statement", expected: "a model", found: `the ${symbol.kind === "lossParam" ? "parameter" : symbol.kind} \`${id.name}\`` }));
  };

  // `reference ref = m` names a model for the whole body, as in a stage.
  for (const stmt of decl.body) {
    if (stmt.kind !== "ReferenceStatement" || !stmt.name) continue;
    const snapshot = modelParameter(stmt.name);
    locals.set(stmt.name.name, { kind: "lossParam", param: snapshot, loss: decl });
    bindings.set(snapshot, { type: { kind: "model", info: undefined }, value: undefined });
  }
  // Lets first, as a stage checks them: an objective may use a let declared below it.
  const ordered = [...decl.body.filter((s) => s.kind === "LetStatement"), ...decl.body.filter((s) => s.kind !== "LetStatement")];
  for (const stmt of ordered) statement(stmt);

  function statement(stmt: StageStatement): void {
    switch (stmt.kind) {
      case "TrainStatement":
        model(stmt.model);
        expect(stmt.data, "data", "`train … on`", "a dataset split such as `digits.train`", (t) => t.kind === "split");
        break;
      case "TeacherStatement":
        stmt.models.forEach(model);
        break;
      case "ReferenceStatement":
        if (stmt.model) model(stmt.model);
        break;
      case "ExportStatement":
        model(stmt.model);
        break;
      case "SettingStatement":
        if (stmt.setting === "optimizer") expect(stmt.value, "optimizer", "`optimizer`", "an optimizer such as `adam(lr: 1e-3)`", (t) => t.kind === "optimizer");
        else expect(stmt.value, "setting", `\`${stmt.setting}\``, "a number", (t) => t.kind === "number");
        break;
      case "AccumulateStatement":
        expect(stmt.value, "setting", "`accumulate`", "an integer", (t) => t.kind === "number");
        break;
      case "FreezeStatement":
        break;
      case "RunStatement":
        checkRunSettings(stmt.entries, expressions, env("setting"), keep);
        break;
      case "LetStatement": {
        expect(stmt.value, "let", "`let`", "a number or a schedule", (t) => t.kind === "number" || t.kind === "schedule");
        locals.set(stmt.name.name, { kind: "let", stmt, stage: decl });
        break;
      }
      case "MinimizeStatement":
        expect(stmt.objective, "objective", "`minimize`", "a scalar loss", (t) => t.kind === "tensor" && (t.shape === undefined || t.shape.length === 0));
        break;
      case "EvaluateStatement":
        for (const data of [stmt.data, ...stmt.also]) expect(data, "data", "`evaluate on`", "a dataset split", (t) => t.kind === "split");
        if (stmt.every) check(stmt.every, "setting");
        for (const m of stmt.metrics) expect(m, "metric", "`evaluate`", "a metric such as `accuracy`", (t) => t.kind === "metric");
        break;
      case "CheckpointStatement":
        if (stmt.every) check(stmt.every, "setting");
        if (stmt.keep) check(stmt.keep, "setting");
        if (stmt.best) expect(stmt.best.split, "data", "`checkpoint best … on`", "a dataset split", (t) => t.kind === "split");
        break;
    }
  }
}

/** A name that stands for a model of unknown shape, as a `model` parameter does. */
function modelParameter(name: Identifier): Parameter {
  const type: TypeReference = { kind: "TypeReference", name: { ...name, name: "model" }, span: name.span };
  return { kind: "Parameter", name, type, default: undefined, span: name.span };
}

/** A parameter as the body sees it before any stage binds it: its declared type, shapes unknown. */
function genericType(p: Parameter): Type {
  const type = signatureType(p.type.name.name);
  // A recipe's `scalar` is replaced by its argument, a number or a schedule: a number goes wherever
  // either may, so no place that takes only numbers (`linear(from: 2 * T)`) is a false positive.
  if (type === "scalar") return { kind: "number", integer: false };
  if (type !== "split") return parameterType(p);
  const name = p.name.name;
  return { kind: "split", info: { name, dataset: name, split: name, size: undefined, features: undefined, classes: undefined, hasLabels: true } };
}

/** Drops what an instantiation repeats of a definition's own diagnostics (same code, same place). */
export function suppressRepeats(diagnostics: Diagnostic[], fromDefinitions: ReadonlySet<Diagnostic>): void {
  const key = (d: Diagnostic) => `${d.code}@${d.span?.file}:${d.span?.start}:${d.span?.end}`;
  const reported = new Set([...fromDefinitions].map(key));
  const kept = diagnostics.filter((d) => fromDefinitions.has(d) || !reported.has(key(d)));
  diagnostics.splice(0, diagnostics.length, ...kept);
}
