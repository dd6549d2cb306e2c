// compile never throws: on arbitrary text and on mutations of every recipe in the repository
// (delete, duplicate, swap and truncate tokens), every diagnostic has a known code and a span
// inside its file, and nothing is an internal error (KD9001).
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isCode } from "../../compiler/diagnostics/codes.js";
import type { CompileResult } from "../../compiler/program.js";
import { compileText } from "../helpers/hosts.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function recipesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? recipesUnder(join(dir, e.name)) : e.name.endsWith(".kd") ? [join(dir, e.name)] : [],
  );
}

const corpus = [...recipesUnder("recipes"), ...recipesUnder("test/cases")].map((p) => readFileSync(join(ROOT, p), "utf8"));

function expectWellFormed(result: CompileResult, text: string): void {
  for (const d of result.diagnostics) {
    expect(isCode(d.code), d.code).toBe(true);
    expect(d.code, d.message).not.toBe("KD9001");
    for (const span of [d.span, ...d.labels.map((l) => l.span)]) {
      if (!span) continue;
      const source = result.sources.get(span.file);
      expect(source, `span in unknown file ${span.file}`).toBeDefined();
      const length = span.file === "main.kd" ? text.length : source!.text.length;
      expect(0 <= span.start && span.start <= span.end && span.end <= length).toBe(true);
    }
  }
}

/** Splits into tokens and the whitespace between them, so mutations keep the text readable. */
const tokens = (text: string): string[] => text.match(/\s+|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?(?:e-?\d+)?|"[^"\n]*"|\/\/[^\n]*|./g) ?? [];

type Mutation = { kind: "delete" | "duplicate" | "swap" | "truncate"; at: number; other: number };

function mutate(text: string, m: Mutation): string {
  const t = tokens(text);
  if (t.length === 0) return text;
  const i = m.at % t.length;
  const j = m.other % t.length;
  switch (m.kind) {
    case "delete":
      return [...t.slice(0, i), ...t.slice(i + 1)].join("");
    case "duplicate":
      return [...t.slice(0, i + 1), t[i]!, ...t.slice(i + 1)].join("");
    case "swap": {
      const copy = [...t];
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
      return copy.join("");
    }
    case "truncate":
      return t.slice(0, i).join("");
  }
}

const mutation = fc.record({
  kind: fc.constantFrom<Mutation["kind"]>("delete", "duplicate", "swap", "truncate"),
  at: fc.nat(),
  other: fc.nat(),
});

describe("compile never throws", () => {
  it("on arbitrary text", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (text) => {
        expectWellFormed(await compileText(text), text);
      }),
      { numRuns: 150 },
    );
  });

  it("on mutations of every recipe in the repository", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...corpus), fc.array(mutation, { minLength: 1, maxLength: 3 }), async (recipe, ms) => {
        const text = ms.reduce(mutate, recipe);
        expectWellFormed(await compileText(text), text);
      }),
      { numRuns: Number(process.env.KDC_FUZZ_RUNS ?? 400) },
    );
  });
});
