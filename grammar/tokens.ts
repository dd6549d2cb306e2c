// Token definitions for the .kd language (chevrotain).
//
// Keywords are contextual: every keyword except `true` and `false` belongs to the `Name`
// category, so a rule that consumes `Name` also accepts `batch`, `from`, `model`, `epochs` …
// wherever a name is expected (`batch.label`, `cosine(from: 1e-3)`, `loss f(s: model)`).
// Comments are not skipped: they go to the `comments` group so that doc comments can be
// attached to declarations and the formatter can keep every comment.
import { createToken, Lexer, type TokenType } from "chevrotain";

/** The chevrotain token group that collects comments. */
export const COMMENTS_GROUP = "comments";

// ── categories ───────────────────────────────────────────────────────────────

/** Anything usable as a name: a plain identifier or a (contextual) keyword. */
export const Name = createToken({ name: "Name", pattern: Lexer.NA });

/** The unit words of a unit literal: `steps`, `step`, `epochs`, `epoch`. */
export const Unit = createToken({ name: "Unit", pattern: Lexer.NA });

/** The keywords of a setting statement: `epochs`, `steps`, `batch`, `seed`, `optimizer`, `clip`. */
export const SettingKeyword = createToken({ name: "SettingKeyword", pattern: Lexer.NA });

// ── trivia ───────────────────────────────────────────────────────────────────

export const WhiteSpace = createToken({
  name: "WhiteSpace",
  pattern: /\s+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});

/** `/// text`: documentation for the declaration directly below. `////` is an ordinary comment. */
export const DocComment = createToken({
  name: "DocComment",
  pattern: /\/\/\/(?!\/)[^\r\n]*/,
  group: COMMENTS_GROUP,
});

export const LineComment = createToken({
  name: "LineComment",
  pattern: /\/\/[^\r\n]*/,
  group: COMMENTS_GROUP,
});

export const BlockComment = createToken({
  name: "BlockComment",
  pattern: /\/\*[\s\S]*?\*\//,
  group: COMMENTS_GROUP,
  line_breaks: true,
});

/** A `/*` that is never closed runs to the end of the file; the lexer reports KD0003. */
export const UnterminatedBlockComment = createToken({
  name: "UnterminatedBlockComment",
  pattern: /\/\*[\s\S]*/,
  group: COMMENTS_GROUP,
  line_breaks: true,
});

// ── literals ─────────────────────────────────────────────────────────────────

/**
 * A double-quoted string on one line. The closing quote is optional in the pattern so that
 * an unterminated string still becomes a token (the lexer reports KD0002 and the parser goes
 * on); escapes are checked and decoded by the lexer (see `decodeString`).
 */
export const StringLiteral = createToken({
  name: "StringLiteral",
  pattern: /"(?:[^"\\\r\n]|\\[^\r\n]?)*"?/,
});

/** `12`, `0.9`, `1e-3`, `2.5E+4`. No sign: `-1` is a unary minus. */
export const NumberLiteral = createToken({
  name: "NumberLiteral",
  pattern: /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/,
});

export const Identifier = createToken({
  name: "Identifier",
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  categories: [Name],
});

// ── keywords ─────────────────────────────────────────────────────────────────

const keyword = (word: string, name: string, ...categories: TokenType[]): TokenType =>
  createToken({
    name,
    pattern: new RegExp(word),
    longer_alt: Identifier,
    categories: [Name, ...categories],
  });

export const Import = keyword("import", "Import");
export const From = keyword("from", "From");
export const Param = keyword("param", "Param");
export const Dataset = keyword("dataset", "Dataset");
export const Model = keyword("model", "Model");
export const Module = keyword("module", "Module");
export const Loss = keyword("loss", "Loss");
export const Recipe = keyword("recipe", "Recipe");
export const Stage = keyword("stage", "Stage");
export const After = keyword("after", "After");
export const Run = keyword("run", "Run");
export const Train = keyword("train", "Train");
export const On = keyword("on", "On");
export const Teacher = keyword("teacher", "Teacher");
export const Trainable = keyword("trainable", "Trainable");
export const Reference = keyword("reference", "Reference");
export const None = keyword("none", "None");
export const Batch = keyword("batch", "Batch", SettingKeyword);
export const Seed = keyword("seed", "Seed", SettingKeyword);
export const Optimizer = keyword("optimizer", "Optimizer", SettingKeyword);
export const Clip = keyword("clip", "Clip", SettingKeyword);
export const Accumulate = keyword("accumulate", "Accumulate");
export const By = keyword("by", "By");
export const Tokens = keyword("tokens", "Tokens");
export const Examples = keyword("examples", "Examples");
export const Freeze = keyword("freeze", "Freeze");
export const Let = keyword("let", "Let");
export const Minimize = keyword("minimize", "Minimize");
export const Evaluate = keyword("evaluate", "Evaluate");
export const Every = keyword("every", "Every");
export const Checkpoint = keyword("checkpoint", "Checkpoint");
export const Best = keyword("best", "Best");
export const Min = keyword("min", "Min");
export const Max = keyword("max", "Max");
export const Keep = keyword("keep", "Keep");
export const Export = keyword("export", "Export");
export const To = keyword("to", "To");
export const Sum = keyword("sum", "Sum");
export const Mean = keyword("mean", "Mean");
export const Over = keyword("over", "Over");
export const In = keyword("in", "In");
// Unit words. `epochs` and `steps` are also stage settings.
export const Epochs = keyword("epochs", "Epochs", Unit, SettingKeyword);
export const Epoch = keyword("epoch", "Epoch", Unit);
export const Steps = keyword("steps", "Steps", Unit, SettingKeyword);
export const Step = keyword("step", "Step", Unit);

