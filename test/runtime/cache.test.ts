// Teacher-output caching: the same losses step by step as live teachers (cpu, 1e-6), the teacher's
// forward pass skipped after the first epoch, only the taps the objective reads cached, the
// decision and its reasons reported, and a stale cache impossible (keyed by teacher weights).
import * as tf from "@tensorflow/tfjs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as kd from "../../runtime/index.js";
import { rowKeys } from "../../runtime/train/teacher-cache.js";
import { TinyNet, countForwards, stage, tempDir, vectorSplit } from "./train-fixtures.js";

let root: string;
beforeAll(async () => {
  root = await tempDir("cache");
  await kd.selectBackend("cpu");
});
afterAll(() => rm(root, { recursive: true, force: true }));

interface Result {
  readonly losses: number[];
  readonly report: kd.RunReport;
  readonly forwards: { inference: number; training: number }[];
  readonly lines: Record<string, unknown>[];
}

/** Runs `build` and collects step losses, teacher forward counts and the metrics log. */
async function trace(name: string, build: (count: (m: kd.Model) => kd.Model) => kd.ProgramSpec, extra: Partial<kd.RunOptions> = {}): Promise<Result> {
  const dir = join(root, name);
  const losses: number[] = [];
  const forwards: { inference: number; training: number }[] = [];
  const report = await kd.run(
    () => build((m) => (forwards.push(countForwards(m)), m)),
    { backend: "cpu", outDir: dir, quiet: true, handleSignals: false, onStep: (e) => losses.push(e.loss), ...extra },
  );
  const lines = (await readFile(join(dir, "metrics.jsonl"), "utf8")).trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  return { losses, report, forwards, lines };
}

const hintAndKd = (s: kd.Model, t: kd.Model) => (ctx: kd.StepContext) =>
  kd.ops.add(
    kd.losses.kd(ctx.outputs(s).logits, ctx.outputs(t).logits, { T: ctx.at(kd.schedules.linear({ from: 4, to: 1 })) }),
    kd.ops.mul(0.5, tf.mean(tf.square(tf.sub(tf.slice(ctx.outputs(s).hidden[0]!, [0, 0], [-1, 4]), tf.slice(ctx.outputs(t).hidden[1]!, [0, 0], [-1, 4]))))),
  ) as tf.Scalar;

function distill(cacheTeachers: boolean | "auto", count: (m: kd.Model) => kd.Model, o: { epochs?: number; augmented?: boolean } = {}): kd.ProgramSpec {
  const data = vectorSplit("v.train", { rows: 50, features: 6, classes: 3, seed: 1, augmented: o.augmented });
  const t = count(new TinyNet("t", [6, 16, 12, 3], 1));
  const s = new TinyNet("s", [6, 8, 3], 2, 0.1);
  return {
    recipe: "cache.kd", models: [t, s],
    stages: [stage({ name: "distill", train: s, data, teachers: [t], epochs: o.epochs ?? 4, batch: 8, cacheTeachers, optimizer: kd.optim.adam({ lr: 0.01 }), objective: hintAndKd(s, t) })],
  };
}

