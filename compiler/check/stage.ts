// One stage: its statements, their types, and the facts lowering needs (steps per epoch, order
// of lets, the objective). Rules that relate stages to each other live in rules/.
import { teacherTrainMode } from "./rules/teacher-mode.js";
import type {
  EvaluateStatement,
  Expression,
  ExportStatement,
  Identifier,
  LetStatement,
  ModelDeclaration,
  ModuleDeclaration,
  SettingName,
  StageDeclaration,
  StageStatement,
} from "../../grammar/ast.js";
import { isRecoveredName } from "../../grammar/to-ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { suggest } from "../diagnostics/suggest.js";
import type { Module } from "../resolve/modules.js";
import type { Span } from "../source.js";
import { checkMetricsInStage, metricDirection, metricName } from "./builtins-metrics.js";
import { ExpressionChecker, type Env, type Place, type StageScope } from "./expressions.js";
import { modelSplitMismatch } from "./builtins-models.js";
import { isLoadedModel } from "./model-topology.js";
import { checkNotTestSplit } from "./rules/best-not-on-test.js";
import { checkRunSettings } from "./rules/run-settings.js";
import { checkTeacherIsNotStudent } from "./rules/teacher-not-student.js";
import { checkNotAllFrozen, freezePart, partName, type FrozenPart } from "./rules/freeze-parts.js";
import { checkIntervalWithinStage, checkWarmupsWithinStage } from "./rules/warmup-within-stage.js";
import { recoveredWithin, type CheckState } from "./state.js";
import type { Symbol } from "./symbols.js";
import { describe, type SplitInfo } from "./types.js";
import { isDuration, isNumber, type Value } from "./values.js";

export interface EvaluateInfo {
  readonly stmt: EvaluateStatement;
  readonly split: SplitInfo;
  readonly data: Expression;
  readonly everyEpochs: number;
  /** `every N steps`: also after every N optimizer steps. */
  readonly everySteps?: number;
  readonly metrics: readonly Expression[];
}

export interface StageInfo {
  readonly decl: StageDeclaration;
  /** The statements, a recipe template's included. */
  readonly body: readonly StageStatement[];
  readonly module: Module;
  readonly after: readonly StageDeclaration[];
  readonly trained: ModelDeclaration;
  readonly data: Expression;
  readonly split: SplitInfo;
  readonly teachers: readonly ModelDeclaration[];
  /** Teachers written `trainable`: trained together with the student (a subset of `teachers`). */
  readonly trainableTeachers: readonly ModelDeclaration[];
  /** Frozen teachers run in training mode (`teacher m mode train`): dropout on, still off the tape. */
  readonly trainModeTeachers: readonly ModelDeclaration[];
  /** Epochs the stage touches: `epochs N`, or ceil(steps / stepsPerEpoch) with `steps`. */
  readonly epochs: number;
  /** `steps N`: the stage ends after exactly N optimizer steps. */
  readonly steps: number | undefined;
  /** Optimizer steps of the whole stage. */
  readonly totalSteps: number;
  /** `freeze m.part`: parts of the trained model left out of the optimizer, each once. */
  readonly freeze: readonly FrozenPart[];
  readonly batch: number;
  readonly seed: number;
  readonly stepsPerEpoch: number;
  readonly optimizer: Expression;
  readonly lets: readonly LetStatement[];
  readonly objective: Expression;
  readonly evaluate: readonly EvaluateInfo[];
  readonly checkpoint:
    | {
        /** `every N epochs` (1 by default); absent with `every N steps`. */
        readonly everyEpochs?: number;
        /** `every N steps`: after every N optimizer steps instead of at epoch ends. */
        readonly everySteps?: number;
        readonly keep: number;
        /** `best by METRIC on SPLIT [min|max]`, the direction resolved. */
        readonly best?: { readonly metric: Expression; readonly split: Expression; readonly mode: "min" | "max" };
      }
    | undefined;
  /** Clip the gradient to this global norm. */
  readonly clip: number | undefined;
  readonly accumulate: { readonly steps: number; readonly by: "examples" | "tokens" } | undefined;
  /** `reference NAME = MODEL`: a frozen snapshot of MODEL for preference losses. */
  readonly reference: { readonly name: string; readonly source: ModelDeclaration } | undefined;
  readonly exports: readonly { readonly model: ModelDeclaration; readonly path: string; readonly stmt: ExportStatement }[];
  readonly usedModels: ReadonlySet<ModelDeclaration>;
  /** Modules trained here (`train small, m on …`), in the order written. */
  readonly modules: readonly ModuleDeclaration[];
  /** Modules the objective applies, with the first application's span. */
  readonly usedModules: ReadonlyMap<ModuleDeclaration, Span>;
}

