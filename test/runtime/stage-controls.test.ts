// The stage controls on the cpu backend: `steps` (an exact step count crossing epoch boundaries,
// resumable mid-way), `freeze` (frozen variables bit-identical, the rest trained), the best
// checkpoint (chosen by a metric, restored at the end even when the last epoch is worse, and
// resumable), and trainable teachers (trained on the tape with the student, gradients stopped by
// `kd` into its teacher argument, their weights handed to later stages). Tensors stay flat.
import * as tf from "@tensorflow/tfjs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as kd from "../../runtime/index.js";
import { checkpointDir, readCheckpoint } from "../../runtime/checkpoint.js";
import { evaluate } from "../../runtime/evaluate.js";
import { partVariables } from "../../runtime/train/freeze.js";
import { completeWeights, countForwards, maxAbsDiff, stage, tempDir, vectorSplit } from "./train-fixtures.js";

let root: string;
beforeAll(async () => {
  root = await tempDir("stage-controls");
});
afterAll(() => rm(root, { recursive: true, force: true }));

const quiet = (outDir: string, extra: Partial<kd.RunOptions> = {}): kd.RunOptions => ({ backend: "cpu", outDir, quiet: true, handleSignals: false, logEvery: 1, ...extra });
const values = (m: { variables: readonly tf.Variable[] }) => m.variables.map((v) => Array.from(v.dataSync()));

/** Runs `program`, stopping after step `stopAt` of `stageName` (then resuming) when given. */
async function runResumable(dir: string, program: () => kd.ProgramSpec, stopAt?: { stage: string; step: number }, onStep?: (e: kd.StepEvent) => void): Promise<kd.RunReport> {
  if (!stopAt) return kd.run(program, quiet(dir, { onStep }));
  const controller = new AbortController();
  const error = await kd
    .run(program, quiet(dir, { signal: controller.signal, onStep: (e) => e.stage === stopAt.stage && e.step === stopAt.step && controller.abort() }))
    .catch((e: unknown) => e);
  expect(kd.isKdcInterrupted(error)).toBe(true);
  return kd.run(program, quiet(dir, { resume: true, onStep }));
}

