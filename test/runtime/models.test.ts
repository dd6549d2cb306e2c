// The cnn, resnet, transformer and mixture-of-experts models: every tap's shape, seeded init,
// training vs inference, a few training steps on wasm that lower the loss with tf.memory() flat
// from step 10 to step 200, gradients on wasm equal to cpu's, and save → load round trips.
import * as tf from "@tensorflow/tfjs";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selectBackend } from "../../runtime/backend.js";
import { KdcRuntimeError } from "../../runtime/errors.js";
import { crossEntropy } from "../../runtime/losses/cross-entropy.js";
import type { Model } from "../../runtime/program.js";
import * as models from "../../runtime/models/index.js";
import { Transformer } from "../../runtime/models/transformer.js";
import { BatchNorm } from "../../runtime/models/batch-norm.js";
import { Params } from "../../runtime/models/params.js";
import { Rng } from "../../runtime/rng.js";
import { expectClose, take, useCpu } from "./helpers.js";

// ---- helpers ----

/**
 * `steps` Adam steps on one fixed batch, as the runtime's loop runs them: forward and minimize in
 * one tidy, the cost read and disposed outside. Returns the losses and tf.memory().numTensors
 * after the `record`ed steps (1-based).
 */
function train(model: Model, loss: () => tf.Scalar, steps: number, record: readonly number[] = [], lr = 1e-2) {
  const optimizer = tf.train.adam(lr);
  const losses: number[] = [];
  const tensorsAt = new Map<number, number>();
  try {
    for (let step = 1; step <= steps; step++) {
      // Every variable, non-trainable ones (batch-norm statistics) included: the optimizer skips those.
      const cost = tf.tidy(() => optimizer.minimize(loss, true, [...model.variables])!);
      losses.push(cost.dataSync()[0]!);
      cost.dispose();
      if (record.includes(step)) tensorsAt.set(step, tf.memory().numTensors);
    }
  } finally {
    optimizer.dispose();
  }
  return { losses, tensorsAt };
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function expectLearns(losses: readonly number[], fraction: number, k = 5): void {
  for (const l of losses) expect(Number.isFinite(l)).toBe(true);
  const first = mean(losses.slice(0, k));
  const last = mean(losses.slice(-k));
  expect(last, `loss ${first.toFixed(4)} → ${last.toFixed(4)}`).toBeLessThan(fraction * first);
}

/** Builds the (seeded) model on cpu and on wasm and reads `f`'s tensors on each. */
async function onBothBackends<M extends Model>(build: () => M, f: (model: M) => tf.Tensor[]): Promise<{ cpu: Float32Array[]; wasm: Float32Array[] }> {
  const out: Record<string, Float32Array[]> = {};
  for (const backend of ["cpu", "wasm"] as const) {
    await selectBackend(backend);
    const model = build();
    try {
      const tensors = tf.tidy(() => f(model));
      out[backend] = tensors.map((t) => t.dataSync().slice() as Float32Array);
      tf.dispose(tensors);
    } finally {
      model.dispose();
    }
  }
  await useCpu();
  return { cpu: out.cpu!, wasm: out.wasm! };
}

/** The loss and its gradient w.r.t. every trainable variable. */
function lossAndGradients(model: Model, loss: () => tf.Scalar): tf.Tensor[] {
  const trainable = model.variables.filter((v) => v.trainable);
  const { value, grads } = tf.variableGrads(loss, trainable);
  return [value, ...trainable.map((v) => grads[v.name]!)];
}

function expectAllClose(r: { cpu: Float32Array[]; wasm: Float32Array[] }, rtol = 1e-4): void {
  expect(r.wasm.length).toBe(r.cpu.length);
  r.cpu.forEach((c, i) => expectClose(r.wasm[i]!, c, rtol, 1e-4));
}

function randomRows(rows: number, cols: number, seed: number): tf.Tensor2D {
  const rng = new Rng(seed);
  return tf.tensor2d(Float32Array.from({ length: rows * cols }, () => rng.uniform(-1, 1)), [rows, cols]);
}

/** 8×8 one-channel images of a bright 2×2 patch; label 1 when it is in the left half. */
function patches(count: number, seed: number, size = 8): { x: tf.Tensor2D; y: tf.Tensor1D } {
  const rng = new Rng(seed);
  const x = new Float32Array(count * size * size);
  const y = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    y[n] = n % 2;
    const col = y[n] ? rng.int(size / 2 - 1) : size / 2 + rng.int(size / 2 - 1);
    const row = rng.int(size - 1);
    for (let i = 0; i < size * size; i++) x[n * size * size + i] = 0.1 * rng.uniform(-1, 1);
    for (const [dr, dc] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) x[n * size * size + (row + dr) * size + col + dc] = 1;
  }
  return { x: tf.tensor2d(x, [count, size * size]), y: tf.tensor1d(y, "int32") };
}

