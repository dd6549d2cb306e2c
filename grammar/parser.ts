// The .kd grammar as a chevrotain CstParser with error recovery. Newlines are insignificant,
// with one exception: a unit word belongs to a number only on the number's line, so that
//
//     batch 128
//     epochs 20
//
// is two settings and not `batch (128 epochs)`.
//
// Recovery is chevrotain's (single-token insertion and deletion, re-synchronisation on follow
// sets, `Missing` partial nodes) with four refinements, because keywords double as names:
// a declaration or statement keyword is a re-synchronisation point only at the start of a
// line; single-token deletion never makes such a keyword the name it expected (see
// `canTokenTypeBeDeletedInRecovery`); re-synchronisation never stops inside brackets opened
// after the error; and a list that goes wrong skips to its own matching closing bracket (see
// `close`).
//
// The parser only recognises; grammar/to-ast.ts turns the CST into the AST and grammar/parse.ts
// turns recognition errors into diagnostics. Error messages are produced by `messages` below as
// small JSON records (what was expected, in words), which parse.ts decodes.
import {
  CstParser,
  EOF,
  MismatchedTokenException,
  tokenMatcher,
  type IParserErrorMessageProvider,
  type IToken,
  type TokenType,
} from "chevrotain";
import {
  Accumulate,
  After,
  allTokens,
  Best,
  By,
  Caret,
  Checkpoint,
  Colon,
  Comma,
  Dataset,
  declarationKeywords,
  describeTokenType,
  Dot,
  DotDot,
  Epoch,
  Equals,
  Evaluate,
  Every,
  Examples,
  Export,
  False,
  Freeze,
  From,
  Identifier,
  Import,
  In,
  Keep,
  LBrace,
  LBracket,
  Let,
  Loss,
  LParen,
  Max,
  Mean,
  Min,
  Minimize,
  Minus,
  Model,
  Module,
  Name,
  None,
  NumberLiteral,
  On,
  Over,
  Param,
  Percent,
  Pipe,
  Plus,
  RBrace,
  RBracket,
  Recipe,
  Reference,
  RParen,
  Run,
  SettingKeyword,
  Slash,
  Stage,
  Star,
  statementKeywords,
  Step,
  StringLiteral,
  Sum,
  Teacher,
  To,
  Tokens,
  Train,
  Trainable,
  True,
  Unit,
} from "./tokens.js";
import { matchBrackets } from "./brackets.js";

/**
 * How deeply expressions may nest (parentheses, brackets, calls, unary minus, `^`). Recursive
 * descent uses the call stack; beyond this the parser stops with a diagnostic instead of
 * overflowing it. Far beyond anything a recipe needs.
 */
export const MAX_NESTING = 100;

/** Thrown (not a recognition error, so chevrotain does not recover) when input nests too deeply. */
export class TooDeepError extends Error {
  constructor(
    readonly token: IToken,
    /** The first token of the declaration being parsed, if any. */
    readonly declarationStart: IToken | undefined,
  ) {
    super("expression nested too deeply");
    this.name = "TooDeepError";
  }
}

/** The payload of a recognition error's message. */
export interface ErrorInfo {
  /** What the parser expected, in words: "a name", "`=`", "an expression", … */
  readonly expected: string;
  /** The closing bracket expected, when that is what was missing. */
  readonly closer?: ")" | "]" | "}";
}

export const DECLARATION = "a declaration (import, param, dataset, model, module, loss, recipe, stage or run)";
export const STAGE_STATEMENT =
  "a stage statement (train, teacher, reference, epochs, steps, batch, seed, optimizer, clip, accumulate, freeze, run, let, minimize, evaluate, checkpoint or export)";
export const EXPRESSION = "an expression";

const closers = new Map<TokenType, ErrorInfo["closer"]>([
  [RParen, ")"],
  [RBracket, "]"],
  [RBrace, "}"],
]);

/** Comma-separated lists, by rule: their closing bracket and what an item is. */
const lists: Record<string, { end: TokenType; open: TokenType; item: string }> = {
  importDeclaration: { end: RBrace, open: LBrace, item: "a name" },
  lossDeclaration: { end: RParen, open: LParen, item: "a parameter" },
  recipeDeclaration: { end: RParen, open: LParen, item: "a parameter" },
  runBlock: { end: RBrace, open: LBrace, item: "a setting (`name: value`)" },
  callSuffix: { end: RParen, open: LParen, item: EXPRESSION },
  listLiteral: { end: RBracket, open: LBracket, item: EXPRESSION },
  evaluateStatement: { end: RBrace, open: LBrace, item: EXPRESSION },
};

