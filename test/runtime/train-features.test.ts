// The step's features on the cpu backend: several frozen teachers (one forward each per step, off
// the tape), a trainable adapter optimised with the student, a frozen reference snapshot,
// gradient accumulation (by examples and by tokens) equal to one large batch, clipping by global
// norm, and a non-finite loss reported by the term that caused it.
import * as tf from "@tensorflow/tfjs";
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as kd from "../../runtime/index.js";
import { TinyNet, TokenNet, completeWeights, countForwards, maxAbsDiff, nextTokenCe, stage, tempDir, tokenSplit, vectorSplit } from "./train-fixtures.js";

let outDir: string;
beforeAll(async () => {
  outDir = await tempDir("features");
});
afterAll(() => rm(outDir, { recursive: true, force: true }));

const quiet = (dir: string, extra: Partial<kd.RunOptions> = {}): kd.RunOptions => ({ backend: "cpu", outDir: dir, quiet: true, handleSignals: false, ...extra });

describe("teachers, adapters and references", () => {
  it("runs each frozen teacher once per step in inference mode and trains the adapter with the student", async () => {
    const dir = `${outDir}/teachers`;
    let counts: { a: ReturnType<typeof countForwards>; b: ReturnType<typeof countForwards> } | undefined;
    let initialStudent: Float32Array | undefined;
    let firstRefGap = NaN;
    const steps: number[] = [];
    await kd.run(() => {
      const data = vectorSplit("v.train", { rows: 40, features: 6, classes: 3, seed: 1 });
      const a = new TinyNet("a", [6, 12, 3], 1);
      const b = new TinyNet("b", [6, 10, 3], 2);
      const s = new TinyNet("s", [6, 5, 3], 3);
      const ref = kd.snapshot(s, "ref");
      const adapter = kd.adapters.linear("s_to_a", 5, 12, 4);
      counts = { a: countForwards(a), b: countForwards(b) };
      initialStudent = Float32Array.from(s.variables.flatMap((v) => [...v.dataSync()]));
      return {
        recipe: "teachers.kd", models: [a, b, s, ref], modules: [adapter],
        stages: [stage({
          name: "distill", train: s, data, teachers: [a, b], reference: ref, modules: [adapter], epochs: 2, batch: 8, cacheTeachers: false,
          optimizer: kd.optim.adam({ lr: 0.01 }),
          objective: (ctx) => {
            const so = ctx.outputs(s);
            if (ctx.progress.step === 0) firstRefGap = maxAbsDiff(so.logits.dataSync(), ctx.outputs(ref).logits.dataSync());
            const hint = kd.ops.mul(0.1, tf.mean(tf.square(tf.sub(adapter.apply(so.hidden[0]!), ctx.outputs(a).hidden[0]!))));
            return kd.ops.add(
              kd.ops.add(ctx.term("kd", "t.kd:1:1", kd.losses.kd(so.logits, ctx.outputs(a).logits, { T: 2 })), ctx.term("kd", "t.kd:1:2", kd.losses.kd(so.logits, ctx.outputs(b).logits, { T: 2 }))),
              kd.ops.add(hint, kd.ops.mul(0, tf.sum(ctx.outputs(ref).logits))),
            ) as tf.Scalar;
          },
        })],
      };
    }, quiet(dir, { onStep: (e) => steps.push(e.step) }));

    expect(steps).toHaveLength(10);
    // One inference-mode forward per step for each teacher, none in training mode.
    expect(counts!.a).toEqual({ inference: 10, training: 0 });
    expect(counts!.b).toEqual({ inference: 10, training: 0 });
    // The reference equals the student when the stage starts and stays frozen at those weights.
    expect(firstRefGap).toBe(0);
    expect(Array.from(await completeWeights(dir, "distill", "ref"))).toEqual(Array.from(initialStudent!));
    expect(maxAbsDiff(await completeWeights(dir, "distill", "s"), initialStudent!)).toBeGreaterThan(1e-3);
    // Teachers unchanged; the adapter trained.
    const fresh = (name: string, widths: number[], seed: number) => {
      const m = new TinyNet(name, widths, seed);
      const w = Float32Array.from(m.variables.flatMap((v) => [...v.dataSync()]));
      m.dispose();
      return w;
    };
    expect(Array.from(await completeWeights(dir, "distill", "a"))).toEqual(Array.from(fresh("a", [6, 12, 3], 1)));
    expect(Array.from(await completeWeights(dir, "distill", "b"))).toEqual(Array.from(fresh("b", [6, 10, 3], 2)));
    const adapter0 = kd.adapters.linear("x", 5, 12, 4);
    const a0 = Float32Array.from(adapter0.variables.flatMap((v) => [...v.dataSync()]));
    adapter0.dispose();
    expect(maxAbsDiff(await completeWeights(dir, "distill", "s_to_a"), a0)).toBeGreaterThan(1e-4);
    expect(tf.memory().numTensors).toBe(0);
  });
});

