// Augmentation is seeded per (seed, epoch, batch), so a run stopped mid-epoch and resumed ends with
// exactly the weights of an uninterrupted run, while a teacher on the augmented split is never cached.
import * as tf from "@tensorflow/tfjs";
import { rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as kd from "../../runtime/index.js";
import { TinyNet, completeWeights, stage, tempDir } from "./train-fixtures.js";

const fixture = (name: string): string => relative(process.cwd(), fileURLToPath(new URL(`../fixtures/data/${name}`, import.meta.url)));

let root: string;
beforeAll(async () => {
  root = await tempDir("augment-resume");
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** 30 rows in batches of 6: 5 steps per epoch; the student distils on noisy inputs. */
function program(): kd.ProgramSpec {
  const points = kd.data.transformed(kd.data.jsonl(fixture("points-a.jsonl"), { input: "x", label: "above", seed: 1 }), {
    preprocess: [{ kind: "standardize", mean: 0, std: 0.5 }],
    augment: [{ kind: "noise", std: 0.2 }],
  });
  const big = new TinyNet("big", [2, 8, 2], 1);
  const small = new TinyNet("small", [2, 4, 2], 2);
  return {
    recipe: "augment.kd",
    models: [big, small],
    stages: [
      stage({
        name: "teach", train: big, data: points.all, epochs: 2, batch: 6, seed: 3,
        optimizer: kd.optim.adam({ lr: 0.02 }),
        objective: (ctx) => kd.losses.crossEntropy(ctx.outputs(big).logits, ctx.labels()),
      }),
      stage({
        name: "distill", after: ["teach"], train: small, teachers: [big], data: points.train, epochs: 3, batch: 6, seed: 4,
        optimizer: kd.optim.adam({ lr: 0.02 }),
        objective: (ctx) => kd.losses.kd(ctx.outputs(small).logits, ctx.outputs(big).logits, { T: 2 }),
        checkpoint: { everyEpochs: 1, keep: 1 },
      }),
    ],
  };
}

function options(outDir: string, stopAtStep?: number): kd.RunOptions {
  const controller = new AbortController();
  return {
    backend: "cpu", outDir, quiet: true, signal: controller.signal,
    onStep: (e) => {
      if (stopAtStep !== undefined && e.stage === "distill" && e.step === stopAtStep) controller.abort();
    },
  };
}

describe("augmented data and --resume", () => {
  it("resumes mid-epoch on an augmented split to bit-identical weights, and never caches its teacher", async () => {
    const straightDir = join(root, "straight");
    const report = await kd.run(() => program(), options(straightDir));
    const distill = report.stages.find((s) => s.stage === "distill")!;
    expect(distill.teacherCache).toMatchObject({ enabled: false, reason: "split 'points-a.train' is augmented: its inputs change every epoch" });
    const straight = await completeWeights(straightDir, "distill", "small");

    const dir = join(root, "stopped");
    const error = await kd.run(() => program(), options(dir, 7)).catch((e: unknown) => e);
    expect(kd.isKdcInterrupted(error)).toBe(true);
    await kd.run(() => program(), { ...options(dir), resume: true });
    expect(Array.from(await completeWeights(dir, "distill", "small"))).toEqual(Array.from(straight));
    expect(tf.memory().numTensors).toBe(0);
  }, 60_000);
});
