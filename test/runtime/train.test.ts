// End-to-end: a program shaped like a generated trainer, run on a few hundred digits with wasm.
// Checks that the loss falls, that tf.memory().numTensors stays flat across steps (plain CE stage
// and a KD stage with a live teacher), evaluation, checkpoints, exports and the report table.
import * as tf from "@tensorflow/tfjs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as kd from "../../runtime/index.js";

let outDir: string;
beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), "kdc-train-"));
});
afterAll(() => rm(outDir, { recursive: true, force: true }));

/** Written the way the compiler emits trainers (see docs/runtime.md). */
function hinton(ctx: kd.StepContext, s: kd.Model, t: kd.Model, T: number, alpha: number): kd.tf.Scalar {
  return kd.ops.add(
    kd.ops.mul(alpha, kd.losses.kd(ctx.outputs(s).logits, ctx.outputs(t).logits, { T })),
    kd.ops.mul(1 - alpha, kd.losses.crossEntropy(ctx.outputs(s).logits, ctx.labels())),
  ) as kd.tf.Scalar;
}

function program(params: { T: number }): kd.ProgramSpec {
  const digits = kd.data.mnist({ train: 400, test: 200, unlabeled: 300, seed: 7, name: "digits" });
  const big = kd.models.mlp("big", { input: 784, hidden: [64], classes: 10, dropout: 0.2, inputDropout: 0.1 }, 1);
  const small = kd.models.mlp("small", { input: 784, hidden: [16], classes: 10 }, 2);
  const temp = kd.schedules.linear({ from: 2 * params.T, to: params.T });
  return {
    recipe: "test/runtime/train.test.ts",
    models: [big, small],
    stages: [
      {
        name: "teach", origin: "train.test.ts:1:1", after: [], train: big, data: digits.train, teachers: [],
        epochs: 8, batch: 32, seed: 1, optimizer: kd.optim.adam({ lr: kd.schedules.constant(1e-3) }),
        objective: (ctx) => kd.losses.crossEntropy(ctx.outputs(big).logits, ctx.labels()),
        evaluate: [{ split: digits.test, everyEpochs: 4, metrics: [kd.metrics.accuracy(), kd.metrics.ece()] }],
        checkpoint: undefined, exports: [],
      },
      {
        name: "distill", origin: "train.test.ts:2:1", after: ["teach"], train: small, data: digits.train, teachers: [big],
        epochs: 8, batch: 32, seed: 2,
        optimizer: kd.optim.adam({ lr: kd.schedules.cosine({ from: 3e-3, to: 1e-4, warmup: { value: 10, unit: "steps" } }) }),
        objective: (ctx) => hinton(ctx, small, big, ctx.at(temp), 0.9),
        evaluate: [{ split: digits.test, everyEpochs: 4, metrics: [kd.metrics.accuracy(), kd.metrics.agreement(big), kd.metrics.ece()] }],
        checkpoint: { everyEpochs: 2, keep: 2 }, exports: [{ model: small, path: "student" }],
      },
      {
        name: "transfer", origin: "train.test.ts:3:1", after: ["distill"], train: small, data: digits.unlabeled!, teachers: [big],
        epochs: 1, batch: 64, seed: 3, optimizer: kd.optim.sgd({ lr: 1e-2, momentum: 0.9 }),
        objective: (ctx) => kd.losses.kd(ctx.outputs(small).logits, ctx.outputs(big).logits, { T: 2 }),
        evaluate: [{ split: digits.test, everyEpochs: 1, metrics: [kd.metrics.agreement(big)] }],
        checkpoint: undefined, exports: [],
      },
    ],
  };
}

