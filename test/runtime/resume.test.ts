// Stopping and resuming: a run stopped (AbortSignal or SIGINT) writes a checkpoint and rejects with
// KdcInterrupted; `resume: true` skips complete stages, continues the stopped one from its newest
// checkpoint and ends with exactly the weights of an uninterrupted run (dropout included, since
// masks follow the loop's per-step reseed). Also the run manifest and metrics.jsonl around it.
import * as tf from "@tensorflow/tfjs";
import { existsSync } from "node:fs";
import { readFile, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as kd from "../../runtime/index.js";
import { TinyNet, completeWeights, stage, tempDir, vectorSplit } from "./train-fixtures.js";

let root: string;
beforeAll(async () => {
  root = await tempDir("resume");
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** teach (dropout, Adam, cosine lr) then distill (teacher + snapshot reference); 5 steps per epoch. */
function program(epochs = 4): kd.ProgramSpec {
  const data = vectorSplit("v.train", { rows: 40, features: 6, classes: 3, seed: 1 });
  const test = vectorSplit("v.test", { rows: 20, features: 6, classes: 3, seed: 2 });
  const big = new TinyNet("big", [6, 16, 3], 1, 0.3);
  const small = new TinyNet("small", [6, 8, 3], 2, 0.2);
  const ref = kd.snapshot(small, "ref");
  return {
    recipe: "resume.kd",
    models: [big, small, ref],
    stages: [
      stage({
        name: "teach", train: big, data, epochs, batch: 8, seed: 3,
        optimizer: kd.optim.adam({ lr: kd.schedules.cosine({ from: 0.02, to: 0.001 }) }),
        objective: (ctx) => kd.losses.crossEntropy(ctx.outputs(big).logits, ctx.labels()),
        evaluate: [{ split: test, everyEpochs: 1, metrics: [kd.metrics.accuracy()] }],
        checkpoint: { everyEpochs: 1, keep: 2 },
      }),
      stage({
        name: "distill", after: ["teach"], train: small, data, teachers: [big], reference: ref, epochs, batch: 8, seed: 4,
        optimizer: kd.optim.adam({ lr: 0.01 }),
        objective: (ctx) => kd.ops.add(
          kd.losses.kd(ctx.outputs(small).logits, ctx.outputs(big).logits, { T: 2 }),
          kd.ops.mul(0.1, kd.losses.kd(ctx.outputs(small).logits, ctx.outputs(ref).logits)),
        ) as tf.Scalar,
        evaluate: [{ split: test, everyEpochs: 2, metrics: [kd.metrics.accuracy(), kd.metrics.agreement(big), kd.metrics.klToTeacher(big)] }],
        checkpoint: { everyEpochs: 1, keep: 1 },
      }),
    ],
  };
}

interface Trace {
  readonly losses: Map<string, number>;
}

function options(outDir: string, trace: Trace, extra: Partial<kd.RunOptions> = {}, stopAt?: { stage: string; step: number; how: "abort" | "sigint" }): kd.RunOptions {
  const controller = new AbortController();
  return {
    backend: "cpu", outDir, quiet: true, handleSignals: stopAt?.how === "sigint", signal: controller.signal, logEvery: 2,
    onStep: (e) => {
      trace.losses.set(`${e.stage}@${e.step}`, e.loss);
      if (stopAt && e.stage === stopAt.stage && e.step === stopAt.step) {
        if (stopAt.how === "abort") controller.abort();
        else process.emit("SIGINT");
      }
    },
    ...extra,
  };
}

const weights = async (dir: string) => ({
  big: await completeWeights(dir, "distill", "big"),
  small: await completeWeights(dir, "distill", "small"),
  ref: await completeWeights(dir, "distill", "ref"),
});

let straight: { report: kd.RunReport; trace: Trace; weights: Awaited<ReturnType<typeof weights>> };

describe("resume", () => {
  beforeAll(async () => {
    const dir = join(root, "straight");
    const trace = { losses: new Map<string, number>() };
    const report = await kd.run(() => program(), options(dir, trace));
    straight = { report, trace, weights: await weights(dir) };
  });

  it("continues a run stopped at an epoch boundary to the same final weights", async () => {
    const dir = join(root, "epoch");
    const first = { losses: new Map<string, number>() };
    const error = await kd.run(() => program(), options(dir, first, {}, { stage: "teach", step: 10, how: "abort" })).catch((e: unknown) => e);
    expect(kd.isKdcInterrupted(error)).toBe(true);
    const interrupted = error as kd.KdcInterrupted;
    expect(interrupted).toBeInstanceOf(kd.KdcRuntimeError);
    expect(interrupted.name).toBe("KdcInterrupted");
    expect(interrupted.exitCode).toBe(130);
    expect(interrupted.message).toMatch(/^interrupted: stage 'teach' stopped after step 10 of 20; checkpoint .*step-10$/);
    expect(interrupted.help).toMatch(/--resume/);
    expect(existsSync(join(interrupted.checkpoint!, "tensors.bin"))).toBe(true);
    expect(tf.memory().numTensors).toBe(0);

    const second = { losses: new Map<string, number>() };
    const report = await kd.run(() => program(), options(dir, second, { resume: true }));
    const w = await weights(dir);
    expect(Array.from(w.big)).toEqual(Array.from(straight.weights.big));
    expect(Array.from(w.small)).toEqual(Array.from(straight.weights.small));
    expect(Array.from(w.ref)).toEqual(Array.from(straight.weights.ref));
    for (const [key, loss] of second.losses) expect(loss, key).toBe(straight.trace.losses.get(key));
    expect(second.losses.has("teach@10")).toBe(false);
    expect(second.losses.has("teach@11")).toBe(true);
    expect(report.stages.map((s) => [s.stage, s.steps, s.finalLoss, s.metrics])).toEqual(straight.report.stages.map((s) => [s.stage, s.steps, s.finalLoss, s.metrics]));
    expect(report.stages[0]!.resumed).toEqual({ epoch: 2, step: 10 });
    expect(tf.memory().numTensors).toBe(0);
  });

  it("continues mid-epoch, skipping the complete stage, after SIGINT", async () => {
    const dir = join(root, "sigint");
    const first = { losses: new Map<string, number>() };
    const error = await kd.run(() => program(), options(dir, first, {}, { stage: "distill", step: 7, how: "sigint" })).catch((e: unknown) => e);
    expect(kd.isKdcInterrupted(error)).toBe(true);
    expect(process.listenerCount("SIGINT")).toBe(0); // handlers removed with the run
    expect((await readdir(join(dir, "checkpoints", "distill"))).sort()).toEqual(["epoch-1", "step-7"]);
    expect((await readdir(join(dir, "checkpoints", "teach"))).sort()).toEqual(["complete", "epoch-3", "epoch-4"]);

    const second = { losses: new Map<string, number>() };
    const report = await kd.run(() => program(), options(dir, second, { resume: true }));
    expect(report.stages[0]!.resumed).toBe("skipped");
    expect(report.stages[1]!.resumed).toEqual({ epoch: 1, step: 7 });
    expect([...second.losses.keys()][0]).toBe("distill@8");
    const w = await weights(dir);
    expect(Array.from(w.small)).toEqual(Array.from(straight.weights.small));
    expect(Array.from(w.ref)).toEqual(Array.from(straight.weights.ref));
    expect(report.stages.map((s) => [s.stage, s.steps, s.finalLoss, s.metrics])).toEqual(straight.report.stages.map((s) => [s.stage, s.steps, s.finalLoss, s.metrics]));
    // The interrupt checkpoint is gone once the stage is complete.
    expect((await readdir(join(dir, "checkpoints", "distill"))).sort()).toEqual(["complete", "epoch-4"]);

    // Manifest: one resume, completed, versions, seeds, data and parameter counts.
    const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({
      format: "kdc-run-manifest", recipe: "resume.kd", status: "completed",
      versions: { kdc: expect.any(String), tfjs: tf.version.tfjs, node: process.version },
      backend: "cpu",
      seeds: { stages: { teach: 3, distill: 4 }, models: { big: 1, small: 2 } },
      models: [
        { name: "big", kind: "tiny", parameters: 6 * 16 + 16 + 16 * 3 + 3 },
        { name: "small", kind: "tiny", parameters: 6 * 8 + 8 + 8 * 3 + 3 },
        { name: "ref", kind: "tiny", parameters: 6 * 8 + 8 + 8 * 3 + 3, snapshotOf: "small" },
      ],
    });
    expect(manifest.versions.kdc).toMatch(/^\d+\.\d+\.\d+/);
    expect(manifest.resumes).toHaveLength(1);
    expect(manifest.resumes[0]).toMatchObject({ stage: "distill", step: 7 });
    expect(manifest.data.map((d: { split: string }) => d.split)).toEqual(["v.train", "v.test"]);
    expect(manifest.stages.map((s: { status: string }) => s.status)).toEqual(["skipped", "complete"]);
    expect(manifest.stages[1].teacherCache).toMatchObject({ enabled: true });
    expect(typeof manifest.started).toBe("string");
    expect(typeof manifest.ended).toBe("string");

    // metrics.jsonl: whole lines only, every event, losses of the interval mean.
    const lines = (await readFile(join(dir, "metrics.jsonl"), "utf8")).trimEnd().split("\n").map((l) => JSON.parse(l));
    const events = new Set(lines.map((l) => l.event));
    for (const e of ["stage-start", "step", "epoch", "eval", "interrupt", "resume", "stage-end"]) expect(events, e).toContain(e);
    for (const l of lines) expect(typeof l.wall).toBe("string");
    const step = lines.find((l) => l.event === "step" && l.stage === "teach" && l.step === 2);
    expect(step).toMatchObject({ epoch: 1, steps: 2, lr: expect.any(Number), metrics: {} });
    expect(step.loss).toBeCloseTo((straight.trace.losses.get("teach@1")! + straight.trace.losses.get("teach@2")!) / 2, 12);
    const evals = lines.filter((l) => l.event === "eval" && l.stage === "distill");
    expect(evals.map((l) => l.epoch)).toEqual([2, 4]);
    expect(Object.keys(evals[1].metrics)).toEqual(["accuracy", "agreement(big)", "kl(big)"]);
    const resume = lines.findIndex((l) => l.event === "resume");
    expect(lines[resume - 1].event).toBe("interrupt");
    expect(tf.memory().numTensors).toBe(0);
  });

  it("starts from the beginning when there is nothing to resume, and refuses another program's run", async () => {
    const dir = join(root, "nothing");
    await kd.run(() => program(1), options(dir, { losses: new Map() }, { resume: true }));
    const error = await kd.run(() => program(2), options(dir, { losses: new Map() }, { resume: true })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(kd.KdcRuntimeError);
    expect((error as Error).message).toMatch(/cannot resume the run in .*: it was made by a different program/);
    // A fresh run over it sets the old checkpoints aside instead of mixing them in.
    await kd.run(() => program(1), options(dir, { losses: new Map() }));
    expect(existsSync(join(dir, "checkpoints.old", "teach", "complete"))).toBe(true);
    expect(tf.memory().numTensors).toBe(0);
  });
});
