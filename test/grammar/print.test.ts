import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "../../grammar/parse.js";
import { print } from "../../grammar/print.js";
import { FILE, programArb } from "./arbitraries.js";
import { EVERY_CONSTRUCT } from "./every-construct.js";
import { stripSpans } from "./strip-spans.js";

const recipes = ["recipes/std/kd.kd", "recipes/examples/mnist-hinton.kd"];

function format(text: string): string {
  const result = parse("test.kd", text);
  expect(result.diagnostics.map((d) => d.message)).toEqual([]);
  return print(result.value);
}

/** Formats an expression through `param p = …`. */
function formatExpression(text: string): string {
  return format(`param p = ${text}`)
    .replace(/^param p = /, "")
    .replace(/\n$/, "");
}

describe("print on the shipped recipes", () => {
  for (const file of recipes) {
    const text = readFileSync(file, "utf8");

    it(`${file}: parse(print(ast)) is ast, modulo spans`, () => {
      const ast = parse(file, text).value;
      const again = parse(file, print(ast));
      expect(again.diagnostics).toEqual([]);
      expect(stripSpans(again.value)).toEqual(stripSpans(ast));
    });

    it(`${file}: print is idempotent and keeps every comment`, () => {
      const ast = parse(file, text).value;
      const once = print(ast);
      const reparsed = parse(file, once).value;
      expect(print(reparsed)).toBe(once);
      expect(reparsed.comments.map((c) => c.text)).toEqual(ast.comments.map((c) => c.text));
    });

    it(`${file} is already in canonical form`, () => {
      expect(print(parse(file, text).value)).toBe(text);
    });
  }
});

describe("print on the recipe that uses every construct", () => {
  it("gives it back byte for byte, and parse(print(ast)) is ast", () => {
    const ast = parse("every.kd", EVERY_CONSTRUCT).value;
    const printed = print(ast);
    expect(printed).toBe(EVERY_CONSTRUCT);
    const again = parse("every.kd", print({ ...ast })); // without the source: comments on their own lines
    expect(again.diagnostics).toEqual([]);
    expect(stripSpans(again.value)).toEqual(stripSpans(ast));
  });
});

describe("expressions", () => {
  it("prints the fewest parentheses that keep the tree", () => {
    expect(formatExpression("((a + b)) * (c)")).toBe("(a + b) * c");
    expect(formatExpression("a - (b - c)")).toBe("a - (b - c)");
    expect(formatExpression("(a - b) - c")).toBe("a - b - c");
    expect(formatExpression("a / (b * c)")).toBe("a / (b * c)");
    expect(formatExpression("a + (b * c)")).toBe("a + b * c");
    expect(formatExpression("a ^ (b ^ c)")).toBe("a ^ b ^ c");
    expect(formatExpression("(a ^ b) ^ c")).toBe("(a ^ b) ^ c");
    expect(formatExpression("-(x ^ 2)")).toBe("-x ^ 2");
    expect(formatExpression("(-x) ^ 2")).toBe("(-x) ^ 2");
    expect(formatExpression("(-x).y")).toBe("(-x).y");
    expect(formatExpression("(a + b)[0](c)")).toBe("(a + b)[0](c)");
    expect(formatExpression("a * (-b)")).toBe("a * -b");
    expect(formatExpression("-(-a)")).toBe("--a");
    expect(formatExpression("(a >> b) >> c")).toBe("a >> b >> c");
    expect(formatExpression("a >> (b >> c)")).toBe("a >> (b >> c)");
    expect(formatExpression("(a >> b) + c")).toBe("(a >> b) + c");
    expect(formatExpression("a + (b >> c) * d")).toBe("a + (b >> c) * d");
    expect(formatExpression("(a + b) >> (c * d)")).toBe("a + b >> c * d");
    expect(formatExpression("f((a >> b), [c >> d])")).toBe("f(a >> b, [c >> d])");
    expect(formatExpression("(a >> b).c")).toBe("(a >> b).c");
    expect(formatExpression("(sum over i in (0)..(n - 1) { (x[i]) }) * 2")).toBe("sum over i in 0..n - 1 { x[i] } * 2");
    expect(formatExpression("-(10%)")).toBe("-10%");
  });

  it("spaces pipelines, comprehensions and percentages", () => {
    expect(formatExpression("conv(kernel:1)>>batchnorm>>relu")).toBe("conv(kernel: 1) >> batchnorm >> relu");
    expect(formatExpression("mean  over k in a .. b{k}")).toBe("mean over k in a..b { k }");
    expect(formatExpression("cosine(warmup: 10 %)")).toBe("cosine(warmup: 10%)");
    expect(formatExpression("sum over i in 1.5..2{sum over j in 0..i{j}}")).toBe(
      "sum over i in 1.5..2 { sum over j in 0..i { j } }",
    );
  });

  it("spaces operators and arguments, keeps raw numbers and units, re-escapes strings", () => {
    expect(formatExpression("f( a,b ,T:4,)")).toBe("f(a, b, T: 4)");
    expect(formatExpression("[1,2,]")).toBe("[1, 2]");
    expect(formatExpression("1E+3*2.50")).toBe("1E+3 * 2.50");
    expect(formatExpression("200   steps")).toBe("200 steps");
    expect(formatExpression("1 epoch")).toBe("1 epoch");
    expect(formatExpression('"a\\u{41}\\"\\n\\u{7}"')).toBe('"aA\\"\\n\\u{7}"');
  });
});

