// The .kd abstract syntax tree. Readonly, every node has a `kind` and a `span`.
// Names and types found later live in side tables; nothing mutates the AST.
// A parse error that the parser recovered from becomes a `Missing` node, which later
// phases skip silently so one typo gives one diagnostic.
import type { Span } from "../compiler/source.js";

interface NodeBase {
  readonly span: Span;
}

// ── expressions ──────────────────────────────────────────────────────────────

export interface Identifier extends NodeBase {
  readonly kind: "Identifier";
  readonly name: string;
}

export interface NumberLiteral extends NodeBase {
  readonly kind: "NumberLiteral";
  readonly value: number;
  /** The digits as written (`1e-3`), so the printer keeps the author's form. */
  readonly raw: string;
}

export interface StringLiteral extends NodeBase {
  readonly kind: "StringLiteral";
  /** The decoded value (escapes resolved). */
  readonly value: string;
}

export interface BooleanLiteral extends NodeBase {
  readonly kind: "BooleanLiteral";
  readonly value: boolean;
}

export type Unit = "steps" | "epochs";

/** `200 steps`, `3 epochs`, `1 epoch` (singular and plural are the same unit). */
export interface UnitLiteral extends NodeBase {
  readonly kind: "UnitLiteral";
  readonly value: NumberLiteral;
  readonly unit: Unit;
  /** The unit word as written (`epoch` or `epochs`), for the printer. */
  readonly unitText: string;
}

/** `10%` (a fraction of something the context names: `warmup: 10%` is a tenth of the stage). */
export interface PercentLiteral extends NodeBase {
  readonly kind: "PercentLiteral";
  /** The number as written before the `%` (`10` for `10%`). */
  readonly value: NumberLiteral;
}

export interface ListExpression extends NodeBase {
  readonly kind: "ListExpression";
  readonly items: readonly Expression[];
}

export interface Argument extends NodeBase {
  readonly kind: "Argument";
  /** Present for a named argument (`T: 4`). */
  readonly name: Identifier | undefined;
  readonly value: Expression;
}

export interface CallExpression extends NodeBase {
  readonly kind: "CallExpression";
  readonly callee: Expression;
  readonly args: readonly Argument[];
}

export interface MemberExpression extends NodeBase {
  readonly kind: "MemberExpression";
  readonly object: Expression;
  readonly property: Identifier;
}

export interface IndexExpression extends NodeBase {
  readonly kind: "IndexExpression";
  readonly object: Expression;
  readonly index: Expression;
}

/** `>>` is the pipeline (`conv(kernel: 1) >> batchnorm >> relu`): loosest, left-associative. */
export type BinaryOperator = "+" | "-" | "*" | "/" | "^" | ">>";

export interface BinaryExpression extends NodeBase {
  readonly kind: "BinaryExpression";
  readonly operator: BinaryOperator;
  readonly left: Expression;
  readonly right: Expression;
}

export interface UnaryExpression extends NodeBase {
  readonly kind: "UnaryExpression";
  readonly operator: "-";
  readonly operand: Expression;
}

/**
 * `sum over i in 0..3 { body }`, `mean over i in 0..n { body }`: `body` evaluated with
 * `variable` bound to each integer of the half-open range [from, to) (0, 1, 2 for `0..3`),
 * then summed or averaged.
 */
export interface ComprehensionExpression extends NodeBase {
  readonly kind: "ComprehensionExpression";
  readonly reducer: "sum" | "mean";
  readonly variable: Identifier;
  readonly from: Expression;
  /** Exclusive. */
  readonly to: Expression;
  readonly body: Expression;
}

/** Stands where the parser expected something and recovered; never reported again. */
export interface Missing extends NodeBase {
  readonly kind: "Missing";
}

export type Expression =
  | Identifier
  | NumberLiteral
  | StringLiteral
  | BooleanLiteral
  | UnitLiteral
  | PercentLiteral
  | ListExpression
  | CallExpression
  | MemberExpression
  | IndexExpression
  | BinaryExpression
  | UnaryExpression
  | ComprehensionExpression
  | Missing;

// ── types written in source (`param T: float`, `loss f(s: model)`) ─────────────

export interface TypeReference extends NodeBase {
  readonly kind: "TypeReference";
  readonly name: Identifier;
}

// ── declarations ─────────────────────────────────────────────────────────────

/** `/// text` lines directly above a declaration, joined with newlines, without the slashes. */
export type DocComment = string | undefined;

