// Bracket matching over a token list, independent of the grammar. The parser uses it to
// recover at the right closing bracket; parse.ts uses it to report brackets never closed.
import type { IToken, TokenType } from "chevrotain";
import { LBrace, LBracket, LParen, RBrace, RBracket, RParen } from "./tokens.js";

export const closerOf = new Map<TokenType, TokenType>([
  [LParen, RParen],
  [LBracket, RBracket],
  [LBrace, RBrace],
]);

const closers = new Set<TokenType>([RParen, RBracket, RBrace]);

export interface BracketMatches {
  /** The closing bracket that matches each opening bracket that has one. */
  readonly closing: ReadonlyMap<IToken, IToken>;
  /** Opening brackets that are never closed, in source order. */
  readonly unclosed: readonly IToken[];
}

/**
 * A closing bracket closes the innermost open bracket of its kind; brackets opened inside
 * that one and still open are never closed. A closing bracket with no open bracket of its
 * kind is ignored.
 */
export function matchBrackets(tokens: readonly IToken[]): BracketMatches {
  const stack: IToken[] = [];
  const closing = new Map<IToken, IToken>();
  const unclosed: IToken[] = [];
  for (const token of tokens) {
    if (closerOf.has(token.tokenType)) {
      stack.push(token);
      continue;
    }
    if (!closers.has(token.tokenType)) continue;
    for (let i = stack.length - 1; i >= 0; i--) {
      if (closerOf.get(stack[i]!.tokenType) === token.tokenType) {
        const [opener, ...inner] = stack.splice(i);
        closing.set(opener!, token);
        unclosed.push(...inner);
        break;
      }
    }
  }
  unclosed.push(...stack);
  unclosed.sort((a, b) => a.startOffset - b.startOffset);
  return { closing, unclosed };
}
