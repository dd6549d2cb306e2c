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

/** The keywords of a setting statement: `epochs`, `batch`, `seed`, `optimizer`. */
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
export const Loss = keyword("loss", "Loss");
export const Stage = keyword("stage", "Stage");
export const After = keyword("after", "After");
export const Train = keyword("train", "Train");
export const On = keyword("on", "On");
export const Teacher = keyword("teacher", "Teacher");
export const Batch = keyword("batch", "Batch", SettingKeyword);
export const Seed = keyword("seed", "Seed", SettingKeyword);
export const Optimizer = keyword("optimizer", "Optimizer", SettingKeyword);
export const Let = keyword("let", "Let");
export const Minimize = keyword("minimize", "Minimize");
export const Evaluate = keyword("evaluate", "Evaluate");
export const Every = keyword("every", "Every");
export const Checkpoint = keyword("checkpoint", "Checkpoint");
export const Keep = keyword("keep", "Keep");
export const Export = keyword("export", "Export");
export const To = keyword("to", "To");
// Unit words. The longer word comes first: `epoch` with longer_alt would otherwise lose
// `epochs` to Identifier. `epochs` is also the stage setting.
export const Epochs = keyword("epochs", "Epochs", Unit, SettingKeyword);
export const Epoch = keyword("epoch", "Epoch", Unit);
export const Steps = keyword("steps", "Steps", Unit);
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
export const Equals = createToken({ name: "Equals", pattern: "=" });
export const Colon = createToken({ name: "Colon", pattern: ":" });
export const Comma = createToken({ name: "Comma", pattern: "," });
export const Dot = createToken({ name: "Dot", pattern: "." });
export const LParen = createToken({ name: "LParen", pattern: "(" });
export const RParen = createToken({ name: "RParen", pattern: ")" });
export const LBracket = createToken({ name: "LBracket", pattern: "[" });
export const RBracket = createToken({ name: "RBracket", pattern: "]" });
export const LBrace = createToken({ name: "LBrace", pattern: "{" });
export const RBrace = createToken({ name: "RBrace", pattern: "}" });

/** Keywords in lexing order. */
export const keywordTokens: readonly TokenType[] = [
  Import,
  From,
  Param,
  Dataset,
  Model,
  Loss,
  Stage,
  After,
  Train,
  On,
  Teacher,
  Batch,
  Seed,
  Optimizer,
  Let,
  Minimize,
  Evaluate,
  Every,
  Checkpoint,
  Keep,
  Export,
  To,
  Epochs,
  Epoch,
  Steps,
  Step,
];

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
  ...keywordTokens,
  Identifier,
  Plus,
  Minus,
  Star,
  Slash,
  Caret,
  Equals,
  Colon,
  Comma,
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
export const declarationKeywords: readonly TokenType[] = [Import, Param, Dataset, Model, Loss, Stage];

/** The keywords that begin a stage statement. */
export const statementKeywords: readonly TokenType[] = [
  Train,
  Teacher,
  Epochs,
  Batch,
  Seed,
  Optimizer,
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
      return "a setting (`epochs`, `batch`, `seed` or `optimizer`)";
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