/** Boolean literals are reserved: not names. */
export const True = createToken({ name: "True", pattern: /true/, longer_alt: Identifier });
export const False = createToken({ name: "False", pattern: /false/, longer_alt: Identifier });

// ── operators and punctuation ────────────────────────────────────────────────

export const Plus = createToken({ name: "Plus", pattern: "+" });
export const Minus = createToken({ name: "Minus", pattern: "-" });
export const Star = createToken({ name: "Star", pattern: "*" });
export const Slash = createToken({ name: "Slash", pattern: "/" });
export const Caret = createToken({ name: "Caret", pattern: "^" });
/** `>>`, the pipeline operator (`conv(kernel: 1) >> batchnorm >> relu`). */
export const Pipe = createToken({ name: "Pipe", pattern: ">>" });
/** `%` after a number: `10%`. */
export const Percent = createToken({ name: "Percent", pattern: "%" });
export const Equals = createToken({ name: "Equals", pattern: "=" });
export const Colon = createToken({ name: "Colon", pattern: ":" });
export const Comma = createToken({ name: "Comma", pattern: "," });
/** `..`, the half-open range of a comprehension (`0..3` is 0, 1, 2). Tried before `.`. */
export const DotDot = createToken({ name: "DotDot", pattern: ".." });
export const Dot = createToken({ name: "Dot", pattern: "." });
export const LParen = createToken({ name: "LParen", pattern: "(" });
export const RParen = createToken({ name: "RParen", pattern: ")" });
export const LBracket = createToken({ name: "LBracket", pattern: "[" });
export const RBracket = createToken({ name: "RBracket", pattern: "]" });
export const LBrace = createToken({ name: "LBrace", pattern: "{" });
export const RBrace = createToken({ name: "RBrace", pattern: "}" });

/** Every keyword (lexing order is by length, see `allTokens`). */
export const keywordTokens: readonly TokenType[] = [
  Import,
  From,
  Param,
  Dataset,
  Model,
  Module,
  Loss,
  Recipe,
  Stage,
  After,
  Run,
  Train,
  On,
  Teacher,
  Trainable,
  Reference,
  None,
  Batch,
  Seed,
  Optimizer,
  Clip,
  Accumulate,
  By,
  Tokens,
  Examples,
  Freeze,
  Let,
  Minimize,
  Evaluate,
  Every,
  Checkpoint,
  Best,
  Min,
  Max,
  Keep,
  Export,
  To,
  Sum,
  Mean,
  Over,
  In,
  Epochs,
  Epoch,
  Steps,
  Step,
];

const patternLength = (type: TokenType): number => (type.PATTERN instanceof RegExp ? type.PATTERN.source.length : 0);

/**
 * Keywords, longest first: a keyword that is a prefix of another (`to` of `tokens`, `train` of
 * `trainable`, `min` of `minimize`, `epoch` of `epochs`) would otherwise match first and lose
 * the longer word to Identifier through `longer_alt`.
 */
const keywordsLongestFirst = [...keywordTokens].sort((a, b) => patternLength(b) - patternLength(a));

/** Every token type, in the order the lexer tries them (first match wins). */
export const allTokens: readonly TokenType[] = [
  WhiteSpace,
  DocComment,
  LineComment,
  BlockComment,
  UnterminatedBlockComment,
  StringLiteral,
  NumberLiteral,
  True,
  False,
  ...keywordsLongestFirst,
  Identifier,
  Plus,
  Minus,
  Star,
  Slash,
  Caret,
  Pipe,
  Percent,
  Equals,
  Colon,
  Comma,
  DotDot,
  Dot,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Name,
  Unit,
  SettingKeyword,
];

/** The unit words of a unit literal (`200 steps`, `1 epoch`). */
export const unitTokens: readonly TokenType[] = [Steps, Step, Epochs, Epoch];

/** The keywords that begin a declaration. */
export const declarationKeywords: readonly TokenType[] = [
  Import,
  Param,
  Dataset,
  Model,
  Module,
  Loss,
  Recipe,
  Stage,
  Run,
];

/** The keywords that begin a stage statement. */
export const statementKeywords: readonly TokenType[] = [
  Train,
  Teacher,
  Reference,
  Epochs,
  Steps,
  Batch,
  Seed,
  Optimizer,
  Clip,
  Accumulate,
  Freeze,
  Run,
  Let,
  Minimize,
  Evaluate,
  Checkpoint,
  Export,
];

/** How a token type is named in "expected …" messages. */
export function describeTokenType(type: TokenType): string {
  switch (type) {
    case Name:
    case Identifier:
      return "a name";
    case StringLiteral:
      return "a string";
    case Unit:
      return "a unit (`steps` or `epochs`)";
    case SettingKeyword:
      return "a setting (`epochs`, `steps`, `batch`, `seed`, `optimizer` or `clip`)";
    case NumberLiteral:
      return "a number";
    case True:
    case False:
      return `\`${type.name.toLowerCase()}\``;
    default: {
      const pattern = type.PATTERN;
      if (typeof pattern === "string") return `\`${pattern}\``;
      if (pattern instanceof RegExp && /^[a-z]+$/.test(pattern.source)) return `\`${pattern.source}\``;
      return type.name;
    }
  }
}
