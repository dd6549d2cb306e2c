import { describe, expect, it } from "vitest";
import { codes, compileText } from "../../helpers/hosts.js";

const PREFS = { "prefs.jsonl": '{"prompt": "a", "chosen": "b", "rejected": "c"}\n{"prompt": "d", "chosen": "e", "rejected": "f"}\n' };

const recipe = (reference: string, objective: string) => `
dataset prefs = preferences("prefs.jsonl", max_length: 8)
model policy = transformer(vocab: 16, dim: 8, layers: 1, heads: 2, context: 8)
stage align {
  train policy on prefs.train
  ${reference}
  epochs 1
  batch 2
  optimizer adam()
  minimize ${objective}
}
`;

describe("rule: preference losses have the reference they need (KD3031, KD3040)", () => {
  it("stays silent on valid recipes", async () => {
    for (const r of [
      recipe("reference ref = policy", "dpo(policy, ref) + adpo(policy, ref, tau: 2) + simpo(policy)"),
      recipe("reference none", "dpo(policy) + simpo(policy)"),
      recipe("", "simpo(policy, gamma: 1)"),
    ])
      expect(codes(await compileText(r, PREFS))).toEqual([]);
  });

  it("reports KD3040 for adpo without a reference, even under `reference none`", async () => {
    for (const r of [recipe("reference none", "adpo(policy, tau: 2)"), recipe("reference ref = policy", "adpo(policy, tau: 2) + dpo(policy, ref)")])
      expect(codes(await compileText(r, PREFS))).toEqual(["KD3040"]);
  });

  it("reports KD3031 for dpo without a reference unless `reference none`", async () => {
    expect(codes(await compileText(recipe("", "dpo(policy)"), PREFS))).toEqual(["KD3031"]);
  });

  it("stays silent where the parser recovered", async () => {
    const found = codes(await compileText(recipe("reference none", "adpo(policy, tau: )"), PREFS));
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((c) => /^KD[01]/.test(c)), found.join(", ")).toBe(true);
  });
});
