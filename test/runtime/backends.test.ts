// Backend selection, and parity of the runtime's numerics on wasm against the cpu reference
// (wasm has kernels that silently differ, e.g. OneHot ignores a float dtype).
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { selectBackend } from "../../runtime/backend.js";
import { KdcRuntimeError } from "../../runtime/errors.js";
import { crossEntropy, kd } from "../../runtime/losses/index.js";
import { dense } from "../../runtime/models/dense.js";
import { mlp } from "../../runtime/models/mlp.js";
import { expectClose, randomMatrix } from "./helpers.js";

/** Loss values and gradients of CE (smoothing, ignored rows), KD and the dense layer on the active backend. */
function numerics(): number[][] {
  const B = 6;
  const C = 10;
  const s = tf.tensor2d(Float32Array.from(randomMatrix(B, C, 8, 1)), [B, C]);
  const t = tf.tensor2d(Float32Array.from(randomMatrix(B, C, 8, 2)), [B, C]);
  const y = tf.tensor1d([3, -100, 0, 9, 9, 1], "int32");
  const w = tf.tensor2d(Float32Array.from(randomMatrix(C, 4, 1, 3)), [C, 4]);
  const b = tf.tensor1d([0.1, -0.2, 0.3, 0]);
  const f = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor, e: tf.Tensor) =>
    tf.addN([
      crossEntropy(a as tf.Tensor2D, y, { smoothing: 0.1 }),
      kd(a as tf.Tensor2D, c as tf.Tensor2D, { T: 2 }),
      tf.mean(tf.square(dense(a as tf.Tensor2D, d as tf.Tensor2D, e as tf.Tensor1D))),
    ]) as tf.Scalar;
  const { value, grads } = tf.valueAndGrads(f)([s, t, w, b]);
  const out = [value, ...grads].map((x) => Array.from(x.dataSync()));
  tf.dispose([s, t, y, w, b, value, ...grads]);
  // An MLP whose middle layer takes the (w·dyᵀ)ᵀ route for its input gradient.
  const m = mlp("p", { input: C, hidden: [40, 30], classes: C }, 3);
  const x = tf.tensor2d(Float32Array.from(randomMatrix(B, C, 1, 4)), [B, C]);
  const mg = tf.variableGrads(() => crossEntropy(m.forward(x, false).logits, tf.tensor1d([0, 1, 2, 3, 4, 5], "int32")), [...m.variables]);
  out.push(Array.from(mg.value.dataSync()), ...m.variables.map((v) => Array.from(mg.grads[v.name]!.dataSync())));
  tf.dispose([x, mg.value, ...Object.values(mg.grads)]);
  m.dispose();
  return out;
}

describe("backends", () => {
  it("wasm gives the cpu backend's losses and gradients", async () => {
    expect(await selectBackend("cpu")).toBe("cpu");
    const reference = numerics();
    expect(await selectBackend("wasm")).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    const got = numerics();
    got.forEach((g, i) => expectClose(g, reference[i]!, 1e-4, 1e-5));
  });

  it("fails with a clear error, not a stack, when no native backend is installed", async () => {
    const error = await selectBackend("tensorflow").catch((e: unknown) => e);
    // In environments that do have tfjs-node installed this test is moot.
    if (typeof error === "string") return;
    expect(error).toBeInstanceOf(KdcRuntimeError);
    expect((error as KdcRuntimeError).message).toMatch(/needs @tensorflow\/tfjs-node-gpu or @tensorflow\/tfjs-node, and neither loaded/);
    expect((error as KdcRuntimeError).help).toMatch(/--backend wasm/);
  });

  it("rejects an unknown backend name", async () => {
    await expect(selectBackend("webgpu" as never)).rejects.toThrow(/unknown backend 'webgpu'/);
  });
});