describe("steps", () => {
  // 40 rows in batches of 8: 5 steps per epoch; 13 steps end inside the third epoch.
  const program = (seen?: { step: number; epoch: number; progressEpoch: number }[]) => (): kd.ProgramSpec => {
    const data = vectorSplit("v.train", { rows: 40, features: 6, classes: 3, seed: 1 });
    const test = vectorSplit("v.test", { rows: 12, features: 6, classes: 3, seed: 2 });
    const m = kd.models.mlp("m", { input: 6, hidden: [8], classes: 3, dropout: 0.2 }, 1);
    return {
      recipe: "steps.kd", models: [m],
      stages: [stage({
        name: "s", train: m, data, epochs: 3, steps: 13, batch: 8,
        optimizer: kd.optim.adam({ lr: kd.schedules.cosine({ from: 0.02, to: 0.001 }) }),
        objective: (ctx) => {
          seen?.push({ step: ctx.progress.step, epoch: ctx.progress.epoch, progressEpoch: ctx.progress.step / ctx.progress.stepsPerEpoch });
          expect(ctx.progress.totalSteps).toBe(13);
          return kd.losses.crossEntropy(ctx.outputs(m).logits, ctx.labels());
        },
        evaluate: [
          { split: test, everyEpochs: 1, metrics: [kd.metrics.accuracy()] },
          { split: data, everyEpochs: 3, everySteps: 4, metrics: [kd.metrics.accuracy()] },
        ],
        checkpoint: { everyEpochs: 1, keep: 3 },
      })],
    };
  };

  it("runs exactly N optimizer steps across epoch boundaries and evaluates at the end", async () => {
    const dir = join(root, "steps");
    const seen: { step: number; epoch: number; progressEpoch: number }[] = [];
    const events: kd.StepEvent[] = [];
    const report = await kd.run(program(seen), quiet(dir, { onStep: (e) => events.push(e) }));
    expect(events.map((e) => e.step)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    expect(events.map((e) => e.epoch)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2]);
    expect(seen.map((s) => s.progressEpoch)).toEqual(Array.from({ length: 13 }, (_, i) => i / 5));
    expect(report.stages[0]!.steps).toBe(13);
    const log = (await readFile(join(dir, "metrics.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { event: string; step: number; split: string; metrics?: Record<string, number> });
    const evals = (split: string) => log.filter((e) => e.event === "eval" && e.split === split).map((e) => e.step);
    // After each full epoch and at the end of the stage (step 13, mid-epoch); `every 4 steps` likewise.
    expect(evals("v.test")).toEqual([5, 10, 13]);
    expect(evals("v.train")).toEqual([4, 8, 12, 13]);
    // The report's final accuracy is the one the last evaluation (at step 13) logged.
    const last = log.filter((e) => e.event === "eval" && e.split === "v.test").at(-1)!;
    expect(report.stages[0]!.metrics["v.test"]!.accuracy).toBe(last.metrics!.accuracy);
    expect(tf.memory().numTensors).toBe(0);
  });

  it("resumes mid-way through the partial last epoch to the same weights", async () => {
    const straight = join(root, "steps-straight");
    await kd.run(program(), quiet(straight));
    for (const at of [7, 11]) {
      const dir = join(root, `steps-resumed-${at}`);
      const steps: number[] = [];
      const report = await runResumable(dir, program(), { stage: "s", step: at }, (e) => steps.push(e.step));
      expect(steps[0]).toBe(at + 1);
      expect(steps.at(-1)).toBe(13);
      expect(report.stages[0]!.steps).toBe(13);
      expect(Array.from(await completeWeights(dir, "s", "m"))).toEqual(Array.from(await completeWeights(straight, "s", "m")));
    }
    expect(tf.memory().numTensors).toBe(0);
  });

  it("rejects a steps count that disagrees with epochs", async () => {
    const data = vectorSplit("v.train", { rows: 40, features: 6, classes: 3, seed: 1 });
    const m = kd.models.mlp("m", { input: 6, hidden: [], classes: 3 }, 1);
    const error = await kd
      .run(() => ({ recipe: "x.kd", models: [m], stages: [stage({ name: "s", train: m, data, epochs: 1, steps: 13, objective: (ctx) => kd.losses.crossEntropy(ctx.outputs(m).logits, ctx.labels()) })] }), quiet(join(root, "steps-bad")))
      .catch((e: unknown) => e);
    expect(String(error)).toMatch(/13 steps touch 3 epochs, but epochs is 1/);
  });
});

describe("freeze", () => {
  it("leaves frozen variables bit-identical and trains the others, with flat tensor counts", async () => {
    const dir = join(root, "freeze");
    let initial: number[][] = [];
    let model: kd.Model | undefined;
    const at = new Map<number, number>();
    await kd.run(() => {
      const data = vectorSplit("v.train", { rows: 32, features: 6, classes: 3, seed: 1 });
      const m = kd.models.mlp("m", { input: 6, hidden: [8, 5], classes: 3 }, 1);
      model = m;
      initial = values(m);
      return {
        recipe: "freeze.kd", models: [m],
        stages: [stage({
          name: "s", train: m, data, epochs: 25, batch: 4, freeze: [{ tap: "hidden", index: 0 }, { tap: "logits" }],
          optimizer: kd.optim.adam({ lr: 0.01 }),
          objective: (ctx) => kd.losses.crossEntropy(ctx.outputs(m).logits, ctx.labels()),
        })],
      };
    }, quiet(dir, { logEvery: 50, onStep: (e) => {
      if (e.step === 10 || e.step === 100 || e.step === 200) at.set(e.step, tf.memory().numTensors);
    } }));
    const saved = (await readCheckpoint(join(checkpointDir(dir, "s"), "complete"))).weights("m");
    const names = [...saved.keys()];
    expect(names).toEqual(["dense_0/kernel", "dense_0/bias", "dense_1/kernel", "dense_1/bias", "dense_2/kernel", "dense_2/bias"]);
    names.forEach((name, i) => {
      const after = Array.from(saved.get(name)!);
      if (name.startsWith("dense_1/")) expect(maxAbsDiff(after, initial[i]!), name).toBeGreaterThan(1e-3);
      else expect(after, name).toEqual(initial[i]); // dense_0 (hidden[0]) and dense_2 (logits)
    });
    expect(at.get(100)).toBe(at.get(10));
    expect(at.get(200)).toBe(at.get(10));
    model!.dispose();
  });

  it("names each architecture's parts by their variables", () => {
    const names = (m: kd.Model, part: kd.ModelPart) => {
      const all = m.variables;
      const own = (m as { variableNames?: readonly string[] }).variableNames!;
      return partVariables(m, part).map((v) => own[all.indexOf(v)]);
    };
    const cnn = kd.models.cnn("c", { input: [8, 8, 1], channels: [2, 3], hidden: [4], classes: 3 }, 1);
    expect(names(cnn, { tap: "block", index: 1 })).toEqual(["block_1/conv/kernel", "block_1/conv/bias"]);
    expect(names(cnn, { tap: "hidden", index: 0 })).toEqual(["hidden_0/kernel", "hidden_0/bias"]);
    const resnet = kd.models.resnet("r", { input: [8, 8, 1], widths: [2, 4], classes: 3 }, 1);
    expect(names(resnet, { tap: "block", index: 1 }).every((n) => n!.startsWith("stage_1/"))).toBe(true);
    expect(names(resnet, { tap: "logits" })).toEqual(["logits/kernel", "logits/bias"]);
    const lm = kd.models.transformer("t", { vocab: 7, dim: 4, layers: 2, heads: 2, context: 5 }, 1);
    expect(names(lm, { tap: "embedding" })).toEqual(["tok_emb", "pos_emb"]);
    expect(names(lm, { tap: "attention", index: 1 })).toEqual(["block_1/attn/qkv/kernel", "block_1/attn/qkv/bias", "block_1/attn/proj/kernel", "block_1/attn/proj/bias"]);
    expect(names(lm, { tap: "logits" })).toEqual(["ln_f/gamma", "ln_f/beta"]);
    expect(() => partVariables(lm, { tap: "hidden", index: 0 })).toThrow(/has no such part/);
    for (const m of [cnn, resnet, lm]) m.dispose();
  });
});

describe("best checkpoint", () => {
  // Two epochs of learning, then two of gradient ascent (a negative learning rate): the best
  // accuracy is reached early, and the last epoch is worse.
  const program = (captured: { model?: kd.Model; val?: kd.Split }, best: { metric?: kd.MetricSpec; mode?: "min" | "max" } = {}) => (): kd.ProgramSpec => {
    const data = vectorSplit("v.train", { rows: 40, features: 6, classes: 3, seed: 1 });
    const val = vectorSplit("v.val", { rows: 40, features: 6, classes: 3, seed: 1 });
    const m = kd.models.mlp("m", { input: 6, hidden: [8], classes: 3 }, 1);
    const next = kd.models.mlp("next", { input: 6, hidden: [], classes: 3 }, 2);
    captured.model = m;
    captured.val = val;
    const lr: kd.Schedule = { describe: "up then down", at: (p) => (p.epoch < 2 ? 0.3 : -0.3) };
    return {
      recipe: "best.kd", models: [m, next],
      stages: [
        stage({
          name: "s", train: m, data, epochs: 4, batch: 8, optimizer: kd.optim.sgd({ lr }),
          objective: (ctx) => kd.losses.crossEntropy(ctx.outputs(m).logits, ctx.labels()),
          checkpoint: { everyEpochs: 1, keep: 4, best: { split: val, metric: best.metric ?? kd.metrics.accuracy(), mode: best.mode ?? "max" } },
        }),
        // A later stage reads m: it must see the best weights.
        stage({
          name: "later", after: ["s"], train: next, data, teachers: [m], epochs: 1, batch: 8,
          objective: (ctx) => kd.losses.kd(ctx.outputs(next).logits, ctx.outputs(m).logits),
        }),
      ],
    };
  };

  it("restores the weights of the best epoch, not the last, for later stages and the report", async () => {
    const dir = join(root, "best");
    const captured: { model?: kd.Model; val?: kd.Split } = {};
    let restored: Record<string, number> | undefined;
    const report = await kd.run(program(captured), quiet(dir, { onStep: (e) => {
      // The first step of the later stage sees the trained model as the first stage left it.
      if (e.stage === "later" && e.step === 1) restored = evaluate(captured.model!, { split: captured.val!, everyEpochs: 1, metrics: [kd.metrics.accuracy()] });
    } }));
    const log = (await readFile(join(dir, "metrics.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { event: string; stage: string; step: number; metrics: Record<string, number> });
    const sequence = log.filter((e) => e.event === "eval" && e.stage === "s").map((e) => [e.step, e.metrics.accuracy!] as const);
    expect(sequence.map(([step]) => step)).toEqual([5, 10, 15, 20]);
    const bestAccuracy = Math.max(...sequence.map(([, a]) => a));
    const bestStep = sequence.find(([, a]) => a === bestAccuracy)![0];
    // The case is built so that the last epoch is not the best.
    expect(sequence.at(-1)![1]).toBeLessThan(bestAccuracy);
    const best = report.stages[0]!.best!;
    expect(best).toEqual({ split: "v.val", metric: "accuracy", mode: "max", value: bestAccuracy, epoch: bestStep / 5, step: bestStep });
    // The stage's outgoing weights are the best checkpoint's, not the last epoch's.
    const outgoing = await completeWeights(dir, "s", "m");
    const bestSaved = (await readCheckpoint(join(checkpointDir(dir, "s"), "best"))).weights("m");
    expect(Array.from(outgoing)).toEqual([...bestSaved.values()].flatMap((v) => Array.from(v)));
    const lastEpoch = (await readCheckpoint(join(checkpointDir(dir, "s"), "epoch-4"))).weights("m");
    expect(maxAbsDiff(outgoing, [...lastEpoch.values()].flatMap((v) => Array.from(v)))).toBeGreaterThan(1e-3);
    expect(restored!.accuracy).toBe(bestAccuracy);
    const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as { stages: { best?: unknown }[] };
    expect(manifest.stages[0]!.best).toEqual(best);
    expect(kd.formatReport(report)).toMatch(/s: best accuracy on v\.val/);
    expect(tf.memory().numTensors).toBe(0);
  });

  it("keeps the lowest value for a metric where lower is better", async () => {
    const dir = join(root, "best-min");
    const report = await kd.run(program({}, { metric: kd.metrics.ece(), mode: "min" }), quiet(dir));
    const log = (await readFile(join(dir, "metrics.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { event: string; stage: string; step: number; metrics: Record<string, number> });
    const sequence = log.filter((e) => e.event === "eval" && e.stage === "s").map((e) => e.metrics.ece!);
    expect(sequence).toHaveLength(4);
    expect(report.stages[0]!.best).toMatchObject({ metric: "ece", mode: "min", value: Math.min(...sequence) });
    expect(report.stages[0]!.best!.step).toBe(5 * (sequence.indexOf(Math.min(...sequence)) + 1));
  });

  it("resumes after the best was saved and still ends with the same weights", async () => {
    const straight = join(root, "best-straight");
    await kd.run(program({}), quiet(straight));
    const dir = join(root, "best-resumed");
    const report = await runResumable(dir, program({}), { stage: "s", step: 17 });
    expect(Array.from(await completeWeights(dir, "s", "m"))).toEqual(Array.from(await completeWeights(straight, "s", "m")));
    expect(Array.from(await completeWeights(dir, "later", "next"))).toEqual(Array.from(await completeWeights(straight, "later", "next")));
    expect(report.stages[0]!.best?.step).toBeLessThan(17);
    expect(tf.memory().numTensors).toBe(0);
  });
});

describe("trainable teacher", () => {
  const fresh = (name: string, hidden: number[], seed: number) => {
    const m = kd.models.mlp(name, { input: 6, hidden, classes: 3 }, seed);
    const w = values(m).flat();
    m.dispose();
    return w;
  };

  it("trains the teacher with the student on the tape and hands it to later stages", async () => {
    const dir = join(root, "mutual");
    let counts: ReturnType<typeof countForwards> | undefined;
    const at = new Map<number, number>();
    const report = await kd.run(() => {
      const data = vectorSplit("v.train", { rows: 32, features: 6, classes: 3, seed: 1 });
      const a = kd.models.mlp("a", { input: 6, hidden: [8], classes: 3 }, 1);
      const b = kd.models.mlp("b", { input: 6, hidden: [5], classes: 3 }, 2);
      const c = kd.models.mlp("c", { input: 6, hidden: [], classes: 3 }, 3);
      counts = countForwards(b);
      return {
        recipe: "mutual.kd", models: [a, b, c],
        stages: [
          stage({
            name: "mutual", train: a, data, trainableTeachers: [b], epochs: 25, batch: 4, optimizer: kd.optim.adam({ lr: 0.01 }),
            objective: (ctx) => {
              const [sa, sb] = [ctx.outputs(a).logits, ctx.outputs(b).logits];
              return kd.ops.add(
                kd.ops.add(kd.losses.crossEntropy(sa, ctx.labels()), kd.losses.kd(sa, sb, { T: 1 })),
                kd.ops.add(kd.losses.crossEntropy(sb, ctx.labels()), kd.losses.kd(sb, sa, { T: 1 })),
              ) as tf.Scalar;
            },
          }),
          stage({
            name: "later", after: ["mutual"], train: c, data, teachers: [b], epochs: 2, batch: 4, cacheTeachers: true,
            objective: (ctx) => kd.losses.kd(ctx.outputs(c).logits, ctx.outputs(b).logits),
          }),
        ],
      };
    }, quiet(dir, { logEvery: 50, onStep: (e) => {
      if (e.stage === "mutual" && (e.step === 10 || e.step === 100 || e.step === 200)) at.set(e.step, tf.memory().numTensors);
    } }));
    // One training-mode forward per step in the mutual stage; inference afterwards (cached later).
    expect(counts!.training).toBe(200);
    expect(report.stages[0]!.teacherCache).toBeUndefined();
    expect(report.stages[1]!.teacherCache?.enabled).toBe(true);
    const b1 = await completeWeights(dir, "mutual", "b");
    expect(maxAbsDiff(b1, fresh("b", [5], 2))).toBeGreaterThan(1e-3);
    expect(Array.from(await completeWeights(dir, "later", "b"))).toEqual(Array.from(b1));
    expect(at.get(100)).toBe(at.get(10));
    expect(at.get(200)).toBe(at.get(10));
    expect(tf.memory().numTensors).toBe(0);
  });

  it("is trained only by terms where it is the student: kd stops the gradient into its teacher argument", async () => {
    const dir = join(root, "kd-only");
    await kd.run(() => {
      const data = vectorSplit("v.train", { rows: 16, features: 6, classes: 3, seed: 1 });
      const a = kd.models.mlp("a", { input: 6, hidden: [8], classes: 3 }, 1);
      const b = kd.models.mlp("b", { input: 6, hidden: [5], classes: 3 }, 2);
      return {
        recipe: "kd-only.kd", models: [a, b],
        stages: [stage({
          name: "s", train: a, data, trainableTeachers: [b], epochs: 2, batch: 4, optimizer: kd.optim.adam({ lr: 0.01 }),
          objective: (ctx) => kd.losses.kd(ctx.outputs(a).logits, ctx.outputs(b).logits),
        })],
      };
    }, quiet(dir));
    expect(Array.from(await completeWeights(dir, "s", "b"))).toEqual(fresh("b", [5], 2));
    expect(maxAbsDiff(await completeWeights(dir, "s", "a"), fresh("a", [8], 1))).toBeGreaterThan(1e-4);
  });

  it("resumes a stage with a trainable teacher and a frozen part to the same weights", async () => {
    const program = (): kd.ProgramSpec => {
      const data = vectorSplit("v.train", { rows: 20, features: 6, classes: 3, seed: 1 });
      const a = kd.models.mlp("a", { input: 6, hidden: [8], classes: 3 }, 1);
      const b = kd.models.mlp("b", { input: 6, hidden: [5], classes: 3, dropout: 0.3 }, 2);
      return {
        recipe: "mutual-resume.kd", models: [a, b],
        stages: [stage({
          name: "m", train: a, data, trainableTeachers: [b], freeze: [{ tap: "logits" }], epochs: 3, batch: 4, optimizer: kd.optim.adam({ lr: 0.01 }),
          objective: (ctx) => kd.ops.add(kd.losses.kd(ctx.outputs(a).logits, ctx.outputs(b).logits), kd.losses.crossEntropy(ctx.outputs(b).logits, ctx.labels())) as tf.Scalar,
        })],
      };
    };
    const straight = join(root, "mutual-straight");
    await kd.run(program, quiet(straight));
    const dir = join(root, "mutual-resumed");
    await runResumable(dir, program, { stage: "m", step: 7 });
    for (const owner of ["a", "b"]) expect(Array.from(await completeWeights(dir, "m", owner)), owner).toEqual(Array.from(await completeWeights(straight, "m", owner)));
    expect(maxAbsDiff(await completeWeights(dir, "m", "b"), fresh("b", [5], 2))).toBeGreaterThan(1e-4);
    expect(tf.memory().numTensors).toBe(0);
  });
});