describe("run", () => {
  it("trains a CE stage and a KD stage without leaking tensors, then reports", async () => {
    const losses = new Map<string, number[]>();
    const tensorsAt = new Map<string, number>();
    const printed: string[] = [];
    const write = process.stdout.write;
    let report: kd.RunReport;
    try {
      // Capture the plain-line output (interactive: false) instead of printing it.
      process.stdout.write = ((chunk: string) => (printed.push(String(chunk)), true)) as typeof process.stdout.write;
      report = await kd.run(() => program({ T: 4 }), {
        backend: "wasm",
        outDir,
        interactive: false,
        onStep: (e) => {
          losses.set(e.stage, [...(losses.get(e.stage) ?? []), e.loss]);
          if (e.step === 10 || e.step === 100) tensorsAt.set(`${e.stage}@${e.step}`, tf.memory().numTensors);
        },
      });
    } finally {
      process.stdout.write = write;
    }

    expect(report.backend).toBe("wasm");
    expect(report.stages.map((s) => [s.stage, s.model, s.steps])).toEqual([
      ["teach", "big", 8 * 13],
      ["distill", "small", 8 * 13],
      ["transfer", "small", 5],
    ]);
    for (const stage of ["teach", "distill"]) {
      const l = losses.get(stage)!;
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(mean(l.slice(-10)), `${stage} loss falls`).toBeLessThan(0.6 * mean(l.slice(0, 10)));
      expect(tensorsAt.get(`${stage}@100`), `${stage} tensors flat`).toBe(tensorsAt.get(`${stage}@10`));
    }
    const teach = report.stages[0]!.metrics["digits.test"]!;
    expect(Object.keys(teach)).toEqual(["accuracy", "ece"]);
    expect(teach.accuracy).toBeGreaterThan(0.6);
    const distill = report.stages[1]!.metrics["digits.test"]!;
    expect(Object.keys(distill)).toEqual(["accuracy", "agreement(big)", "ece"]);
    expect(distill["agreement(big)"]).toBeGreaterThan(0.5);
    expect(report.stages[2]!.metrics["digits.test"]!["agreement(big)"]).toBeGreaterThan(0.5);

    expect((await readdir(join(outDir, "checkpoints", "distill"))).sort()).toEqual(["complete", "epoch-6", "epoch-8"]);
    expect((await readdir(join(outDir, "student"))).sort()).toEqual(["model.json", "weights.bin"]);

    const text = printed.join("");
    expect(text).toMatch(/^teach {2}epoch 1\/8 {2}step 13\/104 {2}loss /m);
    expect(text).toMatch(/^distill {2}epoch 8\/8 {2}digits\.test {2}accuracy \d+\.\d\d% {2}agreement\(big\) \d+\.\d\d% {2}ece 0\.\d{3}$/m);
    expect(text).toMatch(/^stage +model +split +accuracy +agreement\(big\) +ece +time$/m);
    expect(text).toMatch(/^backend: wasm$/m);
    // The models were disposed with the run.
    expect(tf.memory().numTensors).toBeLessThan(10);
  });

  it("stops on a non-finite loss with an error naming the stage", async () => {
    const build = (): kd.ProgramSpec => {
      const digits = kd.data.mnist({ train: 64, test: 0, seed: 1 });
      const m = kd.models.mlp("m", { input: 784, hidden: [4], classes: 10 }, 1);
      return {
        recipe: "nan.kd", models: [m],
        stages: [{
          name: "broken", origin: "nan.kd:3:1", after: [], train: m, data: digits.train, teachers: [], epochs: 1, batch: 32, seed: 1,
          optimizer: kd.optim.sgd({ lr: 0.1 }),
          objective: (ctx) => kd.ops.div(kd.losses.crossEntropy(ctx.outputs(m).logits, ctx.labels()), 0) as kd.tf.Scalar,
          evaluate: [], checkpoint: undefined, exports: [],
        }],
      };
    };
    const error = await kd.run(build, { backend: "wasm", outDir, quiet: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(kd.KdcRuntimeError);
    expect((error as Error).message).toMatch(/stage 'broken' \(nan\.kd:3:1\): the loss became Infinity at epoch 1, step 1/);
  });

  it("refuses a stage that cannot fit in wasm memory before training", async () => {
    const build = (): kd.ProgramSpec => {
      const digits = kd.data.mnist({ train: 32, test: 0, seed: 1 });
      const m = kd.models.mlp("wide", { input: 784, hidden: [4096], classes: 10 }, 1);
      return {
        recipe: "big.kd", models: [m],
        stages: [{
          name: "huge", origin: "big.kd:1:1", after: [], train: m, data: digits.train, teachers: [], epochs: 1, batch: 1_000_000, seed: 1,
          optimizer: kd.optim.sgd({ lr: 0.1 }), objective: (ctx) => kd.losses.crossEntropy(ctx.outputs(m).logits, ctx.labels()),
          evaluate: [], checkpoint: undefined, exports: [],
        }],
      };
    };
    await expect(kd.run(build, { backend: "wasm", outDir, quiet: true })).rejects.toThrow(/stage 'huge' \(big\.kd:1:1\) needs about \d+\.\d GiB, more than the wasm backend's 4 GiB/);
  });

  it("fails clearly when the objective reads a model that is neither trained nor a teacher", async () => {
    const build = (): kd.ProgramSpec => {
      const digits = kd.data.mnist({ train: 32, test: 0, seed: 1 });
      const a = kd.models.mlp("a", { input: 784, hidden: [4], classes: 10 }, 1);
      const b = kd.models.mlp("b", { input: 784, hidden: [4], classes: 10 }, 2);
      return {
        recipe: "x.kd", models: [a, b],
        stages: [{
          name: "s", origin: "x.kd:1:1", after: [], train: a, data: digits.train, teachers: [], epochs: 1, batch: 32, seed: 1,
          optimizer: kd.optim.sgd({ lr: 0.1 }),
          objective: (ctx) => kd.losses.kd(ctx.outputs(a).logits, ctx.outputs(b).logits),
          evaluate: [], checkpoint: undefined, exports: [],
        }],
      };
    };
    await expect(kd.run(build, { backend: "wasm", outDir, quiet: true })).rejects.toThrow(/reads model 'b', which is neither trained nor a teacher/);
  });

  it("fails clearly when the objective reads labels of an unlabelled split", async () => {
    const build = (): kd.ProgramSpec => {
      const digits = kd.data.mnist({ train: 0, test: 0, unlabeled: 32, seed: 1 });
      const m = kd.models.mlp("m", { input: 784, hidden: [4], classes: 10 }, 1);
      return {
        recipe: "x.kd", models: [m],
        stages: [{
          name: "s", origin: "x.kd:1:1", after: [], train: m, data: digits.unlabeled!, teachers: [], epochs: 1, batch: 32, seed: 1,
          optimizer: kd.optim.sgd({ lr: 0.1 }),
          objective: (ctx) => kd.losses.crossEntropy(ctx.outputs(m).logits, ctx.labels()),
          evaluate: [], checkpoint: undefined, exports: [],
        }],
      };
    };
    await expect(kd.run(build, { backend: "wasm", outDir, quiet: true })).rejects.toThrow(/reads labels, but the training split has none/);
  });
});