describe("teacher-output caching", () => {
  it("gives the live run's losses step by step while skipping the teacher after the first epoch", async () => {
    const live = await trace("live", (count) => distill(false, count));
    const cached = await trace("cached", (count) => distill("auto", count));
    expect(cached.losses).toHaveLength(4 * 7);
    for (let i = 0; i < live.losses.length; i++) expect(Math.abs(cached.losses[i]! - live.losses[i]!), `step ${i + 1}`).toBeLessThanOrEqual(1e-6);
    expect(live.forwards[0]).toEqual({ inference: 28, training: 0 });
    expect(cached.forwards[0]).toEqual({ inference: 7, training: 0 }); // epoch 1 only
    expect(live.report.stages[0]!.teacherCache).toEqual({ enabled: false, reason: "off (cacheTeachers: false)", bytes: 0 });
    // Only the taps read: logits (3) and hidden[1] (12) per row.
    expect(cached.report.stages[0]!.teacherCache).toEqual({ enabled: true, reason: "t (logits, hidden[1]): 50 rows, 2.9 KiB", bytes: 50 * 4 * (3 + 12) });
    expect(tf.memory().numTensors).toBe(0);
  });

  it("is faster per epoch after the first (logged, not asserted)", async () => {
    const build = (cache: boolean) => (count: (m: kd.Model) => kd.Model): kd.ProgramSpec => {
      const data = vectorSplit("wide", { rows: 256, features: 64, classes: 10, seed: 3 });
      const t = count(new TinyNet("t", [64, 384, 384, 10], 1));
      const s = new TinyNet("s", [64, 16, 10], 2);
      return {
        recipe: "speed.kd", models: [t, s],
        stages: [stage({ name: "d", train: s, data, teachers: [t], epochs: 3, batch: 64, cacheTeachers: cache, optimizer: kd.optim.adam({ lr: 1e-3 }), objective: (ctx) => kd.losses.kd(ctx.outputs(s).logits, ctx.outputs(t).logits) })],
      };
    };
    const seconds = (r: Result) => r.lines.filter((l) => l.event === "epoch").map((l) => (l.seconds as number).toFixed(3));
    const live = await trace("speed-live", build(false));
    const cached = await trace("speed-cached", build(true));
    console.log(`seconds per epoch, live teacher: ${seconds(live).join(", ")}; cached: ${seconds(cached).join(", ")}`);
    expect(cached.lines.find((l) => l.event === "epoch" && l.epoch === 3)?.teacherCache).toBe("t: 256 rows, 8 batches from the cache, 4 live");
  });

  it("is off, with the reason, when the split is augmented, for one epoch, or over the budget", async () => {
    const augmented = await trace("augmented", (count) => distill("auto", count, { augmented: true }));
    expect(augmented.report.stages[0]!.teacherCache).toEqual({ enabled: false, reason: "split 'v.train' is augmented: its inputs change every epoch", bytes: 0 });
    expect(augmented.forwards[0]!.inference).toBe(28);
    const forced = await kd.run(() => distill(true, (m) => m, { augmented: true }), { backend: "cpu", outDir: join(root, "forced"), quiet: true }).catch((e: unknown) => e);
    expect((forced as Error).message).toBe("stage 'distill' (test.kd:1:1) asks for teacher-output caching, but split 'v.train' is augmented: its inputs change every epoch");
    const single = await trace("single", (count) => distill("auto", count, { epochs: 1 }));
    expect(single.report.stages[0]!.teacherCache?.reason).toBe("one epoch: nothing to reuse");
    const budget = await trace("budget", (count) => distill("auto", count), { teacherCacheBytes: 1000 });
    expect(budget.report.stages[0]!.teacherCache).toEqual({ enabled: false, reason: "needs 2.9 KiB, over the 1000 B budget", bytes: 0 });
    expect(budget.forwards[0]!.inference).toBe(28);
    expect(tf.memory().numTensors).toBe(0);
  });

  it("is reused by a later stage on the same teacher and data, and never served stale after the teacher trains", async () => {
    const build = (cache: boolean) => (count: (m: kd.Model) => kd.Model): kd.ProgramSpec => {
      const data = vectorSplit("v.train", { rows: 24, features: 6, classes: 3, seed: 1 });
      const t = count(new TinyNet("t", [6, 16, 3], 1));
      const s = new TinyNet("s", [6, 8, 3], 2);
      const kdOnly = (ctx: kd.StepContext) => kd.losses.kd(ctx.outputs(s).logits, ctx.outputs(t).logits);
      const d = (name: string, after: string[]) => stage({ name, after, train: s, data, teachers: [t], epochs: 2, batch: 8, cacheTeachers: cache, objective: kdOnly });
      return {
        recipe: "stale.kd", models: [t, s],
        stages: [
          d("d1", []),
          d("d2", ["d1"]), // same teacher weights, same data: served from d1's cache
          stage({ name: "retrain", after: ["d2"], train: t, data, epochs: 1, batch: 8, objective: (ctx) => kd.losses.crossEntropy(ctx.outputs(t).logits, ctx.labels()) }),
          d("d3", ["retrain"]), // new weights: a new cache
        ],
      };
    };
    const live = await trace("stages-live", build(false));
    const cached = await trace("stages-cached", build(true));
    for (let i = 0; i < live.losses.length; i++) expect(Math.abs(cached.losses[i]! - live.losses[i]!), `step ${i + 1}`).toBeLessThanOrEqual(1e-6);
    // d1 epoch 1 (3), d2 its first step only (every stage's first step runs its teachers live to
    // record which taps the objective reads), retrain's own training passes, d3 epoch 1 (3).
    expect(cached.forwards[0]).toEqual({ inference: 7, training: 3 });
    expect(live.forwards[0]).toEqual({ inference: 18, training: 3 });
  });

  it("computes a tap the first step did not read live when a later step reads it", async () => {
    const build = (cache: boolean) => (count: (m: kd.Model) => kd.Model): kd.ProgramSpec => {
      const data = vectorSplit("v.train", { rows: 16, features: 6, classes: 3, seed: 1 });
      const t = count(new TinyNet("t", [6, 16, 3], 1));
      const s = new TinyNet("s", [6, 16, 3], 2);
      return {
        recipe: "late.kd", models: [t, s],
        stages: [stage({
          name: "late", train: s, data, teachers: [t], epochs: 3, batch: 8, cacheTeachers: cache,
          objective: (ctx) => ctx.progress.step < 4
            ? kd.losses.kd(ctx.outputs(s).logits, ctx.outputs(t).logits)
            : tf.mean(tf.square(tf.sub(ctx.outputs(s).hidden[0]!, ctx.outputs(t).hidden[0]!))) as tf.Scalar,
        })],
      };
    };
    const live = await trace("late-live", build(false));
    const cached = await trace("late-cached", build(true));
    for (let i = 0; i < live.losses.length; i++) expect(Math.abs(cached.losses[i]! - live.losses[i]!), `step ${i + 1}`).toBeLessThanOrEqual(1e-6);
    expect(cached.report.stages[0]!.teacherCache?.reason).toBe("t (logits): 16 rows, 192 B");
    expect(cached.forwards[0]!.inference).toBe(2 + 2); // epoch 1, then the late reads of hidden[0] in epoch 3
    expect(tf.memory().numTensors).toBe(0);
  });

  it("keys rows by their content", () => {
    const x = tf.tensor2d([[1, 2, 3], [1, 2, 3], [1, 2, 4], [0, 0, 0]]);
    const keys = rowKeys(x);
    x.dispose();
    expect(keys[0]).toBe(keys[1]);
    expect(new Set(keys).size).toBe(3);
    const y = tf.tensor2d([[1, 2, 3]]);
    expect(rowKeys(y)).toEqual([keys[0]]);
    y.dispose();
  });
});
