// load(name, { path }) on layers models kdc did not write (built here with tf.layers and saved in
// the TensorFlow.js layers format): the interpreter's logits and taps against tfjs's own predict,
// the typed description a compiler reads, and clear errors for what it cannot load.
import * as tf from "@tensorflow/tfjs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KdcRuntimeError } from "../../runtime/errors.js";
import * as models from "../../runtime/models/index.js";
import { saveLayersModel } from "../../runtime/models/export.js";
import { Rng } from "../../runtime/rng.js";
import { expectClose, take, useCpu } from "./helpers.js";

let dir: string;
beforeAll(async () => {
  await useCpu();
  dir = await mkdtemp(join(tmpdir(), "kdc-load-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function randomRows(rows: number, cols: number, seed: number): tf.Tensor2D {
  const rng = new Rng(seed);
  return tf.tensor2d(Float32Array.from({ length: rows * cols }, () => rng.uniform(-1, 1)), [rows, cols]);
}

/** Random weights (tfjs's initialisers are unseeded) and non-trivial batch-norm statistics. */
function randomise(model: tf.LayersModel, seed: number): void {
  const rng = new Rng(seed);
  model.setWeights(model.weights.map((w) => {
    const positive = w.name.includes("moving_variance");
    return tf.tensor(Float32Array.from({ length: w.shape.reduce((a, b) => a! * b!, 1)! }, () => (positive ? rng.uniform(0.5, 2) : rng.uniform(-0.5, 0.5))), w.shape as number[]);
  }));
}

async function save(model: tf.LayersModel, name: string): Promise<string> {
  const out = join(dir, name);
  await saveLayersModel(model, out, "test");
  return out;
}

describe("load: layers models from elsewhere", () => {
  it("runs a functional conv net (depthwise, batch norm, concat, pools, softmax head) like tfjs does, logits before the softmax", async () => {
    const input = tf.input({ shape: [9, 8, 3], name: "image" });
    const pad = tf.layers.zeroPadding2d({ padding: [[1, 0], [0, 1]], name: "pad" }).apply(input) as tf.SymbolicTensor;
    const a = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: "same", activation: "relu", name: "conv_a" }).apply(pad) as tf.SymbolicTensor;
    const b = tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: "same", strides: 2, name: "dw" }).apply(pad) as tf.SymbolicTensor;
    const bn = tf.layers.batchNormalization({ axis: -1, center: false, name: "bn" }).apply(b) as tf.SymbolicTensor;
    const relu = tf.layers.reLU({ maxValue: 6, name: "relu6" }).apply(bn) as tf.SymbolicTensor;
    const cat = tf.layers.concatenate({ axis: -1, name: "cat" }).apply([a, relu]) as tf.SymbolicTensor;
    const pooled = tf.layers.averagePooling2d({ poolSize: 2, name: "avg" }).apply(cat) as tf.SymbolicTensor;
    const maxed = tf.layers.globalMaxPooling2d({ name: "gmax" }).apply(pooled) as tf.SymbolicTensor;
    const ln = tf.layers.layerNormalization({ name: "ln" }).apply(maxed) as tf.SymbolicTensor;
    const hidden = tf.layers.dense({ units: 7, activation: "tanh", name: "fc" }).apply(ln) as tf.SymbolicTensor;
    const drop = tf.layers.dropout({ rate: 0.5, name: "drop" }).apply(hidden) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 4, activation: "softmax", name: "probs" }).apply(drop) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out, name: "foreign" });
    randomise(model, 1);
    const path = await save(model, "functional");

    const loaded = models.load("teacher", { path });
    const x = randomRows(3, 9 * 8 * 3, 2);
    tf.tidy(() => {
      const outputs = loaded.forward(x, false);
      const expected = (model.predict(tf.reshape(x, [3, 9, 8, 3])) as tf.Tensor).dataSync();
      expectClose(tf.softmax(outputs.logits).dataSync(), expected, 1e-5, 1e-6);
      expect(outputs.hidden.map((h) => h.shape)).toEqual([[3, 7]]);
      expect(outputs.pooled!.shape).toEqual([3, 7]); // the input of the classifier (after dropout, the identity)
    });
    expect(models.describeSavedModel(path)).toMatchObject({
      format: "layers-model", kind: "layers", name: "foreign", input: { shape: [9, 8, 3], dtype: "float32" }, classes: 4,
      taps: { hidden: [7], pooled: 7 },
    });
    const layers = models.describeSavedModel(path).layers;
    expect(layers.find((l) => l.name === "cat")).toEqual({ name: "cat", className: "Concatenate", outputShape: [5, 5, 10] });
    expect(layers.find((l) => l.name === "conv_a")).toEqual({ name: "conv_a", className: "Conv2D", width: 4, outputShape: [5, 5, 4] });
    tf.dispose([x]);
    loaded.dispose();
    model.dispose();
  });

  it("runs a Sequential MLP with a separate softmax layer and reports its hidden widths", async () => {
    const model = tf.sequential({ name: "mlp" });
    model.add(tf.layers.dense({ inputShape: [6], units: 5, activation: "relu", name: "h1" }));
    model.add(tf.layers.dense({ units: 4, activation: "sigmoid", name: "h2" }));
    model.add(tf.layers.dense({ units: 3, name: "out" }));
    model.add(tf.layers.activation({ activation: "softmax", name: "sm" }));
    randomise(model, 3);
    const path = await save(model, "sequential");
    const loaded = models.load("t", { path });
    const x = randomRows(4, 6, 4);
    tf.tidy(() => {
      const out = loaded.forward(x, false);
      expectClose(tf.softmax(out.logits).dataSync(), (model.predict(x) as tf.Tensor).dataSync(), 1e-5, 1e-6);
      expect(out.hidden.map((h) => h.shape)).toEqual([[4, 5], [4, 4]]);
    });
    expect(models.describeSavedModel(path)).toMatchObject({ input: { shape: [6] }, classes: 3, taps: { hidden: [5, 4], pooled: 4 } });
    x.dispose();
    loaded.dispose();
    model.dispose();
  });

  it("reads back what kdc's mlp exports, hidden taps included, and re-exports it", async () => {
    const m = models.mlp("big", { input: 10, hidden: [8, 6], classes: 4 }, 1);
    const path = join(dir, "mlp");
    await m.exportTo(path);
    const before = tf.memory().numTensors;
    models.load("leak check", { path }).dispose();
    expect(tf.memory().numTensors).toBe(before);
    const loaded = models.load("big", { path });
    const x = randomRows(5, 10, 5);
    tf.tidy(() => {
      const own = m.forward(x, false);
      const back = loaded.forward(x, false);
      expectClose(back.logits.dataSync(), own.logits.dataSync(), 1e-6, 1e-7);
      back.hidden.forEach((h, i) => expectClose(h.dataSync(), own.hidden[i]!.dataSync(), 1e-6, 1e-7));
    });
    const again = join(dir, "mlp-again");
    await loaded.exportTo(again);
    const twice = models.load("big2", { path: again });
    expectClose(take(twice.forward(x, false).logits), take(m.forward(x, false).logits), 1e-6, 1e-7);
    x.dispose();
    for (const model of [loaded, twice, m]) model.dispose();
  });

  it("explains what it cannot load", async () => {
    expect(() => models.load("t", { path: join(dir, "nowhere") })).toThrow(/no readable model.json/);
    const model = tf.sequential();
    model.add(tf.layers.dense({ inputShape: [3], units: 2 }));
    model.add(tf.layers.repeatVector({ n: 2 }));
    const path = await save(model, "unsupported");
    expect(() => models.load("t", { path })).toThrow(KdcRuntimeError);
    expect(() => models.load("t", { path })).toThrow(/is a RepeatVector, which kdc cannot run/);
    model.dispose();

    const ok = tf.sequential();
    ok.add(tf.layers.dense({ inputShape: [3], units: 2, name: "only" }));
    const missing = await save(ok, "missing-weights");
    await rm(join(missing, "weights.bin"));
    expect(() => models.load("t", { path: missing })).toThrow(/weight file weights.bin is missing/);
    const renamed = await save(ok, "renamed-weights");
    const json = JSON.parse(await readFile(join(renamed, "model.json"), "utf8")) as tf.io.ModelJSON;
    json.weightsManifest[0]!.weights.forEach((w) => (w.name = w.name.replace("only", "other")));
    await writeFile(join(renamed, "model.json"), JSON.stringify(json));
    expect(() => models.load("t", { path: renamed })).toThrow(/the weights have no 'only\/kernel'/);
    await mkdir(join(dir, "graph"), { recursive: true });
    await writeFile(join(dir, "graph", "model.json"), JSON.stringify({ format: "graph-model", modelTopology: { node: [] }, weightsManifest: [] }));
    expect(() => models.describeSavedModel(join(dir, "graph"))).toThrow(/only Sequential and functional layers models load/);
    ok.dispose();
  });
});