export interface ImportDeclaration extends NodeBase {
  readonly kind: "ImportDeclaration";
  readonly names: readonly Identifier[];
  readonly from: StringLiteral;
  readonly doc: DocComment;
}

export interface ParamDeclaration extends NodeBase {
  readonly kind: "ParamDeclaration";
  readonly name: Identifier;
  readonly type: TypeReference | undefined;
  readonly value: Expression;
  readonly doc: DocComment;
}

export interface DatasetDeclaration extends NodeBase {
  readonly kind: "DatasetDeclaration";
  readonly name: Identifier;
  readonly value: Expression;
  readonly doc: DocComment;
}

export interface ModelDeclaration extends NodeBase {
  readonly kind: "ModelDeclaration";
  readonly name: Identifier;
  readonly value: Expression;
  readonly doc: DocComment;
}

/** `module proj = linear(out: 64) >> relu >> linear(out: 10)`: an auxiliary trainable network (a pipeline of layers). */
export interface ModuleDeclaration extends NodeBase {
  readonly kind: "ModuleDeclaration";
  readonly name: Identifier;
  readonly value: Expression;
  readonly doc: DocComment;
}

/** A parameter of a `loss` or `recipe` definition: `T: scalar = 4`. */
export interface Parameter extends NodeBase {
  readonly kind: "Parameter";
  readonly name: Identifier;
  readonly type: TypeReference;
  readonly default: Expression | undefined;
}

export interface LossDeclaration extends NodeBase {
  readonly kind: "LossDeclaration";
  readonly name: Identifier;
  readonly params: readonly Parameter[];
  readonly body: Expression;
  readonly doc: DocComment;
}

/** `recipe distill_with(student: model, data: split, T: scalar = 4) { statements }` */
export interface RecipeDeclaration extends NodeBase {
  readonly kind: "RecipeDeclaration";
  readonly name: Identifier;
  readonly params: readonly Parameter[];
  readonly body: readonly StageStatement[];
  readonly doc: DocComment;
}

/**
 * `stage NAME [after A, B] { statements }`, or `stage NAME [after A, B] = recipe(args) [{ statements }]`
 * (the recipe's statements, then these).
 */
export interface StageDeclaration extends NodeBase {
  readonly kind: "StageDeclaration";
  readonly name: Identifier;
  readonly after: readonly Identifier[];
  /** The recipe instantiated (`= distill_with(small, big, digits.train)`); its callee is an Identifier. */
  readonly template: CallExpression | undefined;
  /** Empty when written without braces (`stage s = r(…)`) or with empty ones. */
  readonly body: readonly StageStatement[];
  readonly doc: DocComment;
}

/** `run { backend: wasm, threads: 2, precision: float32 }` at the top level: the recipe's execution settings. */
export interface RunDeclaration extends NodeBase {
  readonly kind: "RunDeclaration";
  /** Every entry is named (`name` is always set). */
  readonly entries: readonly Argument[];
  readonly doc: DocComment;
}

export type Declaration =
  | ImportDeclaration
  | ParamDeclaration
  | DatasetDeclaration
  | ModelDeclaration
  | ModuleDeclaration
  | LossDeclaration
  | RecipeDeclaration
  | StageDeclaration
  | RunDeclaration;

// ── stage statements ─────────────────────────────────────────────────────────

/** `train small on digits.train`, `train small, proj on digits.train` */
export interface TrainStatement extends NodeBase {
  readonly kind: "TrainStatement";
  readonly model: Identifier;
  /** Auxiliary `module`s trained together with `model` (the names after the first). */
  readonly modules: readonly Identifier[];
  readonly data: Expression;
}

/** `teacher big`, `teacher a, b` or `teacher big trainable, small` */
export interface TeacherStatement extends NodeBase {
  readonly kind: "TeacherStatement";
  readonly models: readonly Identifier[];
  /** Parallel to `models`: `trainable[i]` when `trainable` follows `models[i]`. */
  readonly trainable: readonly boolean[];
  /**
   * Parallel to `models`: the word after `mode` (`teacher big mode train`), as written (the checker
   * accepts `train` and `eval`); undefined when unstated (inference mode).
   */
  readonly modes?: readonly (Identifier | undefined)[];
}

/**
 * `reference ref = policy`: `ref` names a frozen snapshot of `policy` taken when the stage starts.
 * `reference none`: explicitly reference-free (both fields undefined).
 */
