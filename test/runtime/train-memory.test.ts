// tf.memory().numTensors stays flat from step 10 to step 200 with everything the step can do at
// once: two teachers served from the cache, a reference snapshot, a trainable adapter, gradient
// accumulation and clipping; and nothing is left once the run ends. On wasm, the default backend.
import * as tf from "@tensorflow/tfjs";
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as kd from "../../runtime/index.js";
import { stageBytes } from "../../runtime/train/validate.js";
import { TinyNet, stage, tempDir, vectorSplit } from "./train-fixtures.js";

let outDir: string;
beforeAll(async () => {
  outDir = await tempDir("memory");
});
afterAll(() => rm(outDir, { recursive: true, force: true }));

describe("memory", () => {
  it("stays flat over 200 steps with teachers, caching, a reference, an adapter, accumulation and clipping", async () => {
    const at = new Map<number, number>();
    let report: kd.RunReport | undefined;
    report = await kd.run(() => {
      const data = vectorSplit("v.train", { rows: 32, features: 6, classes: 3, seed: 1 });
      const a = kd.models.mlp("a", { input: 6, hidden: [12], classes: 3 }, 1);
      const b = kd.models.mlp("b", { input: 6, hidden: [10], classes: 3 }, 2);
      const s = new TinyNet("s", [6, 5, 3], 3, 0.1);
      const ref = kd.snapshot(s, "ref");
      const adapter = kd.adapters.linear("proj", 5, 12, 4);
      return {
        recipe: "memory.kd", models: [a, b, s, ref], modules: [adapter],
        stages: [stage({
          name: "all", train: s, data, teachers: [a, b], reference: ref, modules: [adapter], epochs: 50, batch: 4,
          accumulate: { steps: 2, by: "examples" }, clip: 1, optimizer: kd.optim.adam({ lr: 0.01 }),
          objective: (ctx) => {
            const so = ctx.outputs(s);
            return kd.ops.add(
              kd.ops.add(
                ctx.term("kd", "m.kd:1:1", kd.losses.kd(so.logits, ctx.outputs(a).logits)),
                ctx.term("kd", "m.kd:1:2", kd.losses.kd(so.logits, ctx.outputs(b).logits)),
              ),
              kd.ops.add(
                ctx.term("hint", "m.kd:2:1", tf.mean(tf.square(tf.sub(adapter.apply(so.hidden[0]!), ctx.outputs(a).hidden[0]!))) as tf.Scalar),
                ctx.term("ref", "m.kd:3:1", kd.losses.kd(so.logits, ctx.outputs(ref).logits)),
              ),
            ) as tf.Scalar;
          },
        })],
      };
    }, { backend: "wasm", outDir, quiet: true, handleSignals: false, onStep: (e) => {
      if (e.step === 10 || e.step === 100 || e.step === 200) at.set(e.step, tf.memory().numTensors);
    } });
    expect(report.stages[0]!.steps).toBe(200);
    expect(report.stages[0]!.teacherCache?.enabled).toBe(true);
    expect(at.get(100)).toBe(at.get(10));
    expect(at.get(200)).toBe(at.get(10));
    expect(tf.memory().numTensors).toBeLessThan(10); // the mlp builder's initial tensors at most
  });

  it("counts adapters, accumulation and a model's own activation estimate in the wasm estimate", () => {
    const data = vectorSplit("v", { rows: 8, features: 6, classes: 3, seed: 1 });
    const s = new TinyNet("s", [6, 5, 3], 3);
    const adapter = kd.adapters.linear("proj", 5, 12, 4);
    const base = stage({ name: "x", train: s, data, objective: () => tf.scalar(0), optimizer: kd.optim.adam({ lr: 1 }) });
    const program = (st: kd.StageSpec): kd.ProgramSpec => ({ recipe: "m", models: [s], modules: [adapter], stages: [st] });
    const params = 6 * 5 + 5 + 5 * 3 + 3;
    const adapterParams = 5 * 12 + 12;
    const acts = 8 * (5 + 3);
    expect(stageBytes(program(base), base)).toBe(4 * (params + adapterParams + 3 * params + 4 * acts));
    const withAll = { ...base, modules: [adapter], accumulate: { steps: 2, by: "examples" as const }, clip: 1 };
    expect(stageBytes(program(withAll), withAll)).toBe(4 * (params + adapterParams + 5 * (params + adapterParams) + 4 * (acts + 8 * 12)));
    (s as unknown as { activationFloats: (b: number) => number }).activationFloats = (b) => 1000 * b;
    expect(stageBytes(program(base), base)).toBe(4 * (params + adapterParams + 3 * params + 4 * 8000));
    s.dispose();
    adapter.dispose();
  });
});
