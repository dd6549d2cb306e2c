import { describe, expect, it } from "vitest";
import { metricDirection } from "../../../compiler/check/builtins-metrics.js";
import type { IrProgram } from "../../../compiler/lower/ir.js";
import { codes, compileText } from "../../helpers/hosts.js";
import { ruleCases, variant } from "../../helpers/rule-cases.js";

const best = (clause: string) => variant("minimize hinton(small, big, T: T)", `minimize hinton(small, big, T: T)\n  checkpoint ${clause}`);

describe("rule: the best checkpoint is not chosen on a test split (KD3028, a warning)", () => {
  ruleCases({
    code: "KD3028",
    valid: [best("best by agreement(big) on digits.unlabeled"), best("every 1 epoch best by accuracy on digits.train keep 2")],
    invalid: [{ recipe: best("best by accuracy on digits.test") }],
    recovered: best("best by accuracy on digits."),
  });
});

describe("checkpoint best by: direction and split", () => {
  const lowered = async (clause: string) => {
    const r = await compileText(best(clause));
    expect(codes(r)).toEqual([]);
    const ir = JSON.parse(r.files.get("main.ir.json")!) as IrProgram;
    return ir.stages[1]!.checkpoint!.best!;
  };

  it("takes the direction from the metric unless min or max is written", async () => {
    expect(await lowered("best by accuracy on digits.train")).toEqual({ data: { dataset: "digits", split: "train" }, metric: { kind: "accuracy", top: 1 }, mode: "max" });
    expect((await lowered("best by ece on digits.train")).mode).toBe("min");
    expect((await lowered("best by ece on digits.train max")).mode).toBe("max");
    expect((await lowered("best by agreement(big) on digits.unlabeled")).metric).toEqual({ kind: "agreement", teacher: "big" });
  });

  it("knows the direction of every metric kdc has, and of none it does not (KD3037)", () => {
    for (const m of ["accuracy", "agreement", "preference_accuracy", "reward_margin"]) expect(metricDirection(m), m).toBe("max");
    for (const m of ["ece", "kl", "perplexity", "loss"]) expect(metricDirection(m), m).toBe("min");
    expect(metricDirection("bleu")).toBeUndefined();
    expect(metricDirection("constructor")).toBeUndefined();
  });

  it("checks the metric against its split (KD3006, KD3004)", async () => {
    expect(codes(await compileText(best("best by accuracy on digits.unlabeled")))).toEqual(["KD3006"]);
    expect(codes(await compileText(best("best by 3 on digits.train")))).toEqual(["KD3004"]);
    expect(codes(await compileText(best("best by accuracy on digits")))).toEqual(["KD3004"]);
  });
});