describe("layout", () => {
  it("prints one statement per line, indents stage bodies and separates declarations", () => {
    const text =
      'import {a,b,} from "lib"  param T : float=4 loss f(s:model,T:scalar=4)=s.logits/T stage s after a,b{train m on d epochs 2 evaluate on d{}}';
    expect(format(text)).toBe(
      [
        'import { a, b } from "lib"',
        "",
        "param T: float = 4",
        "",
        "loss f(s: model, T: scalar = 4) =",
        "  s.logits / T",
        "",
        "stage s after a, b {",
        "  train m on d",
        "  epochs 2",
        "  evaluate on d {}",
        "}",
        "",
      ].join("\n"),
    );
    expect(format("stage empty {   }")).toBe("stage empty {}\n");
    expect(format("")).toBe("");
  });

  it("prints the newer declarations and statements", () => {
    const text =
      "module m=conv(kernel:1)>>relu run{backend:wasm,threads:2,} recipe r(s:model,T:scalar=4,){train s on d teacher t trainable,u} recipe e(){ } " +
      "stage a after r=r(small,T:2){} stage b=r(x){reference ref=small reference none clip 1.0\nsteps 500 accumulate 8 by tokens accumulate 2 " +
      "freeze small.hidden[0] run{threads:1} evaluate on d.val,d.test every 1 epoch{accuracy} checkpoint every 1 epoch best by ece on d.val min keep 3 checkpoint best by accuracy on d.val}";
    expect(format(text)).toBe(
      [
        "module m = conv(kernel: 1) >> relu",
        "",
        "run { backend: wasm, threads: 2 }",
        "",
        "recipe r(s: model, T: scalar = 4) {",
        "  train s on d",
        "  teacher t trainable, u",
        "}",
        "",
        "recipe e() {}",
        "",
        "stage a after r = r(small, T: 2)",
        "",
        "stage b = r(x) {",
        "  reference ref = small",
        "  reference none",
        "  clip 1.0",
        "  steps 500",
        "  accumulate 8 by tokens",
        "  accumulate 2",
        "  freeze small.hidden[0]",
        "  run { threads: 1 }",
        "  evaluate on d.val, d.test every 1 epoch { accuracy }",
        "  checkpoint every 1 epoch best by ece on d.val min keep 3",
        "  checkpoint best by accuracy on d.val",
        "}",
        "",
      ].join("\n"),
    );
    expect(format("run {   }")).toBe("run {}\n");
  });

  it("keeps comments around recipes, run blocks and stages without braces", () => {
    const text = [
      "/// doc of r",
      "recipe r(s: model) { // header",
      "  train s on d // trailing",
      "  // end of body",
      "}",
      "",
      "// before",
      "stage a = r(x, /* inside */ y) // after a",
      "",
      "stage b = r(x) {",
      "  // only a comment",
      "}",
      "",
      "run { threads: 2 } // after run",
    ].join("\n");
    const expected = [
      "/// doc of r",
      "recipe r(s: model) { // header",
      "  train s on d // trailing",
      "  // end of body",
      "}",
      "",
      "// before",
      "stage a = r(x, y) /* inside */ // after a",
      "",
      "// only a comment",
      "stage b = r(x)",
      "",
      "run { threads: 2 } // after run",
      "",
    ].join("\n");
    expect(format(text)).toBe(expected);
    expect(format(expected)).toBe(expected);
  });

  it("re-emits doc comments above their declaration", () => {
    expect(format("///one\n///  two\n///\nmodel m = x")).toBe("/// one\n///  two\n///\nmodel m = x\n");
  });

  it("keeps leading, trailing, header and end comments in place", () => {
    const text = [
      "// file header",
      "",
      "// about m",
      "/// doc of m",
      "model m = f(a, // inside",
      "  b) /* after m */",
      "stage s { // header",
      "  // before train",
      "  train m on d   // trailing",
      "",
      "  // section",
      "  epochs 3",
      "  // end of body",
      "} // after stage",
      "",
      "// end of file",
    ].join("\n");
    const expected = [
      "// file header",
      "",
      "// about m",
      "/// doc of m",
      "model m = f(a, b) /* after m */ // inside",
      "",
      "stage s { // header",
      "  // before train",
      "  train m on d // trailing",
      "",
      "  // section",
      "  epochs 3",
      "  // end of body",
      "} // after stage",
      "",
      "// end of file",
      "",
    ].join("\n");
    expect(format(text)).toBe(expected);
    expect(format(expected)).toBe(expected);
  });

  it("without the source text, puts every comment on its own line", () => {
    const ast = parse("test.kd", "model m = x // note\nmodel n = y").value;
    const copy = { ...ast }; // not the object parse recorded the text for
    expect(print(copy)).toBe("model m = x\n\n// note\nmodel n = y\n");
    expect(print(copy, { source: "model m = x // note\nmodel n = y" })).toBe("model m = x // note\n\nmodel n = y\n");
  });
});

