import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isCode } from "../../compiler/diagnostics/codes.js";
import { parse } from "../../grammar/parse.js";
import { print } from "../../grammar/print.js";
import { contextualKeywords } from "./arbitraries.js";
import { allNodes } from "./ast-walk.js";
import { EVERY_CONSTRUCT } from "./every-construct.js";

/** Checks the invariants that hold for any input, valid or not. */
function checkInvariants(text: string): void {
  const { value, diagnostics } = parse("fuzz.kd", text);
  for (const d of diagnostics) {
    expect(isCode(d.code)).toBe(true);
    expect(d.code).not.toBe("KD9001"); // an internal error is a bug in the grammar
    expect(d.span).toBeDefined();
    expect(d.span!.file).toBe("fuzz.kd");
    expect(0 <= d.span!.start && d.span!.start <= d.span!.end && d.span!.end <= text.length).toBe(true);
  }
  for (const node of allNodes(value)) {
    const { start, end } = node.span;
    expect(Number.isInteger(start) && Number.isInteger(end)).toBe(true);
    expect(0 <= start && start <= end && end <= text.length).toBe(true);
  }
  for (const c of value.comments) expect(text.slice(c.span.start, c.span.end)).toBe(c.text);
  // Recovered trees print (not necessarily as valid .kd), without throwing.
  expect(typeof print(value)).toBe("string");
}

const fragments = [
  ...contextualKeywords,
  "true",
  "false",
  "x",
  "big",
  "mlp",
  "T",
  "0",
  "12",
  "0.9",
  "1e-3",
  "2.5E+4",
  '"s"',
  '"a\\n"',
  '"open',
  '"\\q"',
  "+",
  "-",
  "*",
  "/",
  "^",
  ">>",
  ">",
  "%",
  "..",
  "=",
  ":",
  ",",
  ".",
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  "// c",
  "/// d",
  "/* b */",
  "/* open",
  "@",
  "#",
  "\n",
  " ",
  "\t",
  "é",
];

const tokenSoup = fc
  .array(fc.constantFrom(...fragments), { maxLength: 40 })
  .chain((parts) => fc.constantFrom(" ", "", "\n").map((sep) => parts.join(sep)));

/** A valid recipe (the small one below or the one with every construct) with a few characters changed, dropped or inserted. */
const recipe = `import { hinton } from "std/kd"
param T: float = 4
dataset digits = mnist(train: 8000, test: 2000, seed: 7)
model big = mlp(input: 784, hidden: [1200, 1200], classes: 10)
stage distill after teach {
  train small on digits.train
  teacher big
  optimizer adam(lr: cosine(from: 1e-3, to: 1e-5, warmup: 200 steps))
  let temp = linear(from: 2 * T, to: T)
  minimize hinton(small, big, T: temp, alpha: 0.9) + -x ^ 2
  evaluate on digits.test every 5 epochs { accuracy, agreement(big), ece }
  checkpoint every 5 epochs keep 2
  export small to "student"
}
`;
const mutated = fc
  .tuple(
    fc.constantFrom(recipe, EVERY_CONSTRUCT),
    fc.array(
      fc.tuple(
        fc.nat({ max: EVERY_CONSTRUCT.length }),
        fc.nat({ max: 3 }),
        fc.constantFrom("", "(", ")", "{", "}", ",", "=", "x", '"', "/*", "-", ">>", ".", "%", "\n", "run {"),
      ),
      {
        minLength: 1,
        maxLength: 4,
      },
    ),
  )
  .map(([source, edits]) => {
    let text = source;
    for (const [at, remove, insert] of edits) text = text.slice(0, at) + insert + text.slice(at + remove);
    return text;
  });

describe("parse never throws", () => {
  it("on arbitrary strings", () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), checkInvariants), { numRuns: 300 });
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 100 }), checkInvariants), { numRuns: 200 });
  });

  it("on strings made of the language's tokens", () => {
    fc.assert(fc.property(tokenSoup, checkInvariants), { numRuns: 600 });
  });

  it("on mutated recipes", () => {
    fc.assert(fc.property(mutated, checkInvariants), { numRuns: 300 });
  });
});
