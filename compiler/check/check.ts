// The checker: resolves every name, types every expression and runs the rules, before a single
// weight loads. Lowering runs only when this reports no errors.
import type {
  DatasetDeclaration,
  LossDeclaration,
  ModelDeclaration,
  ModuleDeclaration,
  ParamDeclaration,
  StageDeclaration,
} from "../../grammar/ast.js";
import { isRecoveredName } from "../../grammar/to-ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { suggest } from "../diagnostics/suggest.js";
import type { CompilerHost } from "../host.js";
import type { LoadedModules, Module } from "../resolve/modules.js";
import { ExpressionChecker, type Env } from "./expressions.js";
import { checkUnusedTeachers } from "./rules/unused-teacher.js";
import { orderStages } from "./rules/stage-cycle.js";
import { checkTeachersTrainedEarlier } from "./rules/teacher-trained-earlier.js";
import { checkModulesTrainedEarlier } from "./rules/module-trained-earlier.js";
import { checkGeneratedAfterGenerator } from "./rules/generated-after-generator.js";
import { checkGeneratorDeclaredFirst } from "./generate.js";
import { pipelineSteps, type PipelineInfo } from "./pipeline.js";
import { expandStage } from "./expand-recipe.js";
import { parameterSymbols } from "./parameters.js";
import { checkRecipeDefinition, suppressRepeats } from "./recipe-definition.js";
import { checkRunSettings, type RunSettings } from "./rules/run-settings.js";
import { buildScopes } from "./scope.js";
import { checkStage, type StageInfo } from "./stage.js";
import { newCheckState, recoveredWithin, type CheckState, type ParamType } from "./state.js";
import { describe, type ModelInfo } from "./types.js";
import type { Value } from "./values.js";

export interface CheckOptions {
  /** `--set name=value` overrides, as typed on the command line. */
  readonly overrides?: ReadonlyMap<string, string>;
}

export interface CheckedProgram {
  readonly entry: Module;
  readonly state: CheckState;
  readonly params: readonly { readonly decl: ParamDeclaration; readonly type: ParamType; readonly value: Value }[];
  readonly datasets: readonly DatasetDeclaration[];
  readonly models: readonly { readonly decl: ModelDeclaration; readonly info: ModelInfo }[];
  /** Auxiliary modules some objective applies (their shapes known), in declaration order. */
  readonly modules: readonly { readonly decl: ModuleDeclaration; readonly info: PipelineInfo }[];
  /** Loss definitions the objectives reach, with the module each is declared in. */
  readonly losses: readonly { readonly decl: LossDeclaration; readonly module: Module }[];
  /** In run order. */
  readonly stages: readonly StageInfo[];
  /** The top-level `run { … }` settings. */
  readonly run: RunSettings;
}

const PARAM_TYPES: readonly ParamType[] = ["int", "float", "bool", "string"];

