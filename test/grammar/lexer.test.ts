import { describe, expect, it } from "vitest";
import { decodeString, encodeString, lex } from "../../grammar/lexer.js";

const kinds = (text: string): string[] => lex("test.kd", text).tokens.map((t) => `${t.tokenType.name}:${t.image}`);

describe("lex", () => {
  it("reads numbers in all their forms", () => {
    expect(kinds("12 0.9 1e-3 2.5E+4 7e2")).toEqual([
      "NumberLiteral:12",
      "NumberLiteral:0.9",
      "NumberLiteral:1e-3",
      "NumberLiteral:2.5E+4",
      "NumberLiteral:7e2",
    ]);
    // No sign, no leading or trailing dot: those are operators.
    expect(kinds("-1 1.x")).toEqual(["Minus:-", "NumberLiteral:1", "NumberLiteral:1", "Dot:.", "Identifier:x"]);
  });

  it("reads keywords as keywords and longer words as identifiers", () => {
    expect(kinds("epochs epoch steps step models train_x batch true falsey")).toEqual([
      "Epochs:epochs",
      "Epoch:epoch",
      "Steps:steps",
      "Step:step",
      "Identifier:models",
      "Identifier:train_x",
      "Batch:batch",
      "True:true",
      "Identifier:falsey",
    ]);
  });

  it("reads every keyword as itself, even one that begins another", () => {
    const words =
      "import from param dataset model module loss recipe stage after run train on teacher trainable reference none " +
      "batch seed optimizer clip accumulate by tokens examples freeze let minimize evaluate every checkpoint best min " +
      "max keep export to sum mean over in epochs epoch steps step";
    const lexed = kinds(words);
    expect(lexed.map((k) => k.split(":")[1])).toEqual(words.split(" "));
    expect(lexed.filter((k) => k.startsWith("Identifier"))).toEqual([]);
    expect(kinds("tokens to trainable train minimize min maxi inside in")).toEqual([
      "Tokens:tokens",
      "To:to",
      "Trainable:trainable",
      "Train:train",
      "Minimize:minimize",
      "Min:min",
      "Identifier:maxi",
      "Identifier:inside",
      "In:in",
    ]);
  });

  it("reads ranges, pipelines and percentages", () => {
    expect(kinds("0..3 1.5..n a>>b 10% a.b")).toEqual([
      "NumberLiteral:0",
      "DotDot:..",
      "NumberLiteral:3",
      "NumberLiteral:1.5",
      "DotDot:..",
      "Identifier:n",
      "Identifier:a",
      "Pipe:>>",
      "Identifier:b",
      "NumberLiteral:10",
      "Percent:%",
      "Identifier:a",
      "Dot:.",
      "Identifier:b",
    ]);
    expect(lex("test.kd", "a > b").diagnostics.map((d) => d.code)).toEqual(["KD0001"]);
  });

  it("reads every operator", () => {
    expect(kinds("+-*/^>>%=:,...()[]{}").map((k) => k.split(":")[0])).toEqual([
      "Plus",
      "Minus",
      "Star",
      "Slash",
      "Caret",
      "Pipe",
      "Percent",
      "Equals",
      "Colon",
      "Comma",
      "DotDot",
      "Dot",
      "LParen",
      "RParen",
      "LBracket",
      "RBracket",
      "LBrace",
      "RBrace",
    ]);
  });

  it("keeps comments apart from tokens, with their spans", () => {
    const text = "a // line\n/// doc\n//// not doc\nb /* block\n */ c";
    const result = lex("test.kd", text);
    expect(result.tokens.map((t) => t.image)).toEqual(["a", "b", "c"]);
    expect(result.comments.map((c) => c.text)).toEqual(["// line", "/// doc", "//// not doc", "/* block\n */"]);
    expect(result.commentTokens.map((t) => t.tokenType.name)).toEqual([
      "LineComment",
      "DocComment",
      "LineComment",
      "BlockComment",
    ]);
    for (const c of result.comments) expect(text.slice(c.span.start, c.span.end)).toBe(c.text);
    expect(result.diagnostics).toEqual([]);
  });

  it("reports, and never throws", () => {
    const result = lex("test.kd", 'a § b "open\n/* open');
    expect(result.diagnostics.map((d) => [d.code, d.span?.start, d.span?.end])).toEqual([
      ["KD0001", 2, 3],
      ["KD0002", 6, 11],
      ["KD0003", 12, 14],
    ]);
    expect(result.tokens.map((t) => t.image)).toEqual(["a", "b", '"open']);
  });
});

describe("strings", () => {
  it("decodes the escapes", () => {
    expect(decodeString('"a\\"b\\\\c\\nd\\te\\rf\\u{41}\\u{1F600}"')).toEqual({
      value: 'a"b\\c\nd\te\rfA😀',
      terminated: true,
      problems: [],
    });
  });

  it("finds invalid escapes and missing quotes", () => {
    expect(decodeString('"\\q\\u{}\\u{110000}')).toMatchObject({
      terminated: false,
      problems: [
        { start: 1, end: 3, text: "\\q" },
        { start: 3, end: 5, text: "\\u" },
        { start: 7, end: 17, text: "\\u{110000}" },
      ],
    });
  });

  it("encodes so that decoding gives the value back", () => {
    for (const value of ["", 'quote " back \\ nl \n tab \t cr \r', "bell \u0007 del \u007f", "é 😀 \u2028"]) {
      const encoded = encodeString(value);
      expect(encoded).not.toMatch(/[\n\r\u2028]/);
      expect(decodeString(encoded)).toEqual({ value, terminated: true, problems: [] });
    }
  });
});
