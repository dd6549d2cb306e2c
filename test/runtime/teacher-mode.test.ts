// `teacher m mode train`: a frozen teacher run in training mode. Its dropout is on (two calls
// differ, in inference mode they do not), it is still off the tape (no gradient, not updated), and
// teacher-output caching is refused with the reason.
import * as tf from "@tensorflow/tfjs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as kd from "../../runtime/index.js";
import { mlp } from "../../runtime/models/mlp.js";
import { TinyNet, countForwards, stage, tempDir, vectorSplit } from "./train-fixtures.js";

let root: string;
beforeAll(async () => {
  root = await tempDir("teacher-mode");
  await kd.selectBackend("cpu");
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe("a dropout teacher", () => {
  it("gives different outputs on two calls in training mode and identical ones in inference mode", () => {
    const m = mlp("t", { input: 6, hidden: [32], classes: 3, dropout: 0.5 }, 1);
    const x = tf.randomNormal([4, 6], 0, 1, "float32", 2) as tf.Tensor2D;
    const logits = (training: boolean) => tf.tidy(() => Array.from(m.forward(x, training).logits.dataSync()));
    expect(logits(true)).not.toEqual(logits(true));
    expect(logits(false)).toEqual(logits(false));
    x.dispose();
    m.dispose();
  });
});

describe("teachersInTrainingMode in a stage", () => {
  const program = (cacheTeachers: boolean | "auto", count: (m: kd.Model) => kd.Model) => {
    const data = vectorSplit("v.train", { rows: 40, features: 6, classes: 3, seed: 1 });
    const t = count(new TinyNet("t", [6, 12, 3], 1, 0.5));
    const s = new TinyNet("s", [6, 8, 3], 2);
    return {
      spec: {
        recipe: "test.kd",
        models: [t, s],
        stages: [
          stage({
            name: "distill",
            train: s,
            data,
            teachers: [t],
            teachersInTrainingMode: [t],
            epochs: 3,
            batch: 8,
            cacheTeachers,
            optimizer: kd.optim.adam({ lr: 0.01 }),
            objective: (ctx) => kd.losses.kd(ctx.outputs(s).logits, ctx.outputs(t).logits),
          }),
        ],
      } as kd.ProgramSpec,
      t,
    };
  };

  it("runs the teacher in training mode off the tape, never updates it, and refuses to cache it", async () => {
    let counts: { inference: number; training: number } | undefined;
    let teacher: kd.Model | undefined;
    let before: number[][] | undefined;
    let after: number[][] | undefined;
    const weights = () => teacher!.variables.map((v) => Array.from(v.dataSync()));
    const report = await kd.run(
      () => {
        const p = program("auto", (m) => ((counts = countForwards(m)), m));
        teacher = p.t;
        before = weights();
        return p.spec;
      },
      { backend: "cpu", outDir: join(root, "auto"), quiet: true, handleSignals: false, onStep: () => (after = weights()) },
    );
    // 3 epochs × 5 batches, every one a live training-mode forward of the teacher.
    expect(counts).toEqual({ inference: 0, training: 15 });
    expect(after).toEqual(before);
    expect(report.stages[0]!.teacherCache).toEqual({ enabled: false, reason: "'t' runs in training mode (dropout on): its outputs change on every call", bytes: 0 });
    const forced = await kd.run(() => program(true, (m) => m).spec, { backend: "cpu", outDir: join(root, "forced"), quiet: true, handleSignals: false }).catch((e: unknown) => e);
    expect((forced as Error).message).toMatch(/asks for teacher-output caching, but 't' runs in training mode/);
  });
});