export function check(modules: LoadedModules, options: CheckOptions = {}, host?: CompilerHost): { value: CheckedProgram | undefined; diagnostics: Diagnostic[] } {
  const state = newCheckState(modules.parseErrors, host);
  const report = (d: Diagnostic): void => {
    state.diagnostics.push(d);
  };
  const entry = modules.entry;
  if (!entry) return { value: undefined, diagnostics: state.diagnostics };
  const expressions = new ExpressionChecker(state);
  buildScopes(modules.all, state);

  const env = (module: Module, place: Env["place"], declaredName?: string): Env => ({
    module,
    place,
    locals: new Map(),
    stage: undefined,
    bindings: undefined,
    declaredName,
    lossStack: [],
    record: true,
    report,
  });

  // Loss definitions, once each, wherever they are declared.
  for (const module of modules.all) {
    for (const decl of module.ast.declarations) {
      if (decl.kind !== "LossDeclaration" || state.checkedLosses.has(decl)) continue;
      state.checkedLosses.add(decl);
      checkLossDefinition(decl, module);
    }
  }

  const params: { decl: ParamDeclaration; type: ParamType; value: Value }[] = [];
  const datasets: DatasetDeclaration[] = [];
  const models: { decl: ModelDeclaration; info: ModelInfo }[] = [];
  const stageDecls: StageDeclaration[] = [];
  const moduleDecls: ModuleDeclaration[] = [];
  let run: RunSettings = {};
  let runSeen = false;
  for (const decl of entry.ast.declarations) {
    switch (decl.kind) {
      case "RunDeclaration":
        if (runSeen) report(diagnostic("KD3010", decl.span, { setting: "run" }));
        else run = checkRunSettings(decl.entries, expressions, env(entry, "setting"), report, false);
        runSeen = true;
        break;
      case "ModuleDeclaration": {
        // Names, arguments and widths now; shapes where it is first applied (apply-module.ts).
        const moduleEnv = env(entry, "setting");
        pipelineSteps(decl.value, { check: (e) => expressions.check(e, moduleEnv), report }, true);
        moduleDecls.push(decl);
        break;
      }
      case "ParamDeclaration": {
        const p = checkParam(decl);
        if (p) params.push(p);
        break;
      }
      case "DatasetDeclaration": {
        const t = expressions.check(decl.value, env(entry, "dataset", decl.name.name)).type;
        checkGeneratorDeclaredFirst(decl, state, report);
        if (t.kind === "dataset") {
          state.datasets.set(decl, t);
          datasets.push(decl);
        } else if (t.kind !== "error")
          report(diagnostic("KD3004", decl.value.span, { context: "`dataset`", expected: "a dataset such as `mnist(…)`", found: describe(t) }));
        break;
      }
      case "ModelDeclaration": {
        const t = expressions.check(decl.value, env(entry, "model", decl.name.name)).type;
        if (t.kind === "model" && t.info) {
          state.models.set(decl, t);
          models.push({ decl, info: t.info });
        } else if (t.kind !== "error")
          report(diagnostic("KD3004", decl.value.span, { context: "`model`", expected: "a model such as `mlp(…)`", found: describe(t) }));
        break;
      }
      case "StageDeclaration":
        stageDecls.push(decl);
        break;
      default:
        break;
    }
  }
  checkOverrides(params.map((p) => p.decl));

  // Recipe bodies, once each where they are defined (used or not), after the entry's names are typed.
  const fromDefinitions = new Set<Diagnostic>();
  for (const module of modules.all) {
    for (const decl of module.ast.declarations) {
      if (decl.kind !== "RecipeDeclaration" || state.checkedRecipes.has(decl)) continue;
      state.checkedRecipes.add(decl);
      checkRecipeDefinition(decl, module, expressions, (d) => {
        fromDefinitions.add(d);
        report(d);
      });
    }
  }

  const infos: StageInfo[] = [];
  for (const decl of stageDecls) {
    const body = expandStage(decl, entry, state, expressions, report);
    const info = body && checkStage(decl, body, entry, state, expressions);
    if (info) infos.push(info);
  }
  const afterMap = new Map(stageDecls.map((d) => [d, d.after.flatMap((id) => {
    const s = state.symbols.get(id);
    return s?.kind === "stage" ? [s.decl] : [];
  })]));
  const order = orderStages(stageDecls, afterMap, report);
  // Stages the parser recovered inside may be missing statements: skip rules that count them.
  const intact = infos.filter((i) => !recoveredWithin(state, i.decl.span));
  checkTeachersTrainedEarlier(infos, stageDecls, report, (i) => !intact.includes(i));
  checkModulesTrainedEarlier(infos, stageDecls, report, (i) => !intact.includes(i));
  checkGeneratedAfterGenerator(infos, stageDecls, models.map((m) => m.decl), report, (i) => !intact.includes(i));
  checkUnusedTeachers(intact, report);
  suppressRepeats(state.diagnostics, fromDefinitions);

  const stages = order ? order.flatMap((d) => infos.filter((i) => i.decl === d)) : infos;
  const losses = reachableLosses(stages, state);
  return {
    value: {
      entry,
      state,
      params,
      datasets,
      models,
      modules: moduleDecls.flatMap((decl) => {
        const info = state.modules.get(decl);
        return info ? [{ decl, info }] : [];
      }),
      losses,
      stages,
      run,
    },
    diagnostics: state.diagnostics,
  };

  function checkLossDefinition(decl: LossDeclaration, module: Module): void {
    const locals = parameterSymbols(decl, report);
    for (const p of decl.params) if (p.default) expressions.check(p.default, { ...env(module, "param"), locals: new Map() });
    const body = expressions.check(decl.body, { ...env(module, "loss-body"), locals, lossStack: [decl] });
    const t = body.type;
    if (t.kind !== "error" && !(t.kind === "tensor" && t.shape?.length === 0))
      report(diagnostic("KD3004", decl.body.span, { context: "a `loss` definition", expected: "a scalar loss", found: describe(t) }));
  }

  function checkParam(decl: ParamDeclaration): { decl: ParamDeclaration; type: ParamType; value: Value } | undefined {
    const result = expressions.check(decl.value, env(entry!, "param"));
    if (result.type.kind === "error") return undefined;
    let type: ParamType | undefined;
    if (decl.type) {
      const name = decl.type.name.name;
      if (isRecoveredName(decl.type.name)) return undefined;
      if (!(PARAM_TYPES as string[]).includes(name)) {
        report(diagnostic("KD3022", decl.type.span, { name, types: PARAM_TYPES.join(", ") }));
        return undefined;
      }
      type = name as ParamType;
    } else {
      const t = result.type;
      type = t.kind === "number" ? (t.integer ? "int" : "float") : t.kind === "bool" ? "bool" : t.kind === "string" ? "string" : undefined;
    }
    const fits =
      type !== undefined &&
      result.value !== undefined &&
      ((type === "float" && result.type.kind === "number") ||
        (type === "int" && result.type.kind === "number" && Number.isInteger(result.value)) ||
        (type === result.type.kind));
    if (!fits || type === undefined) {
      report(diagnostic("KD3016", decl.value.span, { name: decl.name.name, expected: type ?? "a number, bool or string", found: describe(result.type) }));
      return undefined;
    }
    const raw = options.overrides?.get(decl.name.name);
    const value = raw === undefined ? result.value! : parseOverride(decl, type, raw);
    if (value === undefined) return undefined;
    state.params.set(decl, { type, value });
    return { decl, type, value };
  }

  function parseOverride(decl: ParamDeclaration, type: ParamType, raw: string): Value | undefined {
    const bad = (): undefined => {
      report(diagnostic("KD3013", decl.name.span, { name: decl.name.name, expected: `${type === "int" ? "an integer" : type === "float" ? "a number" : type === "bool" ? "true or false" : "a string"}`, found: raw }));
      return undefined;
    };
    switch (type) {
      case "int":
        return /^[+-]?\d+$/.test(raw.trim()) ? Number(raw) : bad();
      case "float": {
        const n = Number(raw);
        return raw.trim() !== "" && Number.isFinite(n) ? n : bad();
      }
      case "bool":
        return raw === "true" ? true : raw === "false" ? false : bad();
      case "string":
        return raw;
    }
  }

  function checkOverrides(declared: readonly ParamDeclaration[]): void {
    const names = entry!.ast.declarations.flatMap((d) => (d.kind === "ParamDeclaration" ? [d.name.name] : []));
    for (const name of options.overrides?.keys() ?? []) {
      if (names.includes(name)) continue;
      report(diagnostic("KD9005", undefined, { name, available: names.join(", "), suggestion: suggest(name, names) }));
    }
    void declared;
  }
}

function reachableLosses(stages: readonly StageInfo[], state: CheckState): { decl: LossDeclaration; module: Module }[] {
  const found = new Map<LossDeclaration, Module>();
  const visit = (e: import("../../grammar/ast.js").Expression): void => {
    switch (e.kind) {
      case "CallExpression": {
        if (e.callee.kind === "Identifier") {
          const s = state.symbols.get(e.callee);
          if (s?.kind === "loss" && !found.has(s.decl)) {
            visit(s.decl.body);
            found.set(s.decl, s.module);
          }
        }
        for (const a of e.args) visit(a.value);
        break;
      }
      case "BinaryExpression":
        visit(e.left);
        visit(e.right);
        break;
      case "UnaryExpression":
        visit(e.operand);
        break;
      case "MemberExpression":
        visit(e.object);
        break;
      case "IndexExpression":
        visit(e.object);
        visit(e.index);
        break;
      case "ListExpression":
        e.items.forEach(visit);
        break;
      default:
        break;
    }
  };
  for (const stage of stages) visit(stage.objective);
  return [...found].map(([decl, module]) => ({ decl, module }));
}
