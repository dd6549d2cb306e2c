// The three cases every check rule is tested with: a valid recipe that stays silent, invalid ones
// that report exactly the rule's code, and a recovered parse (a Missing node where the rule would
// look) that reports only the parse error.
import { expect, it } from "vitest";
import { BASE, codes, compileText } from "./hosts.js";

export function variant(from: string, to: string, base = BASE): string {
  if (!base.includes(from)) throw new Error(`the base recipe has no ${JSON.stringify(from)}`);
  return base.replace(from, to);
}

export interface RuleCases {
  readonly code: string;
  readonly valid: readonly string[];
  readonly invalid: readonly { readonly recipe: string; readonly count?: number; readonly overrides?: Record<string, string> }[];
  readonly recovered: string;
  /** Files beside the recipe (data files), by path relative to it. */
  readonly files?: Readonly<Record<string, string>>;
}

export function ruleCases(cases: RuleCases): void {
  it("stays silent on a valid recipe", async () => {
    for (const recipe of cases.valid) expect(codes(await compileText(recipe, cases.files))).toEqual([]);
  });
  it(`reports ${cases.code} on invalid recipes`, async () => {
    for (const c of cases.invalid) {
      const r = await compileText(c.recipe, cases.files, c.overrides);
      expect(codes(r)).toEqual(Array(c.count ?? 1).fill(cases.code));
      for (const d of r.diagnostics) if (d.span) expect(d.span.end).toBeGreaterThan(d.span.start);
    }
  });
  it("stays silent where the parser recovered", async () => {
    const found = codes(await compileText(cases.recovered, cases.files));
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((c) => /^KD[01]/.test(c)), found.join(", ")).toBe(true);
  });
}