/** Token rows (start + i) mod vocab and their next-token targets (−100 at the last position). */
function cyclic(rows: number, t: number, vocab: number, seed: number): { tokens: tf.Tensor2D; targets: tf.Tensor1D } {
  const rng = new Rng(seed);
  const tokens = new Int32Array(rows * t);
  const targets = new Int32Array(rows * t);
  for (let r = 0; r < rows; r++) {
    const start = rng.int(vocab);
    for (let i = 0; i < t; i++) {
      tokens[r * t + i] = (start + i) % vocab;
      targets[r * t + i] = i + 1 < t ? (start + i + 1) % vocab : -100;
    }
  }
  return { tokens: tf.tensor2d(tokens, [rows, t], "int32"), targets: tf.tensor1d(targets, "int32") };
}

const shapes = (ts: readonly tf.Tensor[] | undefined) => ts?.map((t) => t.shape);

/** Reads an exported folder back with tf.loadLayersModel (the format check). */
async function loadWithTfjs(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(await readFile(join(dir, "model.json"), "utf8")) as tf.io.ModelJSON;
  expect(json.format).toBe("layers-model");
  const bin = await readFile(join(dir, "weights.bin"));
  return tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest[0]!.weights,
    weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
  }));
}

let dir: string;
beforeAll(async () => {
  await useCpu();
  dir = await mkdtemp(join(tmpdir(), "kdc-models-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

// ---- cnn ----

describe("cnn", () => {
  const config = { input: [7, 9, 2] as const, channels: [3, 4], hidden: [5], classes: 3 };

  it("maps images to logits with every tap's shape", () => {
    const m = models.cnn("c", config, 1);
    expect(m.variableNames).toEqual([
      "block_0/conv/kernel", "block_0/conv/bias", "block_1/conv/kernel", "block_1/conv/bias",
      "hidden_0/kernel", "hidden_0/bias", "logits/kernel", "logits/bias",
    ]);
    expect(shapes(m.variables)).toEqual([[3, 3, 2, 3], [3], [3, 3, 3, 4], [4], [8, 5], [5], [5, 3], [3]]);
    const x = randomRows(2, 7 * 9 * 2, 1);
    tf.tidy(() => {
      const out = m.forward(x, false);
      expect(out.logits.shape).toEqual([2, 3]);
      expect(shapes(out.block)).toEqual([[2, 3, 4, 3], [2, 1, 2, 4]]); // 7×9 → 3×4 → 1×2 (pool 2, floor)
      expect(shapes(out.preActivation)).toEqual([[2, 7, 9, 3], [2, 3, 4, 4]]);
      expect(out.pooled!.shape).toEqual([2, 8]);
      expect(shapes(out.hidden)).toEqual([[2, 5]]);
      expect(Math.min(...out.block![0]!.dataSync())).toBeGreaterThanOrEqual(0);
      // [B, H, W, C] input gives the same logits as the flat rows.
      expectClose(m.forward(tf.reshape(x, [2, 7, 9, 2]), false).logits.dataSync(), out.logits.dataSync(), 1e-6, 1e-7);
    });
    expect(() => tf.tidy(() => m.forward(randomRows(2, 10, 2), false).logits)).toThrow(/reads images \[B, 7, 9, 2\]/);
    x.dispose();
    m.dispose();
  });

  it("is initialised from its seed and applies dropout in training only", () => {
    const a = models.cnn("a", { ...config, dropout: 0.5 }, 5);
    const b = models.cnn("b", { ...config, dropout: 0.5 }, 5);
    const c = models.cnn("c", { ...config, dropout: 0.5 }, 6);
    expect(a.variables.map((v) => Array.from(v.dataSync()))).toEqual(b.variables.map((v) => Array.from(v.dataSync())));
    expect(a.variables[0]!.dataSync()).not.toEqual(c.variables[0]!.dataSync());
    const x = randomRows(4, 7 * 9 * 2, 3);
    const eval1 = take(a.forward(x, false).logits);
    expect(take(a.forward(x, false).logits)).toEqual(eval1);
    expect(tf.tidy(() => take(a.forward(x, true).logits))).not.toEqual(eval1);
    a.reseed(3);
    const masked = tf.tidy(() => take(a.forward(x, true).logits));
    a.reseed(3);
    expect(tf.tidy(() => take(a.forward(x, true).logits))).toEqual(masked); // the loop reseeds for reproducible masks
    x.dispose();
    for (const m of [a, b, c]) m.dispose();
  });

  it("rejects bad configurations clearly", () => {
    expect(() => models.cnn("bad", { input: [4, 4, 1], channels: [2, 2, 2], classes: 2 }, 1)).toThrow(/no pixels left/);
    expect(() => models.cnn("bad", { input: [4, 4, 1], channels: [0], classes: 2 }, 1)).toThrow(KdcRuntimeError);
    expect(() => models.cnn("bad", { input: [4, 4] as unknown as [number, number, number], channels: [2], classes: 2 }, 1)).toThrow(/\[H, W, C\]/);
  });

  it("learns on wasm, with tf.memory() flat from step 10 to step 200", async () => {
    await selectBackend("wasm");
    const m = models.cnn("c", { input: [8, 8, 1], channels: [4], classes: 2 }, 3);
    const { x, y } = patches(16, 1);
    const before = tf.memory().numTensors;
    const { losses, tensorsAt } = train(m, () => crossEntropy(m.forward(x, true).logits, y), 200, [10, 200]);
    expect(tensorsAt.get(200)).toBe(tensorsAt.get(10));
    expect(tf.memory().numTensors).toBe(before);
    expectLearns(losses, 0.3);
    tf.dispose([x, y]);
    m.dispose();
    await useCpu();
  });

  it("has the same loss and gradients on wasm as on cpu (odd sizes, pool, dense head)", async () => {
    const r = await onBothBackends(
      () => models.cnn("c", { input: [7, 6, 2], channels: [3, 4], kernel: 3, hidden: [6], classes: 3 }, 7),
      (m) => {
        const x = randomRows(3, 7 * 6 * 2, 8);
        const y = tf.tensor1d([0, 2, 1], "int32");
        return lossAndGradients(m, () => crossEntropy(m.forward(x, true).logits, y));
      },
    );
    expectAllClose(r);
  });

  it("exports the layers format; tf.loadLayersModel and load() give the same logits and taps", async () => {
    const m = models.cnn("student", { ...config, dropout: 0.2 }, 9);
    const out = join(dir, "cnn");
    await m.exportTo(out);
    expect((await readdir(out)).sort()).toEqual(["model.json", "weights.bin"]);
    const x = randomRows(5, 7 * 9 * 2, 4);
    const viaTfjs = await loadWithTfjs(out);
    const loaded = models.load("teacher", { path: out });
    expect(loaded.kind).toBe("loaded");
    expect(loaded.variables.every((v) => !v.trainable)).toBe(true);
    tf.tidy(() => {
      const own = m.forward(x, false);
      expectClose(take(viaTfjs.predict(tf.reshape(x, [5, 7, 9, 2])) as tf.Tensor), own.logits.dataSync(), 1e-5, 1e-6);
      const back = loaded.forward(x, true); // frozen: inference whatever the flag says
      expectClose(back.logits.dataSync(), own.logits.dataSync(), 1e-6, 1e-7);
      for (const tap of ["block", "preActivation", "hidden"] as const) {
        expect(shapes(back[tap])).toEqual(shapes(own[tap]));
        back[tap]!.forEach((t, i) => expectClose(t.dataSync(), own[tap]![i]!.dataSync(), 1e-6, 1e-7));
      }
      expectClose(back.pooled!.dataSync(), own.pooled!.dataSync(), 1e-6, 1e-7);
    });
    const info = models.describeSavedModel(out);
    expect(info).toMatchObject({ format: "layers-model", kind: "cnn", name: "student", input: { shape: [7, 9, 2], dtype: "float32" }, classes: 3 });
    expect(info.taps).toEqual({ hidden: [5], block: [[3, 4, 3], [1, 2, 4]], preActivation: [[7, 9, 3], [3, 4, 4]], pooled: 8 });
    tf.dispose([x]);
    viaTfjs.dispose();
    loaded.dispose();
    m.dispose();
  });
});

// ---- resnet ----

describe("resnet", () => {
  const config = { input: [8, 8, 3] as const, widths: [4, 8], classes: 5 };

  it("has stage outputs, pre-activations and pooled features of the right shapes", () => {
    const m = models.resnet("r", config, 1);
    const x = randomRows(2, 8 * 8 * 3, 1);
    tf.tidy(() => {
      const out = m.forward(x, false);
      expect(out.logits.shape).toEqual([2, 5]);
      expect(shapes(out.block)).toEqual([[2, 8, 8, 4], [2, 4, 4, 8]]);
      expect(shapes(out.preActivation)).toEqual([[2, 8, 8, 4], [2, 4, 4, 8]]);
      expect(out.pooled!.shape).toEqual([2, 8]);
      expect(out.hidden).toEqual([]);
    });
    // Stage 1 changes width and resolution: a 1×1 stride-2 projection on its shortcut.
    expect(m.variableNames.filter((n) => n.includes("shortcut"))).toEqual([
      "stage_1/block_0/shortcut/conv/kernel", "stage_1/block_0/shortcut/bn/gamma", "stage_1/block_0/shortcut/bn/beta",
      "stage_1/block_0/shortcut/bn/moving_mean", "stage_1/block_0/shortcut/bn/moving_variance",
    ]);
    const frozen = m.variables.filter((v) => !v.trainable).length;
    expect(frozen).toBe(2 * m.variableNames.filter((n) => n.endsWith("/gamma")).length); // moving mean and variance per BN
    const deep = models.resnet("deep", { input: [8, 8, 3], classes: 2, blocksPerStage: 3 }, 1);
    expect(deep.variableNames.filter((n) => n.endsWith("conv_1/kernel")).length).toBe(9); // ResNet-20 layout
    x.dispose();
    m.dispose();
    deep.dispose();
  });

  it("batch norm: training uses batch statistics and moves the running ones; inference uses and keeps them", () => {
    const m = models.resnet("r", config, 2);
    const x = tf.add(tf.mul(randomRows(4, 8 * 8 * 3, 3), 3), 1) as tf.Tensor2D;
    const runningMean = m.variables[m.variableNames.indexOf("stem/bn/moving_mean")]!;
    const runningVar = m.variables[m.variableNames.indexOf("stem/bn/moving_variance")]!;
    const inference = take(m.forward(x, false).logits);
    expect(Array.from(runningMean.dataSync())).toEqual([0, 0, 0, 0]);
    expect(take(m.forward(x, false).logits)).toEqual(inference);
    const training = tf.tidy(() => take(m.forward(x, true).logits));
    expect(training).not.toEqual(inference);
    // One training pass moved the running statistics 10% of the way to the batch's.
    const stem = tf.tidy(() => {
      const conv = tf.conv2d(tf.reshape(x, [4, 8, 8, 3]) as tf.Tensor4D, m.variables[0] as tf.Tensor4D, 1, "same");
      const { mean, variance } = tf.moments(conv, [0, 1, 2]);
      const n = 4 * 8 * 8;
      return [mean.dataSync(), variance.dataSync().map((v) => (v * n) / (n - 1))];
    });
    expectClose(runningMean.dataSync(), stem[0]!.map((v) => 0.1 * v), 1e-4, 1e-5);
    expectClose(runningVar.dataSync(), stem[1]!.map((v) => 0.9 + 0.1 * v), 1e-4, 1e-5);
    expect(take(m.forward(x, false).logits)).not.toEqual(inference); // inference now uses the new statistics
    x.dispose();
    m.dispose();
  });

  it("batch norm's fused training op has the value and gradients of the plain formula", () => {
    const params = new Params(1);
    const bn = new BatchNorm(params, "bn", 3);
    bn.gamma.assign(tf.tensor1d([0.5, -1.5, 2]));
    bn.beta.assign(tf.tensor1d([0.1, 0, -0.3]));
    const x = tf.reshape(tf.add(tf.mul(randomRows(2 * 3 * 4, 3, 9), 2), 1), [2, 3, 4, 3]) as tf.Tensor4D;
    const u = tf.reshape(randomRows(24, 3, 10), [2, 3, 4, 3]);
    const plain = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(xx, [0, 1, 2]);
      return tf.add(tf.mul(tf.div(tf.sub(xx, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
    };
    const loss = (f: (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor) => (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.tanh(f(xx, g, b)), u)) as tf.Scalar;
    const expected = tf.valueAndGrads(loss(plain))([x, bn.gamma, bn.beta]);
    const actual = tf.valueAndGrads(loss((xx) => bn.forward(xx as tf.Tensor4D, true)))([x, bn.gamma, bn.beta]);
    expectClose(take(actual.value), take(expected.value), 1e-5, 1e-6);
    for (let i = 0; i < 3; i++) expectClose(take(actual.grads[i]!), take(expected.grads[i]!), 1e-4, 1e-5);
    tf.dispose([x, u]);
    params.dispose();
  });

  it("learns on wasm, with tf.memory() flat from step 10 to step 200", async () => {
    await selectBackend("wasm");
    const m = models.resnet("r", { input: [8, 8, 1], widths: [4, 8], classes: 2 }, 3);
    const { x, y } = patches(8, 2);
    const before = tf.memory().numTensors;
    const { losses, tensorsAt } = train(m, () => crossEntropy(m.forward(x, true).logits, y), 200, [10, 200]);
    expect(tensorsAt.get(200)).toBe(tensorsAt.get(10));
    expect(tf.memory().numTensors).toBe(before);
    expectLearns(losses, 0.3);
    tf.dispose([x, y]);
    m.dispose();
    await useCpu();
  });

  it("has the same loss and gradients on wasm as on cpu (stride 2, projection, batch norm)", async () => {
    const r = await onBothBackends(
      () => models.resnet("r", { input: [7, 7, 2], widths: [3, 5], classes: 3 }, 4),
      (m) => {
        const x = randomRows(3, 7 * 7 * 2, 5);
        const y = tf.tensor1d([2, 0, 1], "int32");
        return [...lossAndGradients(m, () => crossEntropy(m.forward(x, true).logits, y)), ...m.variables.filter((v) => !v.trainable)];
      },
    );
    expectAllClose(r);
  });

  it("exports the layers format; tf.loadLayersModel and load() give the same inference logits and taps", async () => {
    const m = models.resnet("teacher", config, 6);
    const x = randomRows(3, 8 * 8 * 3, 7);
    tf.tidy(() => m.forward(tf.add(tf.mul(x, 2), 0.5) as tf.Tensor2D, true).logits); // non-trivial running statistics
    const out = join(dir, "resnet");
    await m.exportTo(out);
    const viaTfjs = await loadWithTfjs(out);
    const loaded = models.load("t", { path: out });
    tf.tidy(() => {
      const own = m.forward(x, false);
      expectClose(take(viaTfjs.predict(tf.reshape(x, [3, 8, 8, 3])) as tf.Tensor), own.logits.dataSync(), 1e-5, 1e-6);
      const back = loaded.forward(x, false);
      expectClose(back.logits.dataSync(), own.logits.dataSync(), 1e-5, 1e-6);
      for (const tap of ["block", "preActivation"] as const) {
        back[tap]!.forEach((t, i) => expectClose(t.dataSync(), own[tap]![i]!.dataSync(), 1e-5, 1e-6));
      }
      expectClose(back.pooled!.dataSync(), own.pooled!.dataSync(), 1e-5, 1e-6);
    });
    expect(models.describeSavedModel(out).taps).toEqual({ hidden: [], block: [[8, 8, 4], [4, 4, 8]], preActivation: [[8, 8, 4], [4, 4, 8]], pooled: 8 });
    x.dispose();
    viaTfjs.dispose();
    loaded.dispose();
    m.dispose();
  });
});

// ---- transformer ----

describe("transformer", () => {
  const config = { vocab: 11, dim: 8, layers: 2, heads: 2, context: 6 };

  it("maps tokens [B, T] to per-position logits with embedding, block and attention taps", () => {
    const m = models.transformer("lm", config, 1);
    const { tokens } = cyclic(3, 5, 11, 1);
    tf.tidy(() => {
      const out = m.forward(tokens, false);
      expect(out.logits.shape).toEqual([15, 11]);
      expect(out.tokenLogits!.shape).toEqual([3, 5, 11]);
      expect(out.embedding!.shape).toEqual([3, 5, 8]);
      expect(shapes(out.block)).toEqual([[3, 5, 8], [3, 5, 8]]);
      expect(shapes(out.attention)).toEqual([[3, 2, 5, 5], [3, 2, 5, 5]]);
      expect(out.hidden).toEqual([]);
      expect(out.auxLoss).toBeUndefined();
      // Rows of attention are distributions over positions ≤ t.
      const a = out.attention![1]!.arraySync() as number[][][][];
      for (const row of a.flat(2)) expectClose([row.reduce((s, v) => s + v, 0)], [1], 1e-5, 1e-6);
      for (const head of a.flat(1)) head.forEach((row, i) => row.forEach((v, j) => (j > i ? expect(v).toBe(0) : expect(v).toBeGreaterThan(0))));
      expectClose(out.tokenLogits!.dataSync(), out.logits.dataSync(), 0, 0);
    });
    tokens.dispose();
    m.dispose();
  });

  it("is causal: a later token does not change earlier positions' logits", () => {
    const m = models.transformer("lm", config, 2);
    const a = tf.tensor2d([[1, 2, 3, 4, 5]], [1, 5], "int32");
    const b = tf.tensor2d([[1, 2, 3, 4, 9]], [1, 5], "int32");
    const la = take(m.forward(a, false).logits);
    const lb = take(m.forward(b, false).logits);
    expectClose(lb.slice(0, 4 * 11), la.slice(0, 4 * 11), 1e-6, 1e-7);
    expect(lb.slice(4 * 11)).not.toEqual(la.slice(4 * 11));
    tf.dispose([a, b]);
    m.dispose();
  });

  it("ties the output projection to the token embedding unless told otherwise", () => {
    const tied = models.transformer("t", config, 1);
    const untied = models.transformer("u", { ...config, tied: false }, 1);
    expect(tied.variableNames).not.toContain("head/kernel");
    expect(untied.variableNames[untied.variableNames.length - 1]).toBe("head/kernel");
    expect(tied.variableNames.slice(0, 8)).toEqual([
      "tok_emb", "pos_emb", "block_0/ln_1/gamma", "block_0/ln_1/beta", "block_0/attn/qkv/kernel", "block_0/attn/qkv/bias", "block_0/attn/proj/kernel", "block_0/attn/proj/bias",
    ]);
    tied.dispose();
    untied.dispose();
  });

  it("rejects bad configurations and over-long inputs clearly", () => {
    expect(() => models.transformer("bad", { ...config, dim: 9 }, 1)).toThrow(/multiple of heads/);
    expect(() => models.transformer("bad", { ...config, dropout: 1 }, 1)).toThrow(KdcRuntimeError);
    const m = models.transformer("lm", config, 1);
    const long = tf.zeros([1, 7], "int32") as tf.Tensor2D;
    expect(() => tf.tidy(() => m.forward(long, false).logits)).toThrow(/exceed its context of 6/);
    long.dispose();
    m.dispose();
  });

  it("learns next-token prediction on wasm, with tf.memory() flat from step 10 to step 200", async () => {
    await selectBackend("wasm");
    const m = models.transformer("lm", { vocab: 8, dim: 16, layers: 1, heads: 2, context: 8, dropout: 0.1 }, 3);
    const { tokens, targets } = cyclic(8, 8, 8, 4);
    const before = tf.memory().numTensors;
    const { losses, tensorsAt } = train(m, () => crossEntropy(m.forward(tokens, true).logits, targets), 200, [10, 200]);
    expect(tensorsAt.get(200)).toBe(tensorsAt.get(10));
    expect(tf.memory().numTensors).toBe(before);
    expectLearns(losses, 0.2);
    tf.dispose([tokens, targets]);
    m.dispose();
    await useCpu();
  });

  it("has the same loss and gradients on wasm as on cpu (embedding gather, attention, GELU, layer norm)", async () => {
    for (const tied of [true, false]) {
      const r = await onBothBackends(
        () => models.transformer("lm", { ...config, tied }, 5),
        (m) => {
          const { tokens, targets } = cyclic(2, 5, 11, 6);
          return lossAndGradients(m, () => crossEntropy(m.forward(tokens, true).logits, targets));
        },
      );
      expectAllClose(r);
    }
  });

  it("saves in kdc's format and load() rebuilds the same, trainable model", async () => {
    const m = models.transformer("lm", { ...config, mlpRatio: 2, tied: false }, 7);
    const out = join(dir, "lm");
    await m.exportTo(out);
    expect((await readdir(out)).sort()).toEqual(["model.json", "weights.bin"]);
    const json = JSON.parse(await readFile(join(out, "model.json"), "utf8")) as { format: string; kdcModel: { kind: string; config: unknown } };
    expect(json.format).toBe("kdc-model");
    expect(json.kdcModel).toEqual({ kind: "transformer", name: "lm", config: { ...config, mlpRatio: 2, tied: false } });
    const before = tf.memory().numTensors;
    models.load("leak check", { path: out }).dispose();
    expect(tf.memory().numTensors).toBe(before);
    const loaded = models.load("copy", { path: out });
    expect(loaded).toBeInstanceOf(Transformer);
    expect(loaded.variables.every((v) => v.trainable)).toBe(true);
    const { tokens } = cyclic(2, 6, 11, 8);
    expectClose(take(loaded.forward(tokens, false).logits), take(m.forward(tokens, false).logits), 0, 0);
    expect(models.describeSavedModel(out)).toMatchObject({
      format: "kdc-model", kind: "transformer", input: { shape: [6], dtype: "int32" }, classes: 11,
      taps: { hidden: [], embedding: [6, 8], block: [[6, 8], [6, 8]], attention: [[2, 6, 6], [2, 6, 6]] },
    });
    tokens.dispose();
    loaded.dispose();
    m.dispose();
  });
});

// ---- mixture of experts ----

describe("moe", () => {
  it("routes each token to its top-k experts with a load-balancing auxiliary loss", () => {
    for (const topK of [1, 2]) {
      const layer = models.moe("experts", { dim: 6, hidden: 5, experts: 4, topK }, 1);
      expect(layer.variableNames).toEqual(["router/kernel", "experts/fc/kernel", "experts/fc/bias", "experts/proj/kernel", "experts/proj/bias"]);
      const x = randomRows(10, 6, 2);
      tf.tidy(() => {
        const { output, auxLoss, router } = layer.forward(x);
        expect(output.shape).toEqual([10, 6]);
        expect(router.shape).toEqual([10, 4]);
        expect(auxLoss.shape).toEqual([]);
        // The same mixture computed expert by expert, with the same gates.
        const [w1, b1, w2, b2] = layer.variables.slice(1) as tf.Tensor[];
        const p = router.arraySync() as number[][];
        const expected = tf.buffer([10, 6]);
        const f = new Array(4).fill(0);
        for (let n = 0; n < 10; n++) {
          const order = p[n]!.map((v, e) => [v, e] as const).sort((a, b) => b[0] - a[0]).slice(0, topK);
          const total = topK === 1 ? 1 : order.reduce((s, [v]) => s + v, 0);
          for (const [gate, e] of order) {
            f[e] += 1 / (10 * topK);
            const xe = tf.slice(x, [n, 0], [1, 6]);
            const z = tf.add(tf.matMul(xe, tf.slice(w1!, [0, e * 5], [6, 5])), tf.slice(b1!, [e * 5], [5]));
            const gelu = tf.mul(tf.mul(z, 0.5), tf.add(tf.erf(tf.div(z, Math.SQRT2)), 1));
            const y = tf.add(tf.matMul(gelu, tf.slice(w2!, [e * 5, 0], [5, 6])), tf.slice(b2!, [e, 0], [1, 6])).dataSync();
            for (let d = 0; d < 6; d++) expected.set(expected.get(n, d) + (gate / total) * y[d]!, n, d);
          }
        }
        expectClose(output.dataSync(), expected.values, 1e-4, 1e-5);
        const P = [0, 1, 2, 3].map((e) => mean(p.map((row) => row[e]!)));
        expectClose([auxLoss.dataSync()[0]!], [4 * f.reduce((s, fe, e) => s + fe * P[e]!, 0)], 1e-5, 1e-6);
      });
      x.dispose();
      layer.dispose();
    }
  });

  it("gives the router a gradient with top-1 routing, and rejects topK > experts", () => {
    const layer = models.moe("experts", { dim: 4, experts: 3 }, 3);
    const x = randomRows(6, 4, 4);
    const router = layer.variables[0]!;
    const { grads, value } = tf.variableGrads(() => {
      const { output, auxLoss } = layer.forward(x);
      return tf.add(tf.sum(tf.square(output)), auxLoss);
    }, [...layer.variables]);
    expect(Math.max(...Array.from(grads[router.name]!.dataSync(), Math.abs))).toBeGreaterThan(0);
    tf.dispose([value, ...Object.values(grads), x]);
    layer.dispose();
    expect(() => models.moe("bad", { dim: 4, experts: 2, topK: 3 }, 1)).toThrow(/topK \(3\) cannot exceed experts \(2\)/);
  });

  it("inside a transformer: auxLoss output, expert variables, and wasm gradients equal to cpu's", async () => {
    const config = { vocab: 9, dim: 8, layers: 2, heads: 2, context: 5, moe: { experts: 3, topK: 2, every: 2 } };
    const m = models.transformer("lm", config, 1);
    expect(m.variableNames.some((n) => n.startsWith("block_0/mlp/"))).toBe(true);
    expect(m.variableNames.filter((n) => n.startsWith("block_1/moe/"))).toEqual([
      "block_1/moe/router/kernel", "block_1/moe/experts/fc/kernel", "block_1/moe/experts/fc/bias", "block_1/moe/experts/proj/kernel", "block_1/moe/experts/proj/bias",
    ]);
    const { tokens } = cyclic(2, 5, 9, 1);
    const auxShape = tf.tidy(() => m.forward(tokens, false).auxLoss!.shape);
    expect(auxShape).toEqual([]);
    tokens.dispose();
    m.dispose();
    const r = await onBothBackends(
      () => models.transformer("lm", config, 2),
      (model) => {
        const data = cyclic(2, 5, 9, 3);
        return lossAndGradients(model, () => {
          const out = model.forward(data.tokens, true);
          return tf.add(crossEntropy(out.logits, data.targets), tf.mul(out.auxLoss!, 0.01));
        });
      },
    );
    expectAllClose(r);
  });

  it("a mixture-of-experts transformer learns on wasm, with tf.memory() flat from step 10 to step 200", async () => {
    await selectBackend("wasm");
    const m = models.transformer("lm", { vocab: 8, dim: 16, layers: 1, heads: 2, context: 8, moe: { experts: 4, topK: 1 } }, 4);
    const { tokens, targets } = cyclic(8, 8, 8, 5);
    const before = tf.memory().numTensors;
    const { losses, tensorsAt } = train(m, () => {
      const out = m.forward(tokens, true);
      return tf.add(crossEntropy(out.logits, targets), tf.mul(out.auxLoss!, 0.01));
    }, 200, [10, 200]);
    expect(tensorsAt.get(200)).toBe(tensorsAt.get(10));
    expect(tf.memory().numTensors).toBe(before);
    expectLearns(losses, 0.2);
    tf.dispose([tokens, targets]);
    m.dispose();
    await useCpu();
  });
});