function expectedToken(ruleName: string, expected: TokenType, previous: IToken | undefined): ErrorInfo {
  const closer = closers.get(expected);
  const withCloser = (what: string): ErrorInfo => (closer ? { expected: what, closer } : { expected: what });
  if (expected === EOF) return { expected: ruleName === "file" ? DECLARATION : "end of file" };
  if (ruleName === "stageBody" && expected === RBrace) return withCloser("a stage statement or `}`");
  const list = lists[ruleName];
  if (list?.end === expected) {
    // Right after the opening bracket the list is still empty: an item or the end may come.
    const empty = previous !== undefined && tokenMatcher(previous, list.open);
    return withCloser(empty ? `${list.item} or \`${closer}\`` : `\`,\` or \`${closer}\``);
  }
  return withCloser(describeTokenType(expected));
}

function expectedAlternative(ruleName: string): ErrorInfo {
  switch (ruleName) {
    case "file":
    case "declaration":
      return { expected: DECLARATION };
    case "stageStatement":
      return { expected: STAGE_STATEMENT };
    case "stageDeclaration":
      return { expected: "`{` or `=`" };
    case "referenceStatement":
      return { expected: "a name or `none`" };
    case "accumulateStatement":
      return { expected: "`tokens` or `examples`" };
    default:
      return { expected: EXPRESSION };
  }
}

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, ruleName, previous }) =>
    JSON.stringify(expectedToken(ruleName, expected, previous)),
  buildNotAllInputParsedMessage: () => JSON.stringify({ expected: DECLARATION } satisfies ErrorInfo),
  buildNoViableAltMessage: ({ ruleName, expectedPathsPerAlt }) =>
    JSON.stringify(
      // A gated name (see `isListName`) is the only alternative.
      expectedPathsPerAlt.length === 1 && expectedPathsPerAlt[0]!.every((path) => path[0] === Name)
        ? { expected: "a name" }
        : expectedAlternative(ruleName),
    ),
  buildEarlyExitMessage: ({ ruleName }) => JSON.stringify(expectedAlternative(ruleName)),
};

/**
 * Tokens that can never directly follow a complete expression. (`on` can: `checkpoint best by
 * accuracy on …`; so can `steps`, which starts a statement.)
 */
const cannotFollowExpression: readonly TokenType[] = [
  NumberLiteral,
  StringLiteral,
  True,
  False,
  Identifier,
  From,
  To,
  After,
  None,
  Step,
  Epoch,
  Colon,
  Equals,
];

const starters: readonly TokenType[] = [...declarationKeywords, ...statementKeywords];

const isOneOf = (token: IToken, types: readonly TokenType[]): boolean =>
  types.some((type) => tokenMatcher(token, type));

/** Bracket depth after `token`, counting only brackets opened after the starting point. */
function nextDepth(depth: number, token: IToken): number {
  const type = token.tokenType;
  if (type === LParen || type === LBracket || type === LBrace) return depth + 1;
  if (depth > 0 && (type === RParen || type === RBracket || type === RBrace)) return depth - 1;
  return depth;
}

/** Chevrotain internals used by the recovery overrides below (chevrotain 11, pinned). */
interface ParserInternals {
  flattenFollowSet(): TokenType[];
  exportLexerState(): number;
  importLexerState(state: number): void;
  SKIP_TOKEN(): IToken;
  SAVE_ERROR(error: Error): Error;
  getCurrRuleFullName(): string;
  errorMessageProvider: IParserErrorMessageProvider;
}

export class KdParser extends CstParser {
  /** The source text: units and recovery look at line breaks. */
  private text = "";
  private depth = 0;
  private declarationStart: IToken | undefined = undefined;
  /** The closing bracket of each opening bracket in the input (see grammar/brackets.ts). */
  private closing: ReadonlyMap<IToken, IToken> = new Map();

  constructor() {
    super(allTokens as TokenType[], {
      recoveryEnabled: true,
      nodeLocationTracking: "onlyOffset",
      errorMessageProvider: messages,
      maxLookahead: 3,
    });
    this.performSelfAnalysis();
  }

  /** Resets per-parse state and installs the tokens. */
  load(tokens: IToken[], text: string): void {
    this.text = text;
    this.depth = 0;
    this.declarationStart = undefined;
    this.resyncToken = undefined;
    this.closing = matchBrackets(tokens).closing;
    this.input = tokens;
  }

  // ── declarations ───────────────────────────────────────────────────────────

