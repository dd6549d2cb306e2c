// fast-check arbitraries for .kd ASTs: every node kind that the parser can produce from valid
// text (no `Missing`), with dummy spans. Names come from a safe alphabet plus the contextual
// keywords, so the property also checks that keywords work as names.
import fc from "fast-check";
import type {
  Argument,
  CallExpression,
  CheckpointBest,
  Declaration,
  DocComment,
  Expression,
  Identifier,
  NumberLiteral,
  Parameter,
  Program,
  SettingName,
  StageStatement,
  StringLiteral,
  TypeReference,
} from "../../grammar/ast.js";

export const FILE = "generated.kd";
const S = { file: FILE, start: 0, end: 0 };

/** Keywords that are also names (everything but `true` and `false`). */
export const contextualKeywords = [
  "import",
  "from",
  "param",
  "dataset",
  "model",
  "loss",
  "stage",
  "after",
  "train",
  "on",
  "teacher",
  "epochs",
  "batch",
  "seed",
  "optimizer",
  "let",
  "minimize",
  "evaluate",
  "every",
  "checkpoint",
  "keep",
  "export",
  "to",
  "step",
  "steps",
  "epoch",
  "module",
  "recipe",
  "run",
  "trainable",
  "reference",
  "none",
  "clip",
  "accumulate",
  "by",
  "tokens",
  "examples",
  "freeze",
  "best",
  "min",
  "max",
  "sum",
  "mean",
  "over",
  "in",
];

const plainName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,5}$/).filter((n) => n !== "true" && n !== "false");

/** A name where the grammar expects a name (declarations, parameters, properties, …). */
const nameText = fc.oneof(
  { weight: 3, arbitrary: plainName },
  { weight: 1, arbitrary: fc.constantFrom(...contextualKeywords) },
);

/**
 * A name used as an expression. `import {` and `checkpoint every|keep|best` read as the start of
 * a declaration or statement, so those two keywords are left out here. (`evaluate on` and
 * `run {` do so only at the start of a line, where the printer never puts an expression.)
 */
const expressionNameText = nameText.filter((n) => n !== "import" && n !== "checkpoint");

const identifier = (text: fc.Arbitrary<string>): fc.Arbitrary<Identifier> =>
  text.map((name) => ({ kind: "Identifier", name, span: S }));

const name = identifier(nameText);

const typeReference: fc.Arbitrary<TypeReference> = name.map((n) => ({ kind: "TypeReference", name: n, span: S }));

const numberRaw = fc.oneof(
  fc.nat({ max: 100_000 }).map(String),
  fc.tuple(fc.nat({ max: 99 }), fc.nat({ max: 999 })).map(([a, b]) => `${a}.${b}`),
  fc
    .tuple(
      fc.nat({ max: 9 }),
      fc.option(fc.nat({ max: 9 }), { nil: undefined }),
      fc.constantFrom("e", "E"),
      fc.constantFrom("", "+", "-"),
      fc.nat({ max: 20 }),
    )
    .map(([m, f, e, sign, x]) => `${m}${f === undefined ? "" : `.${f}`}${e}${sign}${x}`),
);

const numberLiteral: fc.Arbitrary<NumberLiteral> = numberRaw.map((raw) => ({
  kind: "NumberLiteral",
  value: Number(raw),
  raw,
  span: S,
}));

const stringValue = fc
  .array(fc.constantFrom("a", "Z", " ", '"', "\\", "\n", "\t", "\r", "é", "😀", "\u0001", "{", "/", "*", "u"), {
    maxLength: 8,
  })
  .map((cs) => cs.join(""));

const stringLiteral: fc.Arbitrary<StringLiteral> = stringValue.map((value) => ({
  kind: "StringLiteral",
  value,
  span: S,
}));

const percentLiteral = numberLiteral.map((value) => ({ kind: "PercentLiteral" as const, value, span: S }));