export interface ReferenceStatement extends NodeBase {
  readonly kind: "ReferenceStatement";
  readonly name: Identifier | undefined;
  readonly model: Identifier | undefined;
}

export type SettingName = "epochs" | "steps" | "batch" | "seed" | "optimizer" | "clip";

/**
 * `epochs 20`, `steps 500` (train for a number of steps instead of epochs), `batch 128`,
 * `seed 1`, `optimizer adam(lr: 1e-3)`, `clip 1.0` (gradient clipping by global norm)
 */
export interface SettingStatement extends NodeBase {
  readonly kind: "SettingStatement";
  readonly setting: SettingName;
  /** The keyword's span, for diagnostics about the setting itself. */
  readonly keywordSpan: Span;
  readonly value: Expression;
}

/** `accumulate 8`, `accumulate 8 by tokens`: gradient accumulation over 8 batches. */
export interface AccumulateStatement extends NodeBase {
  readonly kind: "AccumulateStatement";
  readonly value: Expression;
  /** Undefined when written without `by` (the default, by examples, is for the checker to state). */
  readonly by: "examples" | "tokens" | undefined;
}

/** `freeze small.hidden[0]`, `freeze small` */
export interface FreezeStatement extends NodeBase {
  readonly kind: "FreezeStatement";
  readonly target: Expression;
}

/** `run { threads: 2 }` inside a stage: execution settings for that stage. */
export interface RunStatement extends NodeBase {
  readonly kind: "RunStatement";
  /** Every entry is named (`name` is always set). */
  readonly entries: readonly Argument[];
}

/** `let temp = linear(from: 2 * T, to: T)`, local to its stage. */
export interface LetStatement extends NodeBase {
  readonly kind: "LetStatement";
  readonly name: Identifier;
  readonly value: Expression;
}

/** `minimize hinton(small, big, T: temp)` */
export interface MinimizeStatement extends NodeBase {
  readonly kind: "MinimizeStatement";
  readonly objective: Expression;
}

/** `evaluate on digits.val, digits.test every 1 epoch { accuracy, agreement(big), ece }` */
export interface EvaluateStatement extends NodeBase {
  readonly kind: "EvaluateStatement";
  /** The first split. */
  readonly data: Expression;
  /** The splits after the first (`digits.test` above); empty for one split. */
  readonly also: readonly Expression[];
  /** A unit literal (`1 epoch`, `500 steps`); undefined means once, at the end of the stage. */
  readonly every: Expression | undefined;
  readonly metrics: readonly Expression[];
}

/** `best by accuracy on digits.val`, `best by ece on digits.val min` */
export interface CheckpointBest {
  readonly metric: Expression;
  readonly split: Expression;
  /** Written `min` or `max`; undefined leaves it to the metric (higher accuracy, lower ece is better). */
  readonly mode: "max" | "min" | undefined;
}

/**
 * `checkpoint every 1 epoch keep 3`, `checkpoint best by accuracy on digits.val keep 2`; the
 * clauses come in this order: `every`, `best`, `keep`.
 */
export interface CheckpointStatement extends NodeBase {
  readonly kind: "CheckpointStatement";
  readonly every: Expression | undefined;
  readonly best: CheckpointBest | undefined;
  readonly keep: Expression | undefined;
}

/** `export small to "runs/mnist/student"` */
export interface ExportStatement extends NodeBase {
  readonly kind: "ExportStatement";
  readonly model: Identifier;
  readonly path: StringLiteral;
}

export type StageStatement =
  | TrainStatement
  | TeacherStatement
  | ReferenceStatement
  | SettingStatement
  | AccumulateStatement
  | FreezeStatement
  | RunStatement
  | LetStatement
  | MinimizeStatement
  | EvaluateStatement
  | CheckpointStatement
  | ExportStatement;

// ── file ─────────────────────────────────────────────────────────────────────

export interface Comment {
  readonly span: Span;
  /** The full comment text including its delimiters (line, doc or block comment). */
  readonly text: string;
}

export interface Program extends NodeBase {
  readonly kind: "Program";
  readonly file: string;
  readonly declarations: readonly Declaration[];
  /** Every comment in the file (doc comments too), in source order, for the formatter. */
  readonly comments: readonly Comment[];
}

export type Node =
  | Program
  | Declaration
  | StageStatement
  | Expression
  | Argument
  | Parameter
  | TypeReference;
