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

export type BinaryOperator = "+" | "-" | "*" | "/" | "^";

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
  | ListExpression
  | CallExpression
  | MemberExpression
  | IndexExpression
  | BinaryExpression
  | UnaryExpression
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

/** A parameter of a `loss` definition: `T: scalar = 4`. */
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

export interface StageDeclaration extends NodeBase {
  readonly kind: "StageDeclaration";
  readonly name: Identifier;
  readonly after: readonly Identifier[];
  readonly body: readonly StageStatement[];
  readonly doc: DocComment;
}

export type Declaration =
  | ImportDeclaration
  | ParamDeclaration
  | DatasetDeclaration
  | ModelDeclaration
  | LossDeclaration
  | StageDeclaration;

// ── stage statements ─────────────────────────────────────────────────────────

/** `train small on digits.train` */
export interface TrainStatement extends NodeBase {
  readonly kind: "TrainStatement";
  readonly model: Identifier;
  readonly data: Expression;
}

/** `teacher big` or `teacher a, b` */
export interface TeacherStatement extends NodeBase {
  readonly kind: "TeacherStatement";
  readonly models: readonly Identifier[];
}

export type SettingName = "epochs" | "batch" | "seed" | "optimizer";

/** `epochs 20`, `batch 128`, `seed 1`, `optimizer adam(lr: 1e-3)` */
export interface SettingStatement extends NodeBase {
  readonly kind: "SettingStatement";
  readonly setting: SettingName;
  /** The keyword's span, for diagnostics about the setting itself. */
  readonly keywordSpan: Span;
  readonly value: Expression;
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

/** `evaluate on digits.test every 1 epoch { accuracy, agreement(big), ece }` */
export interface EvaluateStatement extends NodeBase {
  readonly kind: "EvaluateStatement";
  readonly data: Expression;
  /** A unit literal (`1 epoch`, `500 steps`); undefined means once, at the end of the stage. */
  readonly every: Expression | undefined;
  readonly metrics: readonly Expression[];
}

/** `checkpoint every 1 epoch keep 3` */
export interface CheckpointStatement extends NodeBase {
  readonly kind: "CheckpointStatement";
  readonly every: Expression | undefined;
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
  | SettingStatement
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