const atom: fc.Arbitrary<Expression> = fc.oneof(
  identifier(expressionNameText),
  numberLiteral,
  stringLiteral,
  fc.boolean().map((value) => ({ kind: "BooleanLiteral" as const, value, span: S })),
  fc.tuple(numberLiteral, fc.constantFrom("step", "steps", "epoch", "epochs")).map(([value, unitText]) => ({
    kind: "UnitLiteral" as const,
    value,
    unit: unitText.startsWith("step") ? ("steps" as const) : ("epochs" as const),
    unitText,
    span: S,
  })),
  percentLiteral,
);

const { expression, argument } = fc.letrec<{ expression: Expression; argument: Argument }>((tie) => ({
  expression: fc.oneof(
    { maxDepth: 4, depthSize: "small" },
    atom,
    fc
      .tuple(fc.constantFrom("+", "-", "*", "/", "^", ">>" as const), tie("expression"), tie("expression"))
      .map(([operator, left, right]) => ({ kind: "BinaryExpression" as const, operator, left, right, span: S })),
    tie("expression").map((operand) => ({
      kind: "UnaryExpression" as const,
      operator: "-" as const,
      operand,
      span: S,
    })),
    fc
      .tuple(tie("expression"), fc.array(tie("argument"), { maxLength: 3 }))
      .map(([callee, args]) => ({ kind: "CallExpression" as const, callee, args, span: S })),
    fc
      .tuple(tie("expression"), name)
      .map(([object, property]) => ({ kind: "MemberExpression" as const, object, property, span: S })),
    fc
      .tuple(tie("expression"), tie("expression"))
      .map(([object, index]) => ({ kind: "IndexExpression" as const, object, index, span: S })),
    fc.array(tie("expression"), { maxLength: 3 }).map((items) => ({ kind: "ListExpression" as const, items, span: S })),
    fc
      .tuple(fc.constantFrom("sum", "mean" as const), name, tie("expression"), tie("expression"), tie("expression"))
      .map(([reducer, variable, from, to, body]) => ({
        kind: "ComprehensionExpression" as const,
        reducer,
        variable,
        from,
        to,
        body,
        span: S,
      })),
  ),
  argument: fc
    .tuple(fc.option(name, { nil: undefined }), tie("expression"))
    .map(([n, value]) => ({ kind: "Argument" as const, name: n, value, span: S })),
}));

export const expressionArb: fc.Arbitrary<Expression> = expression;

const doc: fc.Arbitrary<DocComment> = fc.option(
  fc
    .array(
      fc.array(fc.constantFrom("a", "b", " ", "/", "`", "é", "*"), { maxLength: 6 }).map((cs) => cs.join("")),
      { minLength: 1, maxLength: 3 },
    )
    .map((lines) => lines.join("\n")),
  { nil: undefined },
);

const parameter: fc.Arbitrary<Parameter> = fc
  .tuple(name, typeReference, fc.option(expression, { nil: undefined }))
  .map(([n, type, d]) => ({ kind: "Parameter", name: n, type, default: d, span: S }));

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

/** `= callee(args)` of a stage: the callee is always a name. */
const template: fc.Arbitrary<CallExpression> = fc
  .tuple(name, fc.array(argument, { maxLength: 3 }))
  .map(([callee, args]) => ({ kind: "CallExpression", callee, args, span: S }));

/** Named arguments: the entries of a `run { … }` block. */
const entries = fc
  .array(fc.tuple(name, expression), { maxLength: 3 })
  .map((pairs) => pairs.map(([n, value]) => ({ kind: "Argument" as const, name: n, value, span: S })));

const best: fc.Arbitrary<CheckpointBest> = fc
  .tuple(expression, expression, fc.constantFrom(undefined, "min" as const, "max" as const))
  .map(([metric, split, mode]) => ({ metric, split, mode }));

