// Checkpoints: atomic folders, newest K kept, and a read-back to identical weights and optimizer state.
import * as tf from "@tensorflow/tfjs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFile } from "node:fs/promises";
import { checkpointDir, listCheckpoints, loadCheckpoint, readCheckpoint, saveCheckpoint, writeCheckpoint } from "../../runtime/checkpoint.js";
import { linear } from "../../runtime/adapters/index.js";
import { mlp } from "../../runtime/models/mlp.js";
import { StageOptimizer, adam } from "../../runtime/optim.js";
import { crossEntropy } from "../../runtime/losses/index.js";
import { KdcRuntimeError } from "../../runtime/errors.js";
import { take, useCpu } from "./helpers.js";

let outDir: string;
beforeAll(async () => {
  await useCpu();
  outDir = await mkdtemp(join(tmpdir(), "kdc-ckpt-"));
});
afterAll(() => rm(outDir, { recursive: true, force: true }));

describe("checkpoints", () => {
  it("round-trip the trained model's weights and the optimizer's state", async () => {
    const config = { input: 10, hidden: [7], classes: 3 };
    const x = tf.randomNormal([16, 10], 0, 1, "float32", 1) as tf.Tensor2D;
    const y = tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 3), "int32");
    const a = mlp("a", config, 1);
    const optA = new StageOptimizer(adam({ lr: 0.01 }), a.variables);
    optA.setLearningRate(0.01);
    const step = (m: typeof a, opt: StageOptimizer) => opt.minimize(() => crossEntropy(m.forward(x, true).logits, y)).dispose();
    for (let i = 0; i < 3; i++) step(a, optA);

    const path = await saveCheckpoint(outDir, "distill", a, optA, { epoch: 3, step: 30 }, 2);
    expect(path).toBe(join(checkpointDir(outDir, "distill"), "epoch-3"));
    expect((await readdir(path)).sort()).toEqual(["checkpoint.json", "tensors.bin"]);

    const b = mlp("a", config, 99); // different init
    const optB = new StageOptimizer(adam({ lr: 0.01 }), b.variables);
    const where = await loadCheckpoint(path, b, optB);
    expect(where).toEqual({ stage: "distill", model: "a", epoch: 3, step: 30 });
    a.variables.forEach((v, i) => expect(take(tf.clone(b.variables[i]!))).toEqual(take(tf.clone(v))));

    // Continuing from the checkpoint gives exactly the same next step.
    optB.setLearningRate(0.01);
    step(a, optA);
    step(b, optB);
    a.variables.forEach((v, i) => expect(take(tf.clone(b.variables[i]!))).toEqual(take(tf.clone(v))));
    for (const o of [optA, optB]) o.dispose();
    for (const m of [a, b]) m.dispose();
    tf.dispose([x, y]);
  });

  it("keeps only the newest K and never leaves temporary folders", async () => {
    const m = mlp("k", { input: 3, hidden: [2], classes: 2 }, 1);
    for (const epoch of [1, 2, 3, 4]) await saveCheckpoint(outDir, "keep", m, undefined, { epoch, step: epoch * 10 }, 2);
    const stageDir = checkpointDir(outDir, "keep");
    expect((await listCheckpoints(stageDir)).map((c) => c.epoch)).toEqual([3, 4]);
    expect((await readdir(stageDir)).sort()).toEqual(["epoch-3", "epoch-4"]);
    m.dispose();
  });

  it("refuses a checkpoint of another shape", async () => {
    const small = mlp("s", { input: 3, hidden: [2], classes: 2 }, 1);
    const path = await saveCheckpoint(outDir, "shape", small, undefined, { epoch: 1, step: 1 }, 1);
    const wide = mlp("s", { input: 3, hidden: [4], classes: 2 }, 1);
    await expect(loadCheckpoint(path, wide)).rejects.toThrow(KdcRuntimeError);
    await expect(loadCheckpoint(join(outDir, "nope"), wide)).rejects.toThrow(/cannot read checkpoint/);
    small.dispose();
    wide.dispose();
  });

  it("hold several models and modules with loop state (version 2), each restored by name", async () => {
    const m = mlp("student", { input: 3, hidden: [2], classes: 2 }, 1);
    const adapter = linear("proj", 2, 4, 5);
    const dir = join(outDir, "multi");
    await writeCheckpoint(dir, "s", m, undefined, { epoch: 1, step: 7 }, { kind: "interrupt", holders: [adapter], state: { lossSum: 1.5 } });
    const data = await readCheckpoint(dir);
    expect([data.kind, data.position, data.state, data.owners]).toEqual(["interrupt", { epoch: 1, step: 7 }, { lossSum: 1.5 }, ["student", "proj"]]);
    expect([...data.weights("proj").keys()]).toEqual(["kernel", "bias"]);
    const m2 = mlp("student", { input: 3, hidden: [2], classes: 2 }, 2);
    const adapter2 = linear("proj", 2, 4, 6);
    expect(data.restoreHolder(adapter2)).toBe(true);
    expect(data.restoreHolder(mlp("other", { input: 3, hidden: [2], classes: 2 }, 3), true)).toBe(false);
    data.restoreHolder(m2);
    for (const [a, b] of [[m, m2], [adapter, adapter2]] as const) a.variables.forEach((v, i) => expect(take(tf.clone(b.variables[i]!))).toEqual(take(tf.clone(v))));
  });

  it("still read version 1 (one model, no owners)", async () => {
    const m = mlp("old", { input: 3, hidden: [2], classes: 2 }, 1);
    const dir = join(outDir, "v1");
    await writeCheckpoint(dir, "s", m, undefined, { epoch: 2, step: 4 });
    const json = JSON.parse(await import("node:fs/promises").then((fs) => fs.readFile(join(dir, "checkpoint.json"), "utf8")));
    const v1 = { ...json, version: 1, kind: undefined, tensors: json.tensors.map(({ owner: _o, ...e }: { owner?: string }) => e) };
    await writeFile(join(dir, "checkpoint.json"), JSON.stringify(v1));
    const other = mlp("renamed", { input: 3, hidden: [2], classes: 2 }, 9);
    expect(await loadCheckpoint(dir, other)).toEqual({ stage: "s", model: "old", epoch: 2, step: 4 });
    m.variables.forEach((v, i) => expect(take(tf.clone(other.variables[i]!))).toEqual(take(tf.clone(v))));
  });
});

