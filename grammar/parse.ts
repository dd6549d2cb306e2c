// parse(file, text) → { value: Program, diagnostics }. Never throws.
//
// Diagnostics:
//  - lexer errors (KD0001–KD0003) come from grammar/lexer.ts;
//  - a recognition error becomes KD1001 `expected X, found Y` at the offending token (end of
//    file: a zero-width span at the end of the text), or KD1002 at the opening bracket when the
//    cause is a bracket that is never closed;
//  - cascades are cut: at most one parser diagnostic per source line, none on a line that
//    already has a lexer diagnostic, and one KD1002 per unclosed bracket;
//  - input nested deeper than MAX_NESTING (parser recursion), or a declaration whose AST is
//    deeper than MAX_AST_DEPTH (a 10,000-term sum is a 10,000-deep tree), gives KD1001
//    "expected a shallower expression" and the declaration is left out of the AST, so that no
//    later phase's recursive walk can overflow the stack;
//  - anything unexpected becomes KD9001 (internal error) with an empty program.
import { EOF, tokenMatcher, type IRecognitionException, type IToken } from "chevrotain";
import type { Declaration, Program } from "./ast.js";
import { diagnostic, type Diagnostic } from "../compiler/diagnostics/diagnostic.js";
import { SourceFile, span, type Span } from "../compiler/source.js";
import { closerOf, matchBrackets } from "./brackets.js";
import { lex } from "./lexer.js";
import { DECLARATION, kdParser, TooDeepError, type ErrorInfo } from "./parser.js";
import { recordSource } from "./program-source.js";
import { toAst } from "./to-ast.js";
import { declarationKeywords, Import, LBrace, Name } from "./tokens.js";

export interface ParseResult {
  readonly value: Program;
  readonly diagnostics: Diagnostic[];
}

export function parse(file: string, text: string): ParseResult {
  try {
    return parseOrThrow(file, text);
  } catch (e) {
    const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    const value: Program = { kind: "Program", file, span: span(file, 0, text.length), declarations: [], comments: [] };
    return { value, diagnostics: [diagnostic("KD9001", span(file, 0, 0), { detail: `parser: ${detail}` })] };
  }
}

function parseOrThrow(file: string, text: string): ParseResult {
  const lexed = lex(file, text);
  const parser = kdParser();
  const tooDeep: Anchored[] = [];

  let tokens = lexed.tokens;
  let cst;
  for (;;) {
    parser.load(tokens, text);
    try {
      cst = parser.file();
      break;
    } catch (e) {
      if (!(e instanceof TooDeepError)) throw e;
      tooDeep.push({
        diagnostic: diagnostic("KD1001", tokenSpan(file, text, e.token), {
          expected: "a shallower expression",
          found: found(e.token),
        }),
        anchor: isEof(e.token) ? text.length : e.token.startOffset,
      });
      tokens = withoutDeclaration(tokens, e);
    }
  }
  const errors = [...parser.errors];

  const parseDiagnostics = [...tooDeep, ...recognitionDiagnostics(file, text, tokens, errors)];
  const diagnostics = [...lexed.diagnostics, ...dropCascades(text, lexed.diagnostics, parseDiagnostics)];

  const built = toAst({ file, text, cst, commentTokens: lexed.commentTokens, comments: lexed.comments });
  const declarations: Declaration[] = [];
  for (const d of built.declarations) {
    const deep = tooDeepNode(d);
    if (!deep) {
      declarations.push(d);
      continue;
    }
    const token = tokenAt(tokens, deep.span.start);
    diagnostics.push(
      diagnostic("KD1001", token ? tokenSpan(file, text, token) : deep.span, {
        expected: "a shallower expression",
        found: token ? found(token) : "a deeper one",
      }),
    );
  }
  const value: Program = declarations.length === built.declarations.length ? built : { ...built, declarations };
  diagnostics.sort((a, b) => (a.span?.start ?? 0) - (b.span?.start ?? 0));
  recordSource(value, text);
  return { value, diagnostics };
}

/**
 * The most AST nodes on a path from a declaration down. Later phases walk the tree
 * recursively; this keeps them well inside the call stack.
 */
export const MAX_AST_DEPTH = 1000;

interface SpannedNode {
  readonly kind: string;
  readonly span: Span;
}

/** The first node found below `root` deeper than MAX_AST_DEPTH (walked without recursion). */
function tooDeepNode(root: Declaration): SpannedNode | undefined {
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (Array.isArray(value)) {
      for (const item of value) stack.push([item, depth]);
      continue;
    }
    if (value === null || typeof value !== "object") continue;
    const record = value as Record<string, unknown>;
    const isNode = typeof record["kind"] === "string";
    const below = isNode ? depth + 1 : depth;
    if (isNode && below > MAX_AST_DEPTH) return record as unknown as SpannedNode;
    for (const [key, child] of Object.entries(record)) {
      if (key !== "span" && key !== "keywordSpan" && child !== null && typeof child === "object")
        stack.push([child, below]);
    }
  }
  return undefined;
}