export function checkStage(
  decl: StageDeclaration,
  body: readonly StageStatement[],
  module: Module,
  state: CheckState,
  expressions: ExpressionChecker,
): StageInfo | undefined {
  const report = (d: Diagnostic) => state.diagnostics.push(d);
  const scope = state.scopes.get(module)!;
  let complete = true;
  const locals = new Map<string, Symbol>();
  // Set once the trained model and teachers are known; the expressions before that need no stage.
  let stageScope: StageScope | undefined;

  const modelNamed = (id: Identifier): ModelDeclaration | undefined => {
    const symbol = expressions.resolve(id, baseEnv("data"), "model");
    if (!symbol) return undefined;
    if (symbol.kind !== "model") {
      report(diagnostic("KD3004", id.span, { context: "this statement", expected: "a model", found: `the ${symbol.kind} \`${id.name}\`` }));
      return undefined;
    }
    return symbol.decl;
  };

  const after: StageDeclaration[] = [];
  for (const id of decl.after) {
    if (isRecoveredName(id)) continue;
    const symbol = scope.get(id.name);
    if (symbol?.kind === "stage") {
      state.symbols.set(id, symbol);
      after.push(symbol.decl);
      continue;
    }
    const stages = [...scope.values()].flatMap((s) => (s.kind === "stage" ? [s.decl.name.name] : []));
    report(diagnostic("KD2006", id.span, { name: id.name, suggestion: suggest(id.name, stages) }));
  }

  // Who is trained and who teaches come first: every expression below depends on them.
  const trainStatements = body.filter((s) => s.kind === "TrainStatement");
  for (const extra of trainStatements.slice(1)) report(diagnostic("KD3010", extra.span, { setting: "train" }));
  const train = trainStatements[0];
  const trained = train ? modelNamed(train.model) : undefined;
  if (train && trained && isLoadedModel(trained))
    report(diagnostic("KD4002", train.model.span, { what: "training a loaded model (loaded models are frozen teachers)" }));
  // `train small, m on …`: the names after the model are modules trained with it.
  const trainedModules: ModuleDeclaration[] = [];
  for (const id of train?.modules ?? []) {
    const symbol = expressions.resolve(id, baseEnv("data"), "module");
    if (!symbol) continue;
    if (symbol.kind !== "module") report(diagnostic("KD3004", id.span, { context: "`train MODEL, …`", expected: "a `module`", found: `the ${symbol.kind} \`${id.name}\`` }));
    else if (trainedModules.includes(symbol.decl)) report(diagnostic("KD3010", id.span, { setting: id.name }));
    else trainedModules.push(symbol.decl);
  }
  let split: SplitInfo | undefined;
  if (train) {
    const data = expressions.check(train.data, baseEnv("data"));
    if (data.type.kind === "split") split = data.type.info;
    else if (data.type.kind !== "error")
      report(diagnostic("KD3004", train.data.span, { context: "`train … on`", expected: "a dataset split such as `digits.train`", found: describe(data.type) }));
  }

  const teachers = new Set<ModelDeclaration>();
  const trainableTeachers = new Set<ModelDeclaration>();
  const trainModeTeachers = new Set<ModelDeclaration>();
  for (const stmt of body) {
    if (stmt.kind !== "TeacherStatement") continue;
    for (const [i, id] of stmt.models.entries()) {
      const teacher = modelNamed(id);
      if (!teacher) continue;
      if (stmt.trainable[i] && isLoadedModel(teacher))
        report(diagnostic("KD4002", id.span, { what: "training a loaded model (loaded models are frozen teachers)" }));
      if (!checkTeacherIsNotStudent(teacher, trained, id, report)) continue;
      teachers.add(teacher);
      if (stmt.trainable[i]) trainableTeachers.add(teacher);
      if (teacherTrainMode(teacher, stmt.modes?.[i], stmt.trainable[i] ?? false, report)) trainModeTeachers.add(teacher);
    }
  }

  // Every model the stage runs reads the training split's batches.
  for (const model of [trained, ...teachers]) fitsData(model, split, train?.data.span);

  // `reference ref = policy` names a frozen snapshot; `reference none` allows reference-free losses.
  let referenceNone = false;
  let reference: StageInfo["reference"];
  for (const stmt of body) {
    if (stmt.kind !== "ReferenceStatement") continue;
    if (reference || referenceNone) {
      report(diagnostic("KD3010", stmt.span, { setting: "reference" }));
      continue;
    }
    if (!stmt.name || !stmt.model) {
      referenceNone = true;
      continue;
    }
    const source = modelNamed(stmt.model);
    if (!source) continue;
    if (scope.has(stmt.name.name)) {
      report(diagnostic("KD2002", stmt.name.span, { name: stmt.name.name }, { labels: [{ span: spanOf(scope.get(stmt.name.name)!) ?? stmt.name.span, message: "first declared here" }] }));
      continue;
    }
    locals.set(stmt.name.name, { kind: "reference", stmt, source });
    reference = { name: stmt.name.name, source };
  }

  const scopeOfStage: StageScope = {
    decl,
    trained,
    teachers,
    split,
    usedModels: new Set(),
    schedules: [],
    referenceNone,
    trainedModules: new Set(trainedModules),
    usedModules: new Map(),
  };
  stageScope = scopeOfStage;
  function baseEnv(place: Place): Env {
    return {
      module,
      place,
      locals,
      stage: stageScope,
      bindings: undefined,
      declaredName: undefined,
      lossStack: [],
      record: true,
      report,
    };
  }

  const settings = new Map<SettingName, Expression>();
  const lets: LetStatement[] = [];
  let objective: Expression | undefined;
  const evaluate: EvaluateInfo[] = [];
  let checkpoint: StageInfo["checkpoint"];
  let accumulate: StageInfo["accumulate"];
  const exports: { model: ModelDeclaration; path: string; stmt: ExportStatement }[] = [];
  const deferred: (() => void)[] = [];
  const freeze: FrozenPart[] = [];
  const evaluations: (() => void)[] = [];
  const firstLet = new Map<string, Span>();

  for (const stmt of body) {
    switch (stmt.kind) {
      case "SettingStatement": {
        if (settings.has(stmt.setting)) {
          report(diagnostic("KD3010", stmt.keywordSpan, { setting: stmt.setting }));
          break;
        }
        settings.set(stmt.setting, stmt.value);
        break;
      }
      case "AccumulateStatement": {
        if (accumulate) {
          report(diagnostic("KD3010", stmt.span, { setting: "accumulate" }));
          break;
        }
        const steps = intAtLeast(stmt.value, "`accumulate`", 1);
        if (stmt.by === "tokens" && split && split.kind !== "tokens") {
          report(diagnostic("KD3004", stmt.span, { context: "`accumulate … by tokens`", expected: "a split of token sequences", found: `\`${split.name}\`, a split of vectors` }));
          break;
        }
        if (steps !== undefined) accumulate = { steps, by: stmt.by ?? "examples" };
        break;
      }
      case "ReferenceStatement":
        break;
      case "FreezeStatement":
        deferred.push(() => {
          const checked = expressions.check(stmt.target, baseEnv("data"));
          // A line the parser recovered in names a part only partly.
          if (checked.type.kind === "error" || recoveredWithin(state, stmt.span)) return;
          const member = stmt.target.kind === "IndexExpression" ? stmt.target.object : stmt.target;
          const symbol = member.kind === "MemberExpression" && member.object.kind === "Identifier" ? state.symbols.get(member.object) : undefined;
          const owner = symbol?.kind === "model" ? symbol.decl : undefined;
          const index = stmt.target.kind === "IndexExpression" ? state.values.get(stmt.target.index) : undefined;
          if (symbol?.kind === "reference" && trained && member.kind === "MemberExpression") {
            // A reference is a frozen snapshot already.
            report(diagnostic("KD3034", member.object.span, { model: symbol.stmt.name?.name ?? "reference", trained: trained.name.name }));
            return;
          }
          const part = freezePart(stmt.target, owner, trained, typeof index === "number" ? index : undefined, report);
          if (part && !freeze.some((p) => partName(p) === partName(part))) freeze.push(part);
        });
        break;
      case "RunStatement":
        checkRunSettings(stmt.entries, expressions, baseEnv("setting"), report);
        break;
      case "LetStatement": {
        const first = firstLet.get(stmt.name.name) ;
        if (first || scope.has(stmt.name.name)) {
          const prior = first ?? spanOf(scope.get(stmt.name.name)!);
          report(diagnostic("KD2002", stmt.name.span, { name: stmt.name.name }, { labels: prior ? [{ span: prior, message: "first declared here" }] : [] }));
          break;
        }
        const value = expressions.check(stmt.value, { ...baseEnv("let"), stageLet: { name: stmt.name.name, value: stmt.value } });
        if (value.type.kind !== "error" && value.type.kind !== "number" && value.type.kind !== "schedule")
          report(diagnostic("KD3004", stmt.value.span, { context: "`let`", expected: "a number or a schedule", found: describe(value.type) }));
        firstLet.set(stmt.name.name, stmt.name.span);
        locals.set(stmt.name.name, { kind: "let", stmt, stage: decl });
        lets.push(stmt);
        break;
      }
      case "MinimizeStatement":
        if (objective) {
          report(diagnostic("KD3010", stmt.span, { setting: "minimize" }));
          break;
        }
        objective = stmt.objective;
        deferred.push(() => {
          const result = expressions.check(stmt.objective, baseEnv("objective"));
          const t = result.type;
          if (t.kind !== "error" && !(t.kind === "tensor" && t.shape?.length === 0))
            report(diagnostic("KD3004", stmt.objective.span, { context: "`minimize`", expected: "a scalar loss", found: describe(t) }));
        });
        break;
      case "EvaluateStatement":
        // After the objective: the `loss` metric checks it again on the evaluation split.
        evaluations.push(() => {
          for (const data of [stmt.data, ...stmt.also]) {
            const info = checkEvaluate(stmt, data);
            if (info) evaluate.push(info);
          }
        });
        break;
      case "CheckpointStatement":
        if (checkpoint) {
          report(diagnostic("KD3010", stmt.span, { setting: "checkpoint" }));
          break;
        }
        {
          const every = stmt.every ? intervalOf(stmt.every, "`checkpoint every`") : undefined;
          checkpoint = {
            ...(every?.unit === "steps" ? { everySteps: every.value } : { everyEpochs: every?.value ?? 1 }),
            keep: stmt.keep ? intAtLeast(stmt.keep, "`keep`", 1) ?? 1 : 1,
          };
        }
        if (stmt.best) {
          const best = stmt.best;
          deferred.push(() => {
            const mode = checkBest(best);
            if (mode && checkpoint) checkpoint = { ...checkpoint, best: { metric: best.metric, split: best.split, mode } };
            else complete = false;
          });
        }
        break;
      case "ExportStatement": {
        const model = modelNamed(stmt.model);
        if (model) exports.push({ model, path: stmt.path.value, stmt });
        break;
      }
      case "TrainStatement":
      case "TeacherStatement":
        break;
    }
  }
  // Objective and metrics after all lets, so a let may be declared below its use in `minimize`.
  for (const run of [...deferred, ...evaluations]) run();

  // The stage's length: `epochs N` or `steps N`, exactly one.
  const stepsExpr = settings.get("steps");
  if (stepsExpr && settings.has("epochs")) {
    complete = false;
    // A value the parser lost was reported already.
    if (stepsExpr.kind !== "Missing" && settings.get("epochs")!.kind !== "Missing") report(diagnostic("KD3033", stepsExpr.span, { stage: decl.name.name }));
  }
  const steps = stepsExpr ? intAtLeast(stepsExpr, "`steps`", 1) : undefined;
  if (stepsExpr && steps === undefined) complete = false;
  if (!stepsExpr && !settings.has("epochs")) missing("epochs` or `steps");
  const epochsGiven = settings.has("epochs") ? intAtLeast(settings.get("epochs")!, "`epochs`", 1) : undefined;
  const batch = setting("batch", (e) => intAtLeast(e, "`batch`", 1));
  const seed = settings.has("seed") ? intAtLeast(settings.get("seed")!, "`seed`", 0) : 0;
  const clip = settings.has("clip") ? positiveNumber(settings.get("clip")!, "`clip`") : undefined;
  const optimizerExpr = settings.get("optimizer");
  if (optimizerExpr) {
    const t = expressions.check(optimizerExpr, baseEnv("optimizer")).type;
    if (t.kind !== "error" && t.kind !== "optimizer")
      report(diagnostic("KD3004", optimizerExpr.span, { context: "`optimizer`", expected: "an optimizer such as `adam(lr: 1e-3)`", found: describe(t) }));
  } else missing("optimizer");
  if (!train) missing("train");
  if (!objective) missing("minimize");

  // Optimizer steps: batches per epoch grouped by `accumulate` (the last group may be short).
  const stepsPerEpoch =
    split?.size !== undefined && batch !== undefined ? Math.ceil(Math.ceil(split.size / batch) / (accumulate?.steps ?? 1)) : undefined;
  const totalSteps = stepsPerEpoch === undefined ? undefined : (steps ?? (epochsGiven === undefined ? undefined : epochsGiven * stepsPerEpoch));
  const epochs = steps !== undefined && stepsPerEpoch !== undefined ? Math.ceil(steps / stepsPerEpoch) : epochsGiven;
  if (stepsPerEpoch !== undefined && totalSteps !== undefined) {
    checkWarmupsWithinStage(decl.name.name, scopeOfStage.schedules, stepsPerEpoch, totalSteps, report);
    const checkpointStmt = body.find((s) => s.kind === "CheckpointStatement");
    // Without `every` a best checkpoint is still chosen at the end of a stage shorter than an epoch.
    if (checkpoint && checkpointStmt?.kind === "CheckpointStatement" && (checkpointStmt.every || !checkpoint.best))
      checkIntervalWithinStage(decl.name.name, "the checkpoint interval", checkpoint, totalSteps, stepsPerEpoch, checkpointStmt.span, report);
  }
  if (trained) checkNotAllFrozen(trained, modelInfo(trained), freeze, report);

  if (
    !complete ||
    !trained ||
    !split ||
    !objective ||
    !optimizerExpr ||
    epochs === undefined ||
    totalSteps === undefined ||
    batch === undefined ||
    seed === undefined ||
    stepsPerEpoch === undefined
  )
    return undefined;
  return {
    decl,
    body,
    module,
    after,
    trained,
    data: train!.data,
    split,
    teachers: [...teachers],
    trainableTeachers: [...trainableTeachers],
    trainModeTeachers: [...trainModeTeachers],
    epochs,
    steps,
    totalSteps,
    freeze,
    batch,
    seed,
    stepsPerEpoch,
    optimizer: optimizerExpr,
    lets,
    objective,
    evaluate,
    checkpoint,
    clip,
    accumulate,
    reference,
    exports,
    usedModels: scopeOfStage.usedModels,
    modules: trainedModules,
    usedModules: scopeOfStage.usedModules,
  };

  function modelInfo(model: ModelDeclaration) {
    const t = state.models.get(model);
    return t?.kind === "model" ? t.info : undefined;
  }

  /** `best by METRIC on SPLIT [min|max]`: the metric, its split and its direction (KD3037). */
  function checkBest(best: NonNullable<(StageStatement & { kind: "CheckpointStatement" })["best"]>): "min" | "max" | undefined {
    const data = expressions.check(best.split, baseEnv("data"));
    let bestSplit: SplitInfo | undefined;
    if (data.type.kind === "split") {
      bestSplit = data.type.info;
      checkNotTestSplit(bestSplit, best.split.span, report);
    } else if (data.type.kind !== "error")
      report(diagnostic("KD3004", best.split.span, { context: "`checkpoint best … on`", expected: "a dataset split", found: describe(data.type) }));
    fitsData(trained, bestSplit, best.split.span);
    // The metric sees the split it is computed on (labels, token sequences, preference pairs).
    const metricEnv: Env = { ...baseEnv("metric"), stage: stageScope && { ...stageScope, split: bestSplit } };
    const t = expressions.check(best.metric, metricEnv).type;
    if (t.kind === "error") return undefined;
    if (t.kind !== "metric") {
      report(diagnostic("KD3004", best.metric.span, { context: "`checkpoint best by`", expected: "a metric such as `accuracy`", found: describe(t) }));
      return undefined;
    }
    checkMetricsInStage([best.metric], { state, stage: scopeOfStage, split: bestSplit, objectiveOn, report });
    const name = metricName(best.metric);
    const mode = best.mode ?? (name ? metricDirection(name) : undefined);
    if (!mode) report(diagnostic("KD3037", best.metric.span, { metric: name ?? "this metric" }));
    return bestSplit ? mode : undefined;
  }

  function fitsData(model: ModelDeclaration | undefined, data: SplitInfo | undefined, span: Span | undefined): void {
    const t = model && state.models.get(model);
    const detail = modelSplitMismatch(t?.kind === "model" ? t.info : undefined, data);
    if (detail && span) report(diagnostic("KD3029", span, { detail }));
  }

  function missing(setting: string): void {
    complete = false;
    // The parser may have dropped the statement while recovering; it reported that already.
    if (!recoveredWithin(state, decl.span)) report(diagnostic("KD3009", decl.name.span, { stage: decl.name.name, setting }));
  }

  function setting(name: SettingName, read: (e: Expression) => number | undefined): number | undefined {
    const e = settings.get(name);
    if (!e) {
      missing(name);
      return undefined;
    }
    return read(e);
  }

  function known(e: Expression, what: string): Value | undefined {
    const result = expressions.check(e, baseEnv("setting"));
    if (result.type.kind === "error") return undefined;
    if (result.value === undefined) report(diagnostic("KD4001", e.span, { what }));
    return result.value;
  }

  function intAtLeast(e: Expression, what: string, min: number): number | undefined {
    const v = known(e, what);
    if (v === undefined) return undefined;
    if (!isNumber(v) || !Number.isInteger(v)) {
      report(diagnostic("KD3004", e.span, { context: what, expected: "an integer", found: describe(expressions.check(e, baseEnv("setting")).type) }));
      return undefined;
    }
    if (v < min) {
      report(diagnostic("KD3008", e.span, { what, value: `at least ${min}, not ${v}` }));
      return undefined;
    }
    return v;
  }

  function positiveNumber(e: Expression, what: string): number | undefined {
    const v = known(e, what);
    if (v === undefined) return undefined;
    if (!isNumber(v)) {
      report(diagnostic("KD3004", e.span, { context: what, expected: "a number", found: describe(expressions.check(e, baseEnv("setting")).type) }));
      return undefined;
    }
    if (!(v > 0)) {
      report(diagnostic("KD3008", e.span, { what, value: `positive, not ${v}` }));
      return undefined;
    }
    return v;
  }

  /** `every N epochs` or `every N steps`, N a positive integer (KD3023 otherwise). */
  function intervalOf(e: Expression, what: string): { value: number; unit: "epochs" | "steps" } | undefined {
    const v = known(e, what);
    if (v === undefined) return undefined;
    if (!isDuration(v) || v.unit === "percent" || !Number.isInteger(v.value) || v.value < 1) {
      report(diagnostic("KD3023", e.span, { what, expected: "a whole number of epochs or steps (`1 epoch`, `200 steps`)" }));
      return undefined;
    }
    return { value: v.value, unit: v.unit };
  }

  /** The objective's split-dependent problems were it computed on `other` (for the `loss` metric). */
  function objectiveOn(other: SplitInfo): Diagnostic[] {
    const found: Diagnostic[] = [];
    const scope: StageScope = { ...scopeOfStage, split: other, usedModels: new Set(), schedules: [] };
    if (objective) expressions.check(objective, { ...baseEnv("objective"), stage: scope, record: false, report: (d) => found.push(d) });
    return found;
  }

  function checkEvaluate(stmt: EvaluateStatement, dataExpr: Expression): EvaluateInfo | undefined {
    const data = expressions.check(dataExpr, baseEnv("data"));
    let evalSplit: SplitInfo | undefined;
    if (data.type.kind === "split") evalSplit = data.type.info;
    else if (data.type.kind !== "error")
      report(diagnostic("KD3004", dataExpr.span, { context: "`evaluate on`", expected: "a dataset split", found: describe(data.type) }));
    fitsData(trained, evalSplit, dataExpr.span);
    const every = stmt.every ? intervalOf(stmt.every, "`evaluate … every`") : undefined;
    const everyEpochs = every?.unit === "epochs" ? every.value : undefined;
    // Metrics see the evaluated split as theirs (labels, token sequences, preference pairs).
    const metricEnv: Env = { ...baseEnv("metric"), stage: stageScope && { ...stageScope, split: evalSplit } };
    for (const m of stmt.metrics) {
      const t = expressions.check(m, metricEnv).type;
      if (t.kind !== "error" && t.kind !== "metric")
        report(diagnostic("KD3004", m.span, { context: "`evaluate`", expected: "a metric such as `accuracy`", found: describe(t) }));
    }
    checkMetricsInStage(stmt.metrics, { state, stage: scopeOfStage, split: evalSplit, objectiveOn, report });
    if (!evalSplit) return undefined;
    return {
      stmt,
      split: evalSplit,
      data: dataExpr,
      everyEpochs: everyEpochs ?? Number.POSITIVE_INFINITY,
      ...(every?.unit === "steps" ? { everySteps: every.value } : {}),
      metrics: stmt.metrics,
    };
  }
}

function spanOf(symbol: Symbol): Span | undefined {
  switch (symbol.kind) {
    case "param":
    case "dataset":
    case "model":
    case "loss":
    case "stage":
      return symbol.decl.name.span;
    default:
      return undefined;
  }
}
