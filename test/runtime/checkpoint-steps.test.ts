// `checkpoint every N steps`: step-<n>/ checkpoints mid-epoch and at epoch ends, `keep` pruning them
// newest first, interrupt checkpoints left out of the count, and a run stopped between two step
// checkpoints resuming to exactly the weights of an uninterrupted run.
import { readFile, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as kd from "../../runtime/index.js";
import { TinyNet, completeWeights, stage, tempDir, vectorSplit } from "./train-fixtures.js";

let root: string;
beforeAll(async () => {
  root = await tempDir("checkpoint-steps");
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** `steps 25` over `rows / 8` steps per epoch (48 rows: 6, so step 10 and 20 fall mid-epoch; 40 rows: 5, on epoch ends). */
function program(rows: number, checkpoint: kd.CheckpointSpec): kd.ProgramSpec {
  const data = vectorSplit("v.train", { rows, features: 6, classes: 3, seed: 1 });
  const net = new TinyNet("net", [6, 12, 3], 1, 0.3);
  return {
    recipe: "steps.kd",
    models: [net],
    stages: [
      stage({
        name: "lm", train: net, data, epochs: Math.ceil(25 / Math.ceil(rows / 8)), steps: 25, batch: 8, seed: 3,
        optimizer: kd.optim.adam({ lr: 0.01 }),
        objective: (ctx) => kd.losses.crossEntropy(ctx.outputs(net).logits, ctx.labels()),
        checkpoint,
      }),
    ],
  };
}

function options(outDir: string, stopAt?: number, extra: Partial<kd.RunOptions> = {}): kd.RunOptions {
  const controller = new AbortController();
  return {
    backend: "cpu", outDir, quiet: true, signal: controller.signal,
    onStep: (e) => {
      if (e.step === stopAt) controller.abort();
    },
    ...extra,
  };
}

const kindOf = async (dir: string) => (JSON.parse(await readFile(join(dir, "checkpoint.json"), "utf8")) as { kind: string; step: number });
const listed = async (dir: string) => (await readdir(join(dir, "checkpoints", "lm"))).sort();

describe.each([48, 40])("checkpoint every 10 steps, %i rows", (rows) => {
  it("writes step-10 and step-20, and a run stopped at step 15 resumes to the same weights", async () => {
    const straight = join(root, `straight-${rows}`);
    await kd.run(() => program(rows, { everySteps: 10, keep: 2 }), options(straight));
    expect(await listed(straight)).toEqual(["complete", "step-10", "step-20"]);
    expect(await kindOf(join(straight, "checkpoints", "lm", "step-10"))).toMatchObject({ kind: "step", step: 10 });
    expect(await kindOf(join(straight, "checkpoints", "lm", "step-20"))).toMatchObject({ kind: "step", step: 20 });

    const stopped = join(root, `stopped-${rows}`);
    const error = await kd.run(() => program(rows, { everySteps: 10, keep: 2 }), options(stopped, 15)).catch((e: unknown) => e);
    expect(kd.isKdcInterrupted(error)).toBe(true);
    // The interrupt checkpoint does not push the step checkpoint out.
    expect(await listed(stopped)).toEqual(["step-10", "step-15"]);
    expect(await kindOf(join(stopped, "checkpoints", "lm", "step-15"))).toMatchObject({ kind: "interrupt", step: 15 });

    const report = await kd.run(() => program(rows, { everySteps: 10, keep: 2 }), options(stopped, undefined, { resume: true }));
    expect(report.stages[0]!.resumed).toEqual({ epoch: Math.floor(15 / Math.ceil(rows / 8)), step: 15 });
    expect(await listed(stopped)).toEqual(["complete", "step-10", "step-20"]);
    expect(Array.from(await completeWeights(stopped, "lm", "net"))).toEqual(Array.from(await completeWeights(straight, "lm", "net")));
  });

  it("resumes from a step checkpoint after a crash to the same weights", async () => {
    const straight = join(root, `straight-${rows}`);
    const crashed = join(root, `crashed-${rows}`);
    await kd.run(() => program(rows, { everySteps: 10, keep: 2 }), options(crashed));
    // As if the process died after step 20: only step-10 and step-20 remain.
    await rm(join(crashed, "checkpoints", "lm", "complete"), { recursive: true });
    const report = await kd.run(() => program(rows, { everySteps: 10, keep: 2 }), options(crashed, undefined, { resume: true }));
    expect(report.stages[0]!.resumed).toEqual({ epoch: Math.floor(20 / Math.ceil(rows / 8)), step: 20 });
    expect(Array.from(await completeWeights(crashed, "lm", "net"))).toEqual(Array.from(await completeWeights(straight, "lm", "net")));
  });
});

it("keeps only the newest `keep` step checkpoints", async () => {
  const dir = join(root, "keep");
  await kd.run(() => program(48, { everySteps: 5, keep: 2 }), options(dir));
  expect(await listed(dir)).toEqual(["complete", "step-20", "step-25"]);
});
