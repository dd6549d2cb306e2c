// Evaluation metrics from a recipe, trained for real: the report's final table and the metrics log
// carry the new metrics under unambiguous labels, and the evaluation loss equals the objective
// recomputed here, in float64, from the exported model on the test split.
import * as tf from "@tensorflow/tfjs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as kd from "../../runtime/index.js";
import { runRecipe, type RecipeRun } from "../helpers/run-recipe.js";

const RECIPE = `
dataset digits = mnist(train: 96, test: 40, seed: 2)
model big = mlp(input: 784, hidden: [16], classes: 10)
model small = mlp(input: 784, hidden: [8], classes: 10)
stage teach {
  train big on digits.train
  epochs 2
  batch 32
  optimizer adam(lr: 1e-2)
  minimize ce(big.logits, batch.label)
  evaluate on digits.test { accuracy, accuracy(top: 3), loss }
  export big to "big"
}
stage distill after teach {
  train small on digits.train
  teacher big
  epochs 1
  batch 32
  optimizer adamw(lr: 1e-2)
  minimize kd(small.logits, big.logits, T: 2) + ce(small.logits, batch.label)
  evaluate on digits.test { accuracy, agreement(big), kl(big, T: 2), loss }
}
`;

let run: RecipeRun | undefined;
afterAll(async () => {
  if (run) await rm(run.outDir, { recursive: true, force: true });
});

describe("evaluation metrics in a recipe", () => {
  it("reports top-k accuracy, KL, and the evaluation loss, which is the objective on the test split", async () => {
    run = await runRecipe(RECIPE);
    const [teach, distill] = run.report.stages;
    const t = teach!.metrics["digits.test"]!;
    const d = distill!.metrics["digits.test"]!;
    expect(Object.keys(t)).toEqual(["accuracy", "accuracy@3", "loss"]);
    expect(Object.keys(d)).toEqual(["accuracy", "agreement(big)", "kl(big, T=2)", "loss"]);
    expect(t["accuracy@3"]).toBeGreaterThanOrEqual(t.accuracy!);
    expect(d["kl(big, T=2)"]).toBeGreaterThan(0);

    // The teacher's evaluation loss: mean cross-entropy over the 40 test digits, from the exported weights.
    const split = run.rebuild().stages[0]!.evaluate[0]!.split;
    const model = kd.models.load("big", { path: join(run.outDir, "big") });
    const batch = [...split.batches(split.size, 0, 0)][0]!;
    const logits = tf.tidy(() => model.forward(batch.input, false).logits);
    const z = logits.dataSync();
    const y = batch.label!.dataSync();
    let ce = 0;
    for (let r = 0; r < y.length; r++) {
      const row = Array.from(z.subarray(r * 10, r * 10 + 10));
      const max = Math.max(...row);
      ce += max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) - row[y[r]!]!;
    }
    tf.dispose(logits);
    kd.data.disposeBatch(batch);
    model.dispose();
    expect(t.loss).toBeCloseTo(ce / y.length, 4);

    // The final table has a column per label; the metrics log carries the same labels.
    const table = kd.formatReport(run.report);
    for (const label of ["accuracy@3", "kl(big, T=2)", "loss"]) expect(table.split("\n")[0]).toContain(label);
    const log = (await readFile(join(run.outDir, "metrics.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { event: string; metrics?: Record<string, number> });
    const evals = log.filter((e) => e.event === "eval");
    expect(evals.some((e) => "accuracy@3" in e.metrics! && "loss" in e.metrics!)).toBe(true);
    expect(evals.some((e) => "kl(big, T=2)" in e.metrics!)).toBe(true);
  });
});
