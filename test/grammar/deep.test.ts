import { describe, expect, it } from "vitest";
import type { Expression, ParamDeclaration } from "../../grammar/ast.js";
import { MAX_AST_DEPTH, parse } from "../../grammar/parse.js";
import { MAX_NESTING } from "../../grammar/parser.js";
import { print } from "../../grammar/print.js";

const shallower = "expected a shallower expression";

describe("deeply nested input", () => {
  it("5000 nested parentheses give one diagnostic, not a stack overflow", () => {
    const text = `param p = ${"(".repeat(5000)}1${")".repeat(5000)}\nmodel m = mlp()`;
    const result = parse("deep.kd", text);
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({ code: "KD1001" });
    expect(result.diagnostics[0]!.message).toContain(shallower);
    // The declaration holding the deep expression is left out; the rest survives.
    expect(result.value.declarations.map((d) => d.kind)).toEqual(["ModelDeclaration"]);
  });

  it("nesting up to the limit parses", () => {
    const depth = Math.floor(MAX_NESTING / 2);
    const text = `param p = ${"(".repeat(depth)}1${")".repeat(depth)}`;
    const result = parse("deep.kd", text);
    expect(result.diagnostics).toEqual([]);
    expect(print(result.value)).toBe("param p = 1\n");
  });

  it("other deep forms do not throw either", () => {
    for (const inner of [
      "-".repeat(5000) + "x",
      "[".repeat(5000) + "]".repeat(5000),
      "f(".repeat(5000) + ")".repeat(5000),
      Array.from({ length: 5000 }, () => "x").join(" ^ "),
      "(".repeat(5000),
      "sum over i in 0..1 { ".repeat(5000) + "x" + " }".repeat(5000),
      "mean over i in ".repeat(5000),
    ]) {
      const result = parse("deep.kd", `param p = ${inner}`);
      expect(result.diagnostics.length).toBeGreaterThan(0);
      expect(result.diagnostics[0]!.message).toContain(shallower);
    }
  });

  it("a 10,000-term sum and a 10,000-long member chain give one diagnostic each", () => {
    for (const inner of [
      Array.from({ length: 10_000 }, (_, i) => `x${i}`).join(" + "),
      `a${".b".repeat(10_000)}`,
      Array.from({ length: 10_000 }, (_, i) => `x${i}`).join(" >> "),
    ]) {
      const result = parse("deep.kd", `param p = ${inner}\nmodel m = mlp()`);
      expect(result.diagnostics).toHaveLength(1);
      expect(result.diagnostics[0]).toMatchObject({ code: "KD1001" });
      expect(result.diagnostics[0]!.message).toContain(shallower);
      expect(result.value.declarations.map((d) => d.kind)).toEqual(["ModelDeclaration"]);
    }
  });

  it(`chains just under MAX_AST_DEPTH (${MAX_AST_DEPTH}) parse and print back`, () => {
    const n = MAX_AST_DEPTH - 10;
    const chains: [string, number][] = [
      [Array.from({ length: n }, (_, i) => `x${i}`).join(" - "), n], // n - 1 operators over n operands
      [`a${".b".repeat(n)}`, n + 1], // n member accesses over `a`
      [Array.from({ length: n }, (_, i) => `x${i}`).join(" >> "), n],
    ];
    for (const [inner, expected] of chains) {
      const text = `param p = ${inner}\n`;
      const result = parse("deep.kd", text);
      expect(result.diagnostics).toEqual([]);
      let node: Expression = (result.value.declarations[0] as ParamDeclaration).value;
      let depth = 1;
      while (node.kind === "BinaryExpression" || node.kind === "MemberExpression") {
        depth++;
        node = node.kind === "BinaryExpression" ? node.left : node.object;
      }
      expect(depth).toBe(expected);
      expect(print(result.value)).toBe(text);
    }
  });
});