  file = this.RULE("file", () => {
    this.MANY(() => this.SUBRULE(this.declaration));
  });

  declaration = this.RULE("declaration", () => {
    this.ACTION(() => {
      this.declarationStart = this.LA(1);
    });
    this.OR([
      { ALT: () => this.SUBRULE(this.importDeclaration) },
      { ALT: () => this.SUBRULE(this.paramDeclaration) },
      { ALT: () => this.SUBRULE(this.datasetDeclaration) },
      { ALT: () => this.SUBRULE(this.modelDeclaration) },
      { ALT: () => this.SUBRULE(this.moduleDeclaration) },
      { ALT: () => this.SUBRULE(this.lossDeclaration) },
      { ALT: () => this.SUBRULE(this.recipeDeclaration) },
      { ALT: () => this.SUBRULE(this.stageDeclaration) },
      { ALT: () => this.SUBRULE(this.runBlock) },
    ]);
  });

  importDeclaration = this.RULE("importDeclaration", () => {
    this.CONSUME(Import);
    const open = this.CONSUME(LBrace);
    this.CONSUME(Name, { LABEL: "names" });
    this.MANY(() => {
      this.CONSUME(Comma);
      this.CONSUME2(Name, { LABEL: "names" });
    });
    this.OPTION(() => this.CONSUME2(Comma));
    this.close(open, RBrace);
    this.CONSUME(From);
    this.CONSUME(StringLiteral, { LABEL: "from" });
  });

  paramDeclaration = this.RULE("paramDeclaration", () => {
    this.CONSUME(Param);
    this.CONSUME(Name, { LABEL: "name" });
    this.OPTION(() => {
      this.CONSUME(Colon);
      this.CONSUME2(Name, { LABEL: "type" });
    });
    this.CONSUME(Equals);
    this.SUBRULE(this.expression, { LABEL: "value" });
  });

  datasetDeclaration = this.RULE("datasetDeclaration", () => {
    this.CONSUME(Dataset);
    this.CONSUME(Name, { LABEL: "name" });
    this.CONSUME(Equals);
    this.SUBRULE(this.expression, { LABEL: "value" });
  });

  modelDeclaration = this.RULE("modelDeclaration", () => {
    this.CONSUME(Model);
    this.CONSUME(Name, { LABEL: "name" });
    this.CONSUME(Equals);
    this.SUBRULE(this.expression, { LABEL: "value" });
  });

  moduleDeclaration = this.RULE("moduleDeclaration", () => {
    this.CONSUME(Module);
    this.CONSUME(Name, { LABEL: "name" });
    this.CONSUME(Equals);
    this.SUBRULE(this.expression, { LABEL: "value" });
  });