/** Final weights of `s` after a one-stage run. */
async function trainOnce(dir: string, o: { batch: number; accumulate?: kd.AccumulateSpec; clip?: number; data: () => kd.Split; model: () => kd.Model; objective: (s: kd.Model) => kd.Objective; optimizer?: kd.OptimizerSpec; epochs?: number }, onStep?: (e: kd.StepEvent) => void): Promise<Float32Array> {
  await kd.run(() => {
    const s = o.model();
    return {
      recipe: "acc.kd", models: [s],
      stages: [stage({ name: "s", train: s, data: o.data(), objective: o.objective(s), batch: o.batch, epochs: o.epochs ?? 2, optimizer: o.optimizer ?? kd.optim.adam({ lr: 0.02 }), ...(o.accumulate ? { accumulate: o.accumulate } : {}), ...(o.clip !== undefined ? { clip: o.clip } : {}) })],
    };
  }, quiet(dir, onStep ? { onStep } : {}));
  return completeWeights(dir, "s", "s");
}

describe("gradient accumulation", () => {
  const vectors = {
    data: () => vectorSplit("v", { rows: 60, features: 6, classes: 3, seed: 5 }),
    model: () => new TinyNet("s", [6, 7, 3], 9),
    objective: (s: kd.Model) => (ctx: kd.StepContext) => kd.losses.crossEntropy(ctx.outputs(s).logits, ctx.labels()),
  };

  it("k micro-batches by examples give the weights of one batch k times larger (uneven last batch included)", async () => {
    const steps: number[] = [];
    const big = await trainOnce(`${outDir}/acc-big`, { ...vectors, batch: 32 });
    const small = await trainOnce(`${outDir}/acc-small`, { ...vectors, batch: 8, accumulate: { steps: 4, by: "examples" } }, (e) => steps.push(e.step));
    expect(steps).toEqual([1, 2, 3, 4]); // 60 rows: micro-batches 8×7 + 4, two steps per epoch
    expect(maxAbsDiff(small, big)).toBeLessThan(1e-5);
  });

  it("by tokens equals one large batch of a token-mean loss (and by examples would not)", async () => {
    const tokens = {
      data: () => tokenSplit("t", { rows: 16, context: 6, vocab: 7, seed: 3 }),
      model: () => new TokenNet("s", 7, 4, 2),
      objective: (s: kd.Model) => (ctx: kd.StepContext) => nextTokenCe(ctx.outputs(s).tokenLogits!, ctx.batch.targets!),
      epochs: 1,
    };
    const big = await trainOnce(`${outDir}/tok-big`, { ...tokens, batch: 8 });
    const byTokens = await trainOnce(`${outDir}/tok-small`, { ...tokens, batch: 2, accumulate: { steps: 4, by: "tokens" } });
    const byExamples = await trainOnce(`${outDir}/tok-ex`, { ...tokens, batch: 2, accumulate: { steps: 4, by: "examples" } });
    expect(maxAbsDiff(byTokens, big)).toBeLessThan(1e-5);
    expect(maxAbsDiff(byExamples, big)).toBeGreaterThan(1e-5);
  });
});

describe("gradient clipping", () => {
  it("caps the global norm of the update", async () => {
    const norms: number[] = [];
    const o = {
      data: () => vectorSplit("v", { rows: 8, features: 6, classes: 3, seed: 5 }),
      model: () => new TinyNet("s", [6, 7, 3], 9),
      objective: (s: kd.Model) => (ctx: kd.StepContext) => kd.ops.mul(50, kd.losses.crossEntropy(ctx.outputs(s).logits, ctx.labels())) as tf.Scalar,
      batch: 8,
      epochs: 1,
      optimizer: kd.optim.sgd({ lr: 1 }),
    };
    const before = new TinyNet("s", [6, 7, 3], 9);
    const w0 = Float32Array.from(before.variables.flatMap((v) => [...v.dataSync()]));
    before.dispose();
    const after = await trainOnce(`${outDir}/clip`, { ...o, clip: 0.25 }, (e) => norms.push(e.gradNorm!));
    const unclipped = await trainOnce(`${outDir}/noclip`, o);
    const norm = (a: Float32Array) => Math.sqrt(a.reduce((s, v, i) => s + (v - w0[i]!) ** 2, 0));
    expect(norms[0]).toBeGreaterThan(1); // the raw gradient is large…
    expect(norm(after)).toBeLessThanOrEqual(0.25 + 1e-5); // …the update (sgd, lr 1) is capped
    expect(norm(after)).toBeCloseTo(0.25, 4);
    expect(norm(unclipped)).toBeCloseTo(norms[0]!, 3);
  });
});

describe("non-finite losses", () => {
  it("name the first non-finite term with its recipe line", async () => {
    const error = await kd.run(() => {
      const s = new TinyNet("s", [6, 3], 1);
      return {
        recipe: "nan.kd", models: [s],
        stages: [stage({
          name: "broken", origin: "nan.kd:3:1", train: s, data: vectorSplit("v", { rows: 16, features: 6, classes: 3, seed: 1 }),
          objective: (ctx) => {
            const ce = ctx.term("ce", "nan.kd:5:3", kd.losses.crossEntropy(ctx.outputs(s).logits, ctx.labels()));
            const bad = ctx.term("entropy", "nan.kd:5:20", tf.log(tf.scalar(ctx.progress.step === 1 ? 0 : 1)) as tf.Scalar);
            return kd.ops.add(ce, kd.ops.mul(-1, bad)) as tf.Scalar;
          },
        })],
      };
    }, quiet(`${outDir}/nan`)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(kd.KdcRuntimeError);
    expect((error as Error).message).toBe("stage 'broken' (nan.kd:3:1): the loss became Infinity at epoch 1, step 2: the term 'entropy' (nan.kd:5:20) is -Infinity");
    expect(tf.memory().numTensors).toBe(0);
  });
});