const statement: fc.Arbitrary<StageStatement> = fc.oneof(
  fc.tuple(name, fc.array(name, { maxLength: 2 }), expression).map(([model, modules, data]) => ({ kind: "TrainStatement" as const, model, modules, data, span: S })),
  fc.array(fc.tuple(name, fc.boolean(), fc.option(name, { nil: undefined })), { minLength: 1, maxLength: 3 }).map((triples) => ({
    kind: "TeacherStatement" as const,
    models: triples.map(([m]) => m),
    trainable: triples.map(([, t]) => t),
    ...(triples.some(([, , mode]) => mode) ? { modes: triples.map(([, , mode]) => mode) } : {}),
    span: S,
  })),
  fc.oneof(
    fc.constant({ kind: "ReferenceStatement" as const, name: undefined, model: undefined, span: S }),
    fc.tuple(name, name).map(([n, model]) => ({ kind: "ReferenceStatement" as const, name: n, model, span: S })),
  ),
  fc
    .tuple(fc.constantFrom<SettingName>("epochs", "steps", "batch", "seed", "optimizer", "clip"), expression)
    .map(([setting, value]) => ({ kind: "SettingStatement" as const, setting, keywordSpan: S, value, span: S })),
  fc
    .tuple(expression, fc.constantFrom(undefined, "tokens" as const, "examples" as const))
    .map(([value, by]) => ({ kind: "AccumulateStatement" as const, value, by, span: S })),
  expression.map((target) => ({ kind: "FreezeStatement" as const, target, span: S })),
  entries.map((e) => ({ kind: "RunStatement" as const, entries: e, span: S })),
  fc.tuple(name, expression).map(([n, value]) => ({ kind: "LetStatement" as const, name: n, value, span: S })),
  expression.map((objective) => ({ kind: "MinimizeStatement" as const, objective, span: S })),
  fc
    .tuple(
      expression,
      fc.array(expression, { maxLength: 2 }),
      optional(expression),
      fc.array(expression, { maxLength: 3 }),
    )
    .map(([data, also, every, metrics]) => ({
      kind: "EvaluateStatement" as const,
      data,
      also,
      every,
      metrics,
      span: S,
    })),
  fc
    .tuple(optional(expression), optional(best), optional(expression))
    .map(([every, b, keep]) => ({ kind: "CheckpointStatement" as const, every, best: b, keep, span: S })),
  fc.tuple(name, stringLiteral).map(([model, path]) => ({ kind: "ExportStatement" as const, model, path, span: S })),
);

const declaration: fc.Arbitrary<Declaration> = fc.oneof(
  fc
    .tuple(fc.array(name, { minLength: 1, maxLength: 3 }), stringLiteral, doc)
    .map(([names, from, d]) => ({ kind: "ImportDeclaration" as const, names, from, doc: d, span: S })),
  fc
    .tuple(name, optional(typeReference), expression, doc)
    .map(([n, type, value, d]) => ({ kind: "ParamDeclaration" as const, name: n, type, value, doc: d, span: S })),
  fc
    .tuple(name, expression, doc)
    .map(([n, value, d]) => ({ kind: "DatasetDeclaration" as const, name: n, value, doc: d, span: S })),
  fc
    .tuple(name, expression, doc)
    .map(([n, value, d]) => ({ kind: "ModelDeclaration" as const, name: n, value, doc: d, span: S })),
  fc
    .tuple(name, fc.array(parameter, { maxLength: 3 }), expression, doc)
    .map(([n, params, body, d]) => ({ kind: "LossDeclaration" as const, name: n, params, body, doc: d, span: S })),
  fc
    .tuple(name, expression, doc)
    .map(([n, value, d]) => ({ kind: "ModuleDeclaration" as const, name: n, value, doc: d, span: S })),
  fc
    .tuple(name, fc.array(parameter, { maxLength: 3 }), fc.array(statement, { maxLength: 4 }), doc)
    .map(([n, params, body, d]) => ({ kind: "RecipeDeclaration" as const, name: n, params, body, doc: d, span: S })),
  fc
    .tuple(name, fc.array(name, { maxLength: 2 }), optional(template), fc.array(statement, { maxLength: 5 }), doc)
    .map(([n, after, t, body, d]) => ({
      kind: "StageDeclaration" as const,
      name: n,
      after,
      template: t,
      body,
      doc: d,
      span: S,
    })),
  fc.tuple(entries, doc).map(([e, d]) => ({ kind: "RunDeclaration" as const, entries: e, doc: d, span: S })),
);

export const programArb: fc.Arbitrary<Program> = fc
  .array(declaration, { maxLength: 5 })
  .map((declarations) => ({ kind: "Program", file: FILE, span: S, declarations, comments: [] }));
