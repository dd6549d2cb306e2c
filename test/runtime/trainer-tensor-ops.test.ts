// A loss written only with tensor operations trains through a generated trainer: a DIST-like
// relation loss and a normalised-feature loss, defined in the recipe, distil a tiny student on
// the default (wasm) backend.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../runtime/index.js";
import { loadTrainer } from "../helpers/load-trainer.js";

const recipe = `dataset digits = mnist(train: 400, test: 200, seed: 3)
model big = mlp(input: 784, hidden: [32], classes: 10)
model small = mlp(input: 784, hidden: [32], classes: 10)

/// DIST-like: inter-class (rows) and intra-class (columns) Pearson relations of softened predictions.
loss relations(s: tensor, t: tensor, T: scalar = 2) =
  T ^ 2 * (mean(1 - pearson(softmax(s, T: T), softmax(t, T: T)))
    + mean(1 - pearson(softmax(s, T: T), softmax(t, T: T), axis: 0)))

/// Features compared on the unit sphere, the teacher's as a constant.
loss unit_features(s: tensor, t: tensor) = mean(sum((normalize(s) - normalize(detach(t))) ^ 2, axis: -1))

stage teach {
  train big on digits.train
  epochs 4
  batch 40
  optimizer adam(lr: 3e-3)
  minimize ce(big.logits, batch.label)
}

stage distill after teach {
  train small on digits.train
  teacher big
  epochs 4
  batch 40
  optimizer adam(lr: 3e-3)
  minimize relations(small.logits, big.logits) + unit_features(small.hidden[0], big.hidden[0])
  evaluate on digits.test { agreement(big) }
}
`;

describe("a user-defined loss made of tensor operations", () => {
  it("trains a student to agree with its teacher", async () => {
    const trainer = await loadTrainer("trainer-tensor-ops", recipe);
    const outDir = mkdtempSync(join(tmpdir(), "kdc-tensor-ops-"));
    const report = await run(() => trainer.program(trainer.defaults), { backend: "wasm", outDir, quiet: true });
    const distill = report.stages.find((s) => s.stage === "distill")!;
    expect(Number.isFinite(distill.finalLoss)).toBe(true);
    // No labels reach the student: agreement far above chance (0.1) comes from the loss alone.
    expect(distill.metrics["digits.test"]?.["agreement(big)"]).toBeGreaterThan(0.6);
  }, 120_000);
});