  lossDeclaration = this.RULE("lossDeclaration", () => {
    this.CONSUME(Loss);
    this.CONSUME(Name, { LABEL: "name" });
    const open = this.CONSUME(LParen);
    this.OPTION(() => {
      this.SUBRULE(this.parameter, { LABEL: "params" });
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.parameter, { LABEL: "params" });
      });
      this.OPTION2(() => this.CONSUME2(Comma));
    });
    this.close(open, RParen);
    this.CONSUME(Equals);
    this.SUBRULE(this.expression, { LABEL: "body" });
  });

  parameter = this.RULE("parameter", () => {
    this.CONSUME(Name, { LABEL: "name" });
    this.CONSUME(Colon);
    this.CONSUME2(Name, { LABEL: "type" });
    this.OPTION(() => {
      this.CONSUME(Equals);
      this.SUBRULE(this.expression, { LABEL: "default" });
    });
  });

  /** `recipe NAME(params) { statements }`: a reusable stage body. */
  recipeDeclaration = this.RULE("recipeDeclaration", () => {
    this.CONSUME(Recipe);
    this.CONSUME(Name, { LABEL: "name" });
    const open = this.CONSUME(LParen);
    this.OPTION(() => {
      this.SUBRULE(this.parameter, { LABEL: "params" });
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.parameter, { LABEL: "params" });
      });
      this.OPTION2(() => this.CONSUME2(Comma));
    });
    this.close(open, RParen);
    this.SUBRULE(this.stageBody, { LABEL: "body" });
  });

  /**
   * `stage NAME [after A, B] { … }`, or an instantiation of a recipe:
   * `stage NAME [after A, B] = callee(args) [{ … }]`.
   */
  stageDeclaration = this.RULE("stageDeclaration", () => {
    this.CONSUME(Stage);
    this.CONSUME(Name, { LABEL: "name" });
    this.OPTION(() => {
      this.CONSUME(After);
      this.CONSUME2(Name, { LABEL: "after" });
      this.MANY(() => {
        this.CONSUME(Comma);
        this.OR2([{ GATE: () => this.isListName(), ALT: () => this.CONSUME3(Name, { LABEL: "after" }) }]);
      });
    });
    this.OR([
      {
        ALT: () => {
          this.CONSUME(Equals);
          this.CONSUME4(Name, { LABEL: "callee" });
          this.SUBRULE(this.callSuffix, { LABEL: "template" });
          this.OPTION2(() => this.SUBRULE(this.stageBody, { LABEL: "body" }));
        },
      },
      { ALT: () => this.SUBRULE2(this.stageBody, { LABEL: "body" }) },
    ]);
  });

  stageBody = this.RULE("stageBody", () => {
    const open = this.CONSUME(LBrace);
    this.MANY(() => this.SUBRULE(this.stageStatement, { LABEL: "statements" }));
    this.close(open, RBrace);
  });

  /** `run { backend: wasm, threads: 2 }`: a declaration at the top level, a statement in a stage. */
  runBlock = this.RULE("runBlock", () => {
    this.CONSUME(Run);
    const open = this.CONSUME(LBrace);
    this.OPTION(() => {
      this.SUBRULE(this.runEntry, { LABEL: "entries" });
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.runEntry, { LABEL: "entries" });
      });
      this.OPTION2(() => this.CONSUME2(Comma));
    });
    this.close(open, RBrace);
  });

  runEntry = this.RULE("runEntry", () => {
    this.CONSUME(Name, { LABEL: "name" });
    this.CONSUME(Colon);
    this.SUBRULE(this.expression, { LABEL: "value" });
  });

  // ── stage statements ───────────────────────────────────────────────────────

  stageStatement = this.RULE("stageStatement", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.trainStatement) },
      { ALT: () => this.SUBRULE(this.teacherStatement) },
      { ALT: () => this.SUBRULE(this.referenceStatement) },
      { ALT: () => this.SUBRULE(this.settingStatement) },
      { ALT: () => this.SUBRULE(this.accumulateStatement) },
      { ALT: () => this.SUBRULE(this.freezeStatement) },
      { ALT: () => this.SUBRULE(this.runBlock) },
      { ALT: () => this.SUBRULE(this.letStatement) },
      { ALT: () => this.SUBRULE(this.minimizeStatement) },
      { ALT: () => this.SUBRULE(this.evaluateStatement) },
      { ALT: () => this.SUBRULE(this.checkpointStatement) },
      { ALT: () => this.SUBRULE(this.exportStatement) },
    ]);
  });

  /** `train small on digits.train`, `train small, proj on digits.train` (auxiliary modules trained with it) */
  trainStatement = this.RULE("trainStatement", () => {
    this.CONSUME(Train);
    this.CONSUME(Name, { LABEL: "model" });
    this.MANY(() => {
      this.CONSUME(Comma);
      this.OR([{ GATE: () => this.isListName(), ALT: () => this.CONSUME2(Name, { LABEL: "modules" }) }]);
    });
    this.CONSUME(On);
    this.SUBRULE(this.expression, { LABEL: "data" });
  });

  /** `teacher big trainable, small mode train` (`mode` is contextual: a name only right after a teacher). */
  teacherStatement = this.RULE("teacherStatement", () => {
    this.CONSUME(Teacher);
    this.CONSUME(Name, { LABEL: "models" });
    this.OPTION(() => this.CONSUME(Trainable, { LABEL: "trainable" }));
    this.OPTION3({
      GATE: () => this.isTeacherMode(),
      DEF: () => {
        this.CONSUME3(Name, { LABEL: "modeKeyword" });
        this.CONSUME4(Name, { LABEL: "modes" });
      },
    });
    this.MANY(() => {
      this.CONSUME(Comma);
      this.OR([{ GATE: () => this.isListName(), ALT: () => this.CONSUME2(Name, { LABEL: "models" }) }]);
      this.OPTION2(() => this.CONSUME2(Trainable, { LABEL: "trainable" }));
      this.OPTION4({
        GATE: () => this.isTeacherMode(),
        DEF: () => {
          this.CONSUME5(Name, { LABEL: "modeKeyword" });
          this.CONSUME6(Name, { LABEL: "modes" });
        },
      });
    });
  });

  /** `reference ref = policy` or `reference none` */
  referenceStatement = this.RULE("referenceStatement", () => {
    this.CONSUME(Reference);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(Name, { LABEL: "name" });
          this.CONSUME(Equals);
          this.CONSUME2(Name, { LABEL: "model" });
        },
      },
      { ALT: () => this.CONSUME(None, { LABEL: "none" }) },
    ]);
  });

  /** `accumulate 8`, `accumulate 8 by tokens` */
  accumulateStatement = this.RULE("accumulateStatement", () => {
    this.CONSUME(Accumulate);
    this.SUBRULE(this.expression, { LABEL: "value" });
    this.OPTION(() => {
      this.CONSUME(By);
      this.OR([
        { ALT: () => this.CONSUME(Tokens, { LABEL: "by" }) },
        { ALT: () => this.CONSUME(Examples, { LABEL: "by" }) },
      ]);
    });
  });

  /** `freeze small.hidden[0]` */
  freezeStatement = this.RULE("freezeStatement", () => {
    this.CONSUME(Freeze);
    this.SUBRULE(this.expression, { LABEL: "target" });
  });

  settingStatement = this.RULE("settingStatement", () => {
    this.CONSUME(SettingKeyword, { LABEL: "setting" });
    this.SUBRULE(this.expression, { LABEL: "value" });
  });

  letStatement = this.RULE("letStatement", () => {
    this.CONSUME(Let);
    this.CONSUME(Name, { LABEL: "name" });
    this.CONSUME(Equals);
    this.SUBRULE(this.expression, { LABEL: "value" });
  });

  minimizeStatement = this.RULE("minimizeStatement", () => {
    this.CONSUME(Minimize);
    this.SUBRULE(this.expression, { LABEL: "objective" });
  });

  /** `evaluate on a, b every 1 epoch { metrics }` */
  evaluateStatement = this.RULE("evaluateStatement", () => {
    this.CONSUME(Evaluate);
    this.CONSUME(On);
    this.SUBRULE(this.expression, { LABEL: "data" });
    this.MANY2(() => {
      this.CONSUME3(Comma);
      this.SUBRULE5(this.expression, { LABEL: "data" });
    });
    this.OPTION(() => {
      this.CONSUME(Every);
      this.SUBRULE2(this.expression, { LABEL: "every" });
    });
    const open = this.CONSUME(LBrace);
    this.OPTION2(() => {
      this.SUBRULE3(this.expression, { LABEL: "metrics" });
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE4(this.expression, { LABEL: "metrics" });
      });
      this.OPTION3(() => this.CONSUME2(Comma));
    });
    this.close(open, RBrace);
  });

  /** `checkpoint [every E] [best by METRIC on SPLIT [min|max]] [keep N]` */
  checkpointStatement = this.RULE("checkpointStatement", () => {
    this.CONSUME(Checkpoint);
    this.OPTION(() => {
      this.CONSUME(Every);
      this.SUBRULE(this.expression, { LABEL: "every" });
    });
    this.OPTION3(() => {
      this.CONSUME(Best);
      this.CONSUME(By);
      this.SUBRULE3(this.expression, { LABEL: "metric" });
      this.CONSUME(On);
      this.SUBRULE4(this.expression, { LABEL: "split" });
      this.OPTION4(() =>
        this.OR([
          { ALT: () => this.CONSUME(Min, { LABEL: "mode" }) },
          { ALT: () => this.CONSUME(Max, { LABEL: "mode" }) },
        ]),
      );
    });
    this.OPTION2(() => {
      this.CONSUME(Keep);
      this.SUBRULE2(this.expression, { LABEL: "keep" });
    });
  });

  exportStatement = this.RULE("exportStatement", () => {
    this.CONSUME(Export);
    this.CONSUME(Name, { LABEL: "model" });
    this.CONSUME(To);
    this.CONSUME(StringLiteral, { LABEL: "path" });
  });

  // ── expressions ────────────────────────────────────────────────────────────

  /** expression := additive (">>" additive)*   (the pipeline binds loosest, left-associative) */
  expression = this.RULE("expression", () => {
    this.SUBRULE(this.additive, { LABEL: "operands" });
    this.MANY(() => {
      this.CONSUME(Pipe, { LABEL: "operators" });
      this.SUBRULE2(this.additive, { LABEL: "operands" });
    });
  });

  /** additive := multiplicative (("+" | "-") multiplicative)* */
  additive = this.RULE("additive", () => {
    this.SUBRULE(this.multiplicative, { LABEL: "operands" });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(Plus, { LABEL: "operators" }) },
        { ALT: () => this.CONSUME(Minus, { LABEL: "operators" }) },
      ]);
      this.SUBRULE2(this.multiplicative, { LABEL: "operands" });
    });
  });

  multiplicative = this.RULE("multiplicative", () => {
    this.SUBRULE(this.unary, { LABEL: "operands" });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(Star, { LABEL: "operators" }) },
        { ALT: () => this.CONSUME(Slash, { LABEL: "operators" }) },
      ]);
      this.SUBRULE2(this.unary, { LABEL: "operands" });
    });
  });

  /** Every level of nesting passes through here, so this is where depth is counted. */
  unary = this.RULE("unary", () => {
    this.depth++;
    try {
      if (this.depth > MAX_NESTING) throw new TooDeepError(this.LA(1), this.declarationStart);
      this.OR([
        {
          ALT: () => {
            this.CONSUME(Minus, { LABEL: "operator" });
            this.SUBRULE(this.unary, { LABEL: "operand" });
          },
        },
        { ALT: () => this.SUBRULE(this.power, { LABEL: "operand" }) },
      ]);
    } finally {
      this.depth--;
    }
  });

  /** power := postfix ("^" unary)?   (right-associative, binds tighter than unary minus) */
  power = this.RULE("power", () => {
    this.SUBRULE(this.postfix, { LABEL: "base" });
    this.OPTION(() => {
      this.CONSUME(Caret);
      this.SUBRULE(this.unary, { LABEL: "exponent" });
    });
  });

  postfix = this.RULE("postfix", () => {
    this.SUBRULE(this.primary, { LABEL: "primary" });
    this.MANY(() =>
      this.OR([
        { ALT: () => this.SUBRULE(this.callSuffix, { LABEL: "suffixes" }) },
        { ALT: () => this.SUBRULE(this.memberSuffix, { LABEL: "suffixes" }) },
        { ALT: () => this.SUBRULE(this.indexSuffix, { LABEL: "suffixes" }) },
      ]),
    );
  });

  callSuffix = this.RULE("callSuffix", () => {
    const open = this.CONSUME(LParen);
    this.OPTION(() => {
      this.SUBRULE(this.argument, { LABEL: "args" });
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.argument, { LABEL: "args" });
      });
      this.OPTION2(() => this.CONSUME2(Comma));
    });
    this.close(open, RParen);
  });

  memberSuffix = this.RULE("memberSuffix", () => {
    this.CONSUME(Dot);
    this.CONSUME(Name, { LABEL: "property" });
  });

  indexSuffix = this.RULE("indexSuffix", () => {
    const open = this.CONSUME(LBracket);
    this.SUBRULE(this.expression, { LABEL: "index" });
    this.close(open, RBracket);
  });

  argument = this.RULE("argument", () => {
    this.OPTION(() => {
      this.CONSUME(Name, { LABEL: "name" });
      this.CONSUME(Colon);
    });
    this.SUBRULE(this.expression, { LABEL: "value" });
  });

  primary = this.RULE("primary", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(NumberLiteral, { LABEL: "number" });
          this.OPTION({
            GATE: () => tokenMatcher(this.LA(1), Percent) || this.unitOnSameLine(),
            DEF: () =>
              this.OR2([
                { ALT: () => this.CONSUME(Unit, { LABEL: "unit" }) },
                { ALT: () => this.CONSUME(Percent, { LABEL: "percent" }) },
              ]),
          });
        },
      },
      { ALT: () => this.CONSUME(StringLiteral, { LABEL: "string" }) },
      { ALT: () => this.CONSUME(True, { LABEL: "boolean" }) },
      { ALT: () => this.CONSUME(False, { LABEL: "boolean" }) },
      // Before the name: `sum` and `mean` are names unless `over` follows.
      { ALT: () => this.SUBRULE(this.comprehension, { LABEL: "comprehension" }) },
      { GATE: () => this.nameIsExpression(), ALT: () => this.CONSUME(Name, { LABEL: "name" }) },
      { ALT: () => this.SUBRULE(this.listLiteral, { LABEL: "list" }) },
      {
        ALT: () => {
          const open = this.CONSUME(LParen);
          this.SUBRULE(this.expression, { LABEL: "parenthesized" });
          this.close(open, RParen);
        },
      },
    ]);
  });

  /** `sum over i in 0..3 { body }`, `mean over …` (the range is half-open). */
  comprehension = this.RULE("comprehension", () => {
    this.OR([
      { ALT: () => this.CONSUME(Sum, { LABEL: "reducer" }) },
      { ALT: () => this.CONSUME(Mean, { LABEL: "reducer" }) },
    ]);
    this.CONSUME(Over);
    this.CONSUME(Name, { LABEL: "variable" });
    this.CONSUME(In);
    this.SUBRULE(this.expression, { LABEL: "from" });
    this.CONSUME(DotDot);
    this.SUBRULE2(this.expression, { LABEL: "to" });
    const open = this.CONSUME(LBrace);
    this.SUBRULE3(this.expression, { LABEL: "body" });
    this.close(open, RBrace);
  });

  listLiteral = this.RULE("listLiteral", () => {
    const open = this.CONSUME(LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.expression, { LABEL: "items" });
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.expression, { LABEL: "items" });
      });
      this.OPTION2(() => this.CONSUME2(Comma));
    });
    this.close(open, RBracket);
  });

  // ── recovery ───────────────────────────────────────────────────────────────
  //
  // Chevrotain re-synchronises after an error at the next token that may follow one of the
  // rules being parsed. Keywords are also names, so that token is often a word in the middle
  // of a line (`digits.train`, `5 epochs`) and parsing resumes inside the broken statement,
  // which yields a second, spurious error. These overrides of chevrotain's recovery accept a
  // declaration or statement keyword as a resynchronisation point only at the start of a line.

  /** The token found by the last `findReSyncTokenType`, where `reSyncTo` stops. */
  private resyncToken: IToken | undefined = undefined;

  private get internals(): ParserInternals {
    return this as unknown as ParserInternals;
  }

  /**
   * Consumes the closing bracket of `open`. When something else stands there and `open` has a
   * matching closing bracket further on, reports one error and skips to that bracket, so that
   * a mistake inside brackets does not end the enclosing statement early.
   */
  private close(open: IToken, closer: TokenType): void {
    this.ACTION(() => {
      const target = this.closing.get(open);
      const found = this.LA(1);
      if (!target || tokenMatcher(found, closer) || found.tokenType === EOF || target.startOffset < found.startOffset)
        return;
      const previous = this.LA(0);
      const message = this.internals.errorMessageProvider.buildMismatchTokenMessage({
        expected: closer,
        actual: found,
        previous,
        ruleName: this.internals.getCurrRuleFullName(),
      });
      this.internals.SAVE_ERROR(new MismatchedTokenException(message, found, previous));
      while (this.LA(1) !== target && this.LA(1).tokenType !== EOF) this.SKIP_TOKEN();
    });
    this.CONSUME(closer);
  }

  /**
   * Chevrotain hook for single-token deletion: recovery may drop LA(1) and take LA(2) as the
   * `tokType` expected, except when LA(2) is a declaration or statement keyword that starts a
   * line: that keyword begins the next declaration or statement (`stage s = 3` ⏎ `model m = …`
   * must not read `model` as the recipe's name).
   */
  protected override canTokenTypeBeDeletedInRecovery(_tokType: TokenType): boolean {
    return !(isOneOf(this.LA(2), starters) && this.startsLine(2));
  }

  /**
   * Whether LA(1) may be the next name of a comma-separated list (`teacher a, b`, `after a, b`):
   * not a declaration or statement keyword that starts a line, which begins the next one
   * (`teacher big,` ⏎ `epochs 2` has a stray comma, not a teacher called `epochs`).
   */
  /** `mode NAME` on the teacher's line. */
  private isTeacherMode(): boolean {
    return tokenMatcher(this.LA(1), Name) && this.LA(1).image === "mode" && tokenMatcher(this.LA(2), Name) && !this.startsLine(1) && !this.startsLine(2);
  }

  private isListName(): boolean {
    return !(isOneOf(this.LA(1), starters) && this.startsLine(1));
  }

  /** Whether LA(k) is the first token on its line. */
  private startsLine(k: number): boolean {
    const previous = this.LA(k - 1);
    const token = this.LA(k);
    const end = previous.endOffset;
    if (end === undefined || !Number.isFinite(end) || !Number.isFinite(token.startOffset)) return true;
    return this.text.slice(end + 1, token.startOffset).includes("\n");
  }

  private isResyncPoint(k: number): boolean {
    return !isOneOf(this.LA(k), starters) || this.startsLine(k);
  }

  /**
   * Overrides chevrotain: the first token ahead that may follow a rule on the stack, outside
   * any bracket opened after the error.
   */
  findReSyncTokenType(): TokenType {
    const follows = this.internals.flattenFollowSet();
    let depth = 0;
    for (let k = 1; ; k++) {
      const token = this.LA(k);
      if (token.tokenType === EOF) {
        this.resyncToken = token;
        return EOF;
      }
      if (depth === 0 && this.isResyncPoint(k)) {
        const match = follows.find((type) => tokenMatcher(token, type));
        if (match !== undefined) {
          this.resyncToken = token;
          return match;
        }
      }
      depth = nextDepth(depth, token);
    }
  }

  /** Overrides chevrotain: skips to the token `findReSyncTokenType` chose. */
  reSyncTo(type: TokenType): IToken[] {
    const target = this.resyncToken;
    const resynced: IToken[] = [];
    const reached = (token: IToken): boolean =>
      target !== undefined && tokenMatcher(target, type) ? token === target : tokenMatcher(token, type);
    while (!reached(this.LA(1)) && this.LA(1).tokenType !== EOF) resynced.push(this.internals.SKIP_TOKEN());
    return resynced.slice(0, -1);
  }

  /**
   * Overrides chevrotain's recovery inside a repetition (a declaration list, a stage body):
   * skip to the next token that starts an item of the repetition (at the start of a line, for
   * keywords) or to what follows the repetition, and report one error.
   */
  tryInRepetitionRecovery(
    grammarRule: (...args: unknown[]) => unknown,
    grammarRuleArgs: unknown[],
    lookAheadFunc: () => boolean,
    expectedTokType: TokenType,
  ): void {
    const internals = this.internals;
    const reSyncTokType = this.findReSyncTokenType();
    const resyncToken = this.resyncToken;
    const savedLexerState = internals.exportLexerState();
    const skipped: IToken[] = [];
    const found = this.LA(1);
    const report = (): void => {
      const previous = this.LA(0);
      const message = internals.errorMessageProvider.buildMismatchTokenMessage({
        expected: expectedTokType,
        actual: found,
        previous,
        ruleName: internals.getCurrRuleFullName(),
      });
      const error = new MismatchedTokenException(message, found, previous);
      error.resyncedTokens = skipped.slice(0, -1);
      internals.SAVE_ERROR(error);
    };
    let depth = 0;
    for (;;) {
      const current = this.LA(1);
      if (depth === 0 && tokenMatcher(current, expectedTokType)) {
        report();
        return;
      }
      if (depth === 0 && lookAheadFunc.call(this) && this.isResyncPoint(1)) {
        report();
        grammarRule.apply(this, grammarRuleArgs);
        return;
      }
      if (
        current === resyncToken ||
        current.tokenType === EOF ||
        (resyncToken === undefined && tokenMatcher(current, reSyncTokType))
      ) {
        break;
      }
      depth = nextDepth(depth, current);
      skipped.push(internals.SKIP_TOKEN());
    }
    internals.importLexerState(savedLexerState);
  }

  // ── gates ──────────────────────────────────────────────────────────────────

  /** A unit word belongs to the number before it only on the same line. */
  private unitOnSameLine(): boolean {
    const number = this.LA(0);
    const unit = this.LA(1);
    if (!Number.isFinite(number.endOffset) || !Number.isFinite(unit.startOffset)) return false;
    return !this.text.slice((number.endOffset ?? 0) + 1, unit.startOffset).includes("\n");
  }

  /**
   * Keywords are names, but a keyword that begins a declaration or a statement and is followed
   * by something that can never follow an expression (`model small = …`, `epochs 20`) is the
   * start of the next declaration or statement, not an operand. Refusing it here lets the
   * parser report the missing expression and recover at that keyword.
   */
  private nameIsExpression(): boolean {
    const first = this.LA(1);
    const second = this.LA(2);
    // `accumulate by tokens`: the value is missing, `by` is not it.
    if (first.tokenType === By) return !isOneOf(second, [Tokens, Examples]);
    if (first.tokenType === Identifier || !isOneOf(first, starters)) return true;
    if (first.tokenType === Import) return !tokenMatcher(second, LBrace);
    if (first.tokenType === Checkpoint && isOneOf(second, [Every, Keep, Best])) return false;
    // `evaluate on` and `run {` are names in the middle of a line (`checkpoint best by evaluate
    // on d`, `evaluate on run { … }`), statements at its start.
    if (first.tokenType === Evaluate && tokenMatcher(second, On)) return !this.startsLine(1);
    if (first.tokenType === Run && tokenMatcher(second, LBrace)) return !this.startsLine(1);
    return !isOneOf(second, cannotFollowExpression);
  }
}

let shared: KdParser | undefined;

/** The parser is expensive to build (grammar analysis), so one instance is shared. */
export function kdParser(): KdParser {
  shared ??= new KdParser();
  return shared;
}
