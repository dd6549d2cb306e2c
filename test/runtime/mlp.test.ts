// The MLP: shapes and taps, seeded init, dropout only in training, and export to the layers format.
import * as tf from "@tensorflow/tfjs";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mlp } from "../../runtime/models/mlp.js";
import { KdcRuntimeError } from "../../runtime/errors.js";
import { expectClose, take, useCpu } from "./helpers.js";

let dir: string;
beforeAll(async () => {
  await useCpu();
  dir = await mkdtemp(join(tmpdir(), "kdc-mlp-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("mlp", () => {
  it("exposes each hidden layer's pre-activation: the dense output the activation is applied to", () => {
    for (const activation of ["relu", "tanh"] as const) {
      const m = mlp("m", { input: 6, hidden: [5, 4], classes: 3, activation }, 2);
      const x = tf.randomNormal([3, 6], 0, 1, "float32", 4) as tf.Tensor2D;
      const out = m.forward(x, false);
      expect(out.preActivation!.map((p) => p.shape)).toEqual([[3, 5], [3, 4]]);
      // relu makes some entries negative before and zero after; tanh keeps the sign.
      expect(Math.min(...out.preActivation![0]!.dataSync())).toBeLessThan(0);
      out.preActivation!.forEach((pre, i) => {
        const applied = activation === "relu" ? tf.relu(pre) : tf.tanh(pre);
        expectClose(take(applied), take(out.hidden[i]!), 1e-6, 1e-7);
        applied.dispose();
      });
      tf.dispose([x, out.logits, ...out.hidden, ...out.preActivation!]);
      m.dispose();
    }
  });

  it("maps [B, input] to logits [B, classes] with post-activation taps", () => {
    const m = mlp("m", { input: 6, hidden: [5, 4], classes: 3 }, 1);
    expect(m.variables.map((v) => v.shape)).toEqual([[6, 5], [5], [5, 4], [4], [4, 3], [3]]);
    expect(m.variableNames).toEqual(["dense_0/kernel", "dense_0/bias", "dense_1/kernel", "dense_1/bias", "dense_2/kernel", "dense_2/bias"]);
    const x = tf.randomNormal([2, 6], 0, 1, "float32", 3) as tf.Tensor2D;
    const out = m.forward(x, false);
    expect(out.logits.shape).toEqual([2, 3]);
    expect(out.hidden.map((h) => h.shape)).toEqual([[2, 5], [2, 4]]);
    expect(Math.min(...out.hidden[0]!.dataSync())).toBeGreaterThanOrEqual(0); // relu
    tf.dispose([x, out.logits, ...out.hidden]);
    m.dispose();
  });

  it("is initialised from its seed", () => {
    const a = mlp("a", { input: 4, hidden: [3], classes: 2 }, 5);
    const b = mlp("b", { input: 4, hidden: [3], classes: 2 }, 5);
    const c = mlp("c", { input: 4, hidden: [3], classes: 2 }, 6);
    expect(a.variables[0]!.dataSync()).toEqual(b.variables[0]!.dataSync());
    expect(a.variables[0]!.dataSync()).not.toEqual(c.variables[0]!.dataSync());
    for (const m of [a, b, c]) m.dispose();
  });

  it("applies dropout in training only", () => {
    const m = mlp("d", { input: 20, hidden: [50], classes: 4, dropout: 0.5, inputDropout: 0.2 }, 1);
    const x = tf.randomNormal([8, 20], 0, 1, "float32", 3) as tf.Tensor2D;
    const eval1 = take(m.forward(x, false).logits);
    const eval2 = take(m.forward(x, false).logits);
    const train1 = take(m.forward(x, true).logits);
    const train2 = take(m.forward(x, true).logits);
    expect(eval1).toEqual(eval2);
    expect(train1).not.toEqual(eval1);
    expect(train1).not.toEqual(train2); // a fresh mask per call
    x.dispose();
    m.dispose();
  });

  it("draws the same dropout masks again after reseed(seed)", () => {
    const m = mlp("d", { input: 10, hidden: [30], classes: 3, dropout: 0.5 }, 1);
    const x = tf.randomNormal([4, 10], 0, 1, "float32", 3) as tf.Tensor2D;
    m.reseed(7);
    const first = tf.tidy(() => take(m.forward(x, true).logits));
    const second = tf.tidy(() => take(m.forward(x, true).logits));
    m.reseed(7);
    expect(tf.tidy(() => take(m.forward(x, true).logits))).toEqual(first);
    expect(second).not.toEqual(first);
    m.reseed(8);
    expect(tf.tidy(() => take(m.forward(x, true).logits))).not.toEqual(first);
    x.dispose();
    m.dispose();
  });

  it("rejects bad configurations clearly", () => {
    expect(() => mlp("bad", { input: 0, hidden: [], classes: 2 }, 1)).toThrow(KdcRuntimeError);
    expect(() => mlp("bad", { input: 3, hidden: [2], classes: 2, dropout: 1 }, 1)).toThrow(/dropout/);
  });

  it("exports model.json + weights.bin that tf.loadLayersModel reads back to the same logits", async () => {
    const m = mlp("student", { input: 12, hidden: [8, 6], classes: 4, dropout: 0.3 }, 9);
    const out = join(dir, "student");
    await m.exportTo(out);
    expect((await readdir(out)).sort()).toEqual(["model.json", "weights.bin"]);
    const json = JSON.parse(await readFile(join(out, "model.json"), "utf8")) as tf.io.ModelJSON;
    expect(json.format).toBe("layers-model");
    expect(json.weightsManifest[0]!.paths).toEqual(["weights.bin"]);
    const bin = await readFile(join(out, "weights.bin"));
    const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
    const loaded = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0]!.weights, weightData }),
    );
    const x = tf.randomNormal([5, 12], 0, 1, "float32", 4) as tf.Tensor2D;
    expectClose(take(loaded.predict(x) as tf.Tensor), take(m.forward(x, false).logits), 1e-6, 1e-7);
    // Exporting again replaces the files in place.
    await m.exportTo(out);
    expect((await readdir(out)).sort()).toEqual(["model.json", "weights.bin"]);
    loaded.dispose();
    x.dispose();
    m.dispose();
  });
});