describe("round trip over generated ASTs", () => {
  it("parse(print(ast)) ≡ ast and print is idempotent", () => {
    fc.assert(
      fc.property(programArb, (program) => {
        const text = print(program);
        const result = parse(FILE, text);
        expect(result.diagnostics.map((d) => d.message)).toEqual([]);
        expect(stripSpans(result.value)).toEqual(stripSpans(program));
        expect(print(result.value)).toBe(text);
      }),
      { numRuns: 200 },
    );
  });

  it("keeps comments sprinkled anywhere, and printing stays idempotent", () => {
    const comments = ["// c", "/* b */", "/* x\n y */", "//", "////q", "/// d"];
    const sprinkled = fc
      .tuple(
        programArb,
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(...comments), fc.constantFrom(" ", "\n", "\n\n")), {
          maxLength: 6,
        }),
      )
      .map(([program, inserts]) => {
        let text = print(program);
        const gaps = [...text.matchAll(/[ \n]/g)].map((m) => m.index);
        const at = inserts
          .map(([n, c, ws]) => [gaps[n % Math.max(1, gaps.length)] ?? 0, c, ws] as const)
          .sort((a, b) => b[0] - a[0]);
        for (const [i, c, ws] of at) text = `${text.slice(0, i)} ${c}${c.startsWith("//") ? "\n" : ws}${text.slice(i)}`;
        return text;
      });
    fc.assert(
      fc.property(sprinkled, (text) => {
        const first = parse(FILE, text);
        fc.pre(first.diagnostics.length === 0); // a comment dropped into a string, say
        const once = print(first.value);
        const second = parse(FILE, once);
        expect(second.diagnostics).toEqual([]);
        const withoutDocs = (p: typeof first.value) =>
          stripSpans(p.declarations.map((d) => ({ ...d, doc: undefined })));
        expect(withoutDocs(second.value)).toEqual(withoutDocs(first.value));
        expect(print(second.value)).toBe(once);
        // Every ordinary comment survives (several `//` comments on one line may merge into one).
        const printed = second.value.comments.map((c) => c.text).join("\n");
        for (const c of first.value.comments) if (!/^\/\/\/(?!\/)/.test(c.text)) expect(printed).toContain(c.text);
      }),
      { numRuns: 200 },
    );
  });
});
