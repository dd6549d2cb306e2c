// The lexer: text → tokens, comments and lexical diagnostics. Never throws.
import { Lexer, type IToken } from "chevrotain";
import type { Comment } from "./ast.js";
import { diagnostic, type Diagnostic } from "../compiler/diagnostics/diagnostic.js";
import { span } from "../compiler/source.js";
import { allTokens, COMMENTS_GROUP, StringLiteral, UnterminatedBlockComment } from "./tokens.js";

export interface LexResult {
  /** Significant tokens, in source order (no whitespace, no comments). */
  readonly tokens: IToken[];
  /** Comment tokens, in source order. */
  readonly commentTokens: IToken[];
  /** Every comment (doc comments too), in source order. */
  readonly comments: Comment[];
  readonly diagnostics: Diagnostic[];
}

const kdLexer = new Lexer(allTokens as never, {
  positionTracking: "full",
  ensureOptimizations: false,
});

/** Start offset and exclusive end offset of a token. */
export function tokenStart(token: IToken): number {
  return token.startOffset;
}
export function tokenEnd(token: IToken): number {
  return (token.endOffset ?? token.startOffset + token.image.length - 1) + 1;
}

export function lex(file: string, text: string): LexResult {
  const diagnostics: Diagnostic[] = [];
  let result;
  try {
    result = kdLexer.tokenize(text);
  } catch (e) {
    return {
      tokens: [],
      commentTokens: [],
      comments: [],
      diagnostics: [diagnostic("KD9001", span(file, 0, 0), { detail: `lexer: ${String(e)}` })],
    };
  }

  for (const error of result.errors) {
    const length = Math.max(1, error.length);
    diagnostics.push(
      diagnostic("KD0001", span(file, error.offset, error.offset + length), {
        text: truncate(text.slice(error.offset, error.offset + length)),
      }),
    );
  }

  const tokens = result.tokens;
  for (const token of tokens) {
    if (token.tokenType === StringLiteral) {
      const decoded = decodeString(token.image);
      for (const problem of decoded.problems) {
        const start = token.startOffset + problem.start;
        diagnostics.push(
          diagnostic("KD0001", span(file, start, token.startOffset + problem.end), { text: problem.text }),
        );
      }
      if (!decoded.terminated)
        diagnostics.push(diagnostic("KD0002", span(file, tokenStart(token), tokenEnd(token)), {}));
    }
  }

  const commentTokens = (result.groups[COMMENTS_GROUP] ?? []) as IToken[];
  const comments: Comment[] = [];
  for (const token of commentTokens) {
    comments.push({ span: span(file, tokenStart(token), tokenEnd(token)), text: token.image });
    if (token.tokenType === UnterminatedBlockComment) {
      diagnostics.push(diagnostic("KD0003", span(file, token.startOffset, token.startOffset + 2), {}));
    }
  }

  diagnostics.sort((a, b) => (a.span?.start ?? 0) - (b.span?.start ?? 0));
  return { tokens, commentTokens, comments, diagnostics };
}

function truncate(s: string): string {
  return s.length > 24 ? `${s.slice(0, 24)}…` : s;
}

export interface DecodedString {
  readonly value: string;
  /** Whether the closing quote is there. */
  readonly terminated: boolean;
  /** Invalid escapes, as offsets relative to the token start. */
  readonly problems: readonly { start: number; end: number; text: string }[];
}

/**
 * Decodes the image of a string token (`"a\n"`, possibly without its closing quote).
 * Valid escapes: `\" \\ \n \t \r \u{hex}` (a code point up to 10FFFF).
 */
export function decodeString(image: string): DecodedString {
  let value = "";
  const problems: { start: number; end: number; text: string }[] = [];
  let i = 1; // after the opening quote
  while (i < image.length) {
    const c = image[i]!;
    if (c === '"') return { value, terminated: i === image.length - 1, problems };
    if (c !== "\\") {
      value += c;
      i++;
      continue;
    }
    const next = image[i + 1];
    switch (next) {
      case '"':
      case "\\":
        value += next;
        i += 2;
        continue;
      case "n":
        value += "\n";
        i += 2;
        continue;
      case "t":
        value += "\t";
        i += 2;
        continue;
      case "r":
        value += "\r";
        i += 2;
        continue;
      case "u": {
        const m = /^\\u\{([0-9a-fA-F]{1,6})\}/.exec(image.slice(i));
        const code = m ? parseInt(m[1]!, 16) : NaN;
        if (m && code <= 0x10ffff) {
          value += String.fromCodePoint(code);
          i += m[0].length;
          continue;
        }
        const bad = m ? m[0] : "\\u";
        problems.push({ start: i, end: i + bad.length, text: bad });
        i += bad.length;
        continue;
      }
      case undefined:
        // A backslash at the end of the line: the string is unterminated, reported as such.
        i += 1;
        continue;
      default:
        problems.push({ start: i, end: i + 2, text: `\\${next}` });
        value += next;
        i += 2;
    }
  }
  return { value, terminated: false, problems };
}

/** Escapes a string value so that `decodeString` gives it back (used by the printer). */
export function encodeString(value: string): string {
  let out = '"';
  for (const ch of value) {
    switch (ch) {
      case '"':
        out += '\\"';
        break;
      case "\\":
        out += "\\\\";
        break;
      case "\n":
        out += "\\n";
        break;
      case "\t":
        out += "\\t";
        break;
      case "\r":
        out += "\\r";
        break;
      default: {
        const code = ch.codePointAt(0)!;
        if (code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029) {
          out += `\\u{${code.toString(16)}}`;
        } else out += ch;
      }
    }
  }
  return `${out}"`;
}
