// Optimisers from a recipe, trained for real: with a zero objective the only change to a weight is
// its weight decay, so after n steps a decayed weight is w₀·(1 − lr·wd)ⁿ (decoupled for adamw,
// coupled L2 for sgd: the same factor) and an excluded one is exactly w₀.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkpointDir, readCheckpoint } from "../../runtime/index.js";
import { runRecipe, type RecipeRun } from "../helpers/run-recipe.js";

const RECIPE = `
dataset digits = mnist(train: 64, test: 16, seed: 1)
model a = mlp(input: 784, hidden: [8], classes: 10)
model b = mlp(input: 784, hidden: [8], classes: 10)
model c = mlp(input: 784, hidden: [8], classes: 10)
stage skip_bias {
  train a on digits.train
  epochs 1
  batch 16
  optimizer adamw(lr: 0.1, weight_decay: 0.5)
  minimize 0 * ce(a.logits, batch.label)
}
stage decay_all {
  train b on digits.train
  epochs 1
  batch 16
  optimizer adamw(lr: 0.1, weight_decay: 0.5, exclude_from_decay: [])
  minimize 0 * ce(b.logits, batch.label)
}
stage coupled {
  train c on digits.train
  epochs 1
  batch 16
  optimizer sgd(lr: 0.1, momentum: 0.9, nesterov: true, weight_decay: 0.5, exclude_from_decay: ["bias"])
  minimize 0 * ce(c.logits, batch.label)
}
`;

let run: RecipeRun | undefined;
afterAll(async () => {
  if (run) await rm(run.outDir, { recursive: true, force: true });
});

async function final(stage: string, model: string): Promise<ReadonlyMap<string, ArrayLike<number>>> {
  const data = await readCheckpoint(join(checkpointDir(run!.outDir, stage), "complete"));
  return data.weights(model);
}

function ratio(after: ArrayLike<number>, before: Float32Array): number[] {
  const out: number[] = [];
  before.forEach((w, i) => {
    if (Math.abs(w) > 1e-3) out.push(after[i]! / w);
  });
  return out;
}

describe("optimizers in a recipe", () => {
  it("decays weights by (1 − lr·wd) per step and leaves excluded ones alone", async () => {
    run = await runRecipe(RECIPE);
    expect(run.trainer).toContain('excludeFromDecay: kd.optim.decayExclusions(["bias", "norm"])');
    const factor = (1 - 0.1 * 0.5) ** 4; // 64 examples / batch 16 = 4 steps
    const checks: [string, string, boolean][] = [
      ["skip_bias", "a", false],
      ["decay_all", "b", true],
    ];
    for (const [stage, model, biasesDecay] of checks) {
      const before = run.initial.get(model)!;
      const after = await final(stage, model);
      for (const [name, w0] of before) {
        const w = after.get(name)!;
        const decayed = !name.endsWith("/bias") || biasesDecay;
        if (decayed) for (const r of ratio(w, w0)) expect(r).toBeCloseTo(factor, 5);
        else expect(Array.from(w)).toEqual(Array.from(w0));
      }
    }
    // sgd, torch's update on one weight w₀ = 1 (every update is linear in w₀): g = wd·p;
    // b ← μ·b + g; p ← p − lr·(g + μ·b) (Nesterov). Excluded biases are unchanged.
    let [p, buf] = [1, 0];
    for (let step = 0; step < 4; step++) {
      const g = 0.5 * p;
      buf = step === 0 ? g : 0.9 * buf + g;
      p -= 0.1 * (g + 0.9 * buf);
    }
    const before = run.initial.get("c")!;
    const after = await final("coupled", "c");
    for (const [name, w0] of before) {
      const w = after.get(name)!;
      if (name.endsWith("/bias")) expect(Array.from(w)).toEqual(Array.from(w0));
      else for (const r of ratio(w, w0)) expect(r).toBeCloseTo(p, 5);
    }
  });
});