/** The token that starts at `offset`, if any. */
function tokenAt(tokens: readonly IToken[], offset: number): IToken | undefined {
  let lo = 0;
  let hi = tokens.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const t = tokens[mid]!;
    if (t.startOffset === offset) return t;
    if (t.startOffset < offset) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

// ── recognition errors ───────────────────────────────────────────────────────

const isEof = (token: IToken): boolean => token.tokenType === EOF || !Number.isFinite(token.startOffset);

/** Whether `token` is on a later line than `previous`. */
function startsLine(text: string, previous: IToken, token: IToken): boolean {
  const from = (previous.endOffset ?? previous.startOffset) + 1;
  const to = isEof(token) ? text.length : token.startOffset;
  return text.slice(from, to).includes("\n");
}

function tokenSpan(file: string, text: string, token: IToken) {
  if (isEof(token)) return span(file, text.length, text.length);
  return span(file, token.startOffset, (token.endOffset ?? token.startOffset) + 1);
}

function found(token: IToken): string {
  if (isEof(token)) return "end of file";
  const image = token.image.length > 24 ? `${token.image.slice(0, 24)}…` : token.image;
  return `\`${image}\``;
}

function decodeInfo(message: string): ErrorInfo {
  try {
    const info = JSON.parse(message) as ErrorInfo;
    if (typeof info.expected === "string") return info;
  } catch {
    // fall through
  }
  return { expected: "something else" };
}

/** A parser diagnostic and the offset whose line it belongs to for cascade suppression. */
interface Anchored {
  readonly diagnostic: Diagnostic;
  readonly anchor: number;
}

function recognitionDiagnostics(
  file: string,
  text: string,
  tokens: readonly IToken[],
  errors: readonly IRecognitionException[],
): Anchored[] {
  const { unclosed } = matchBrackets(tokens);
  const reported = new Set<IToken>();
  const result: Anchored[] = [];
  for (const error of errors) {
    const token = error.token;
    const info = decodeInfo(error.message);
    const at = isEof(token) ? text.length : token.startOffset;
    // The line an error belongs to, for cascade suppression: its token's line, except that a
    // part missing at the end of a line (`param p =` ⏎ `model …`) is found on the next line
    // but belongs to the line before.
    const previous = (error as { previousToken?: IToken }).previousToken;
    const startsItem = info.expected === DECLARATION || info.expected.startsWith("a stage statement");
    const anchor =
      previous && !isEof(previous) && !startsItem && startsLine(text, previous, token) ? previous.startOffset : at;
    let opener: IToken | undefined;
    for (const u of unclosed) if (u.startOffset < at) opener = u;
    const closes = opener && info.closer !== undefined && closerOf.get(opener.tokenType)?.PATTERN === info.closer;
    if (opener && (closes || isEof(token))) {
      if (reported.has(opener)) continue;
      reported.add(opener);
      result.push({
        diagnostic: diagnostic("KD1002", tokenSpan(file, text, opener), { what: `\`${opener.image}\`` }),
        anchor,
      });
      continue;
    }
    result.push({
      diagnostic: diagnostic("KD1001", tokenSpan(file, text, token), { expected: info.expected, found: found(token) }),
      anchor,
    });
  }
  return result;
}

/**
 * Cuts cascades: at most one parser diagnostic per line (see `anchor`), none on a line that
 * has a lexer diagnostic, and no "never closed" or "end of file" error that an unterminated
 * string or comment explains (it may have swallowed the closing bracket).
 */
function dropCascades(text: string, lexical: readonly Diagnostic[], parsed: readonly Anchored[]): Diagnostic[] {
  const source = new SourceFile("", text);
  const lines = new Set(lexical.map((d) => source.position(d.span?.start ?? 0).line));
  const swallowing = lexical.filter((d) => d.code === "KD0002" || d.code === "KD0003").map((d) => d.span?.start ?? 0);
  const kept: Diagnostic[] = [];
  for (const { diagnostic: d, anchor } of [...parsed].sort((a, b) => a.anchor - b.anchor)) {
    const line = source.position(anchor).line;
    if (lines.has(line)) continue;
    const start = d.span?.start ?? 0;
    const atEnd = start === text.length;
    if ((d.code === "KD1002" || atEnd) && swallowing.some((s) => s > start || atEnd)) continue;
    lines.add(line);
    kept.push(d);
  }
  return kept;
}

// ── too deep ─────────────────────────────────────────────────────────────────

/**
 * The tokens without the declaration that nests too deeply: from its first token up to the
 * next token that plainly starts a declaration (a declaration keyword followed by a name, or
 * `import {`). Always shorter than `tokens`.
 */
function withoutDeclaration(tokens: IToken[], error: TooDeepError): IToken[] {
  let deepIndex = tokens.indexOf(error.token);
  if (deepIndex < 0) deepIndex = tokens.length;
  const startIndex = error.declarationStart ? tokens.indexOf(error.declarationStart) : -1;
  const from = startIndex >= 0 && startIndex <= deepIndex ? startIndex : deepIndex;
  let to = tokens.length;
  for (let i = deepIndex + 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!declarationKeywords.some((k) => tokenMatcher(t, k))) continue;
    const next = tokens[i + 1];
    if (next && (t.tokenType === Import ? next.tokenType === LBrace : tokenMatcher(next, Name))) {
      to = i;
      break;
    }
  }
  const rest = [...tokens.slice(0, from), ...tokens.slice(to)];
  return rest.length < tokens.length ? rest : tokens.slice(0, Math.max(0, Math.min(from, tokens.length - 1)));
}
