// Step times of small conv nets on wasm with kdc's kernels, with the wasm backend's own
// Conv2DBackpropInput (slow) and MaxPoolGrad (wrong) instead, and on the cpu backend. (Without
// kdc's Conv2DBackpropFilter no conv net trains on wasm at all.) Not a test: run it by hand with
//   npm run bench -- models-step-time
import * as tf from "@tensorflow/tfjs";
import { describe, it } from "vitest";
import { selectBackend } from "../runtime/backend.js";
import { replacedWasmKernels } from "../runtime/kernels/index.js";
import { crossEntropy } from "../runtime/losses/cross-entropy.js";
import type { Model } from "../runtime/program.js";
import * as models from "../runtime/models/index.js";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function msPerStep(build: () => Model, batch: number, features: number, classes: number, steps: number): number {
  const model = build();
  const x = tf.randomUniform([batch, features], 0, 1, "float32", 1) as tf.Tensor2D;
  const y = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % classes), "int32");
  const optimizer = tf.train.adam(1e-3);
  const times: number[] = [];
  for (let i = 0; i < steps + 3; i++) {
    // CPU time of this process, not wall time: the development machine is shared and noisy.
    const start = process.cpuUsage();
    const cost = tf.tidy(() => optimizer.minimize(() => crossEntropy(model.forward(x, true).logits, y), true, [...model.variables])!);
    cost.dataSync();
    cost.dispose();
    const used = process.cpuUsage(start);
    if (i >= 3) times.push((used.user + used.system) / 1000);
  }
  optimizer.dispose();
  tf.dispose([x, y]);
  model.dispose();
  return median(times);
}

/** Runs `f` with the wasm backend's own kernels for `names` instead of kdc's replacements. */
function withWasmOwn<T>(names: readonly string[], f: () => T): T {
  const ours = names.map((n) => tf.getKernel(n, "wasm")!);
  for (const name of names) {
    const own = replacedWasmKernels.get(name)!;
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel(own);
    own.setupFunc?.(tf.backend()); // binds its wasm function; done at backend start for registered kernels
  }
  try {
    return f();
  } finally {
    for (const config of ours) {
      tf.unregisterKernel(config.kernelName, "wasm");
      tf.registerKernel(config);
    }
  }
}

describe("models bench", () => {
  it("CPU ms/step, batch 64 on 28×28×1 (MNIST-sized), Adam", async () => {
    const nets: [string, () => Model, number][] = [
      ["cnn [8, 16] pool 2", () => models.cnn("c", { input: [28, 28, 1], channels: [8, 16], classes: 10 }, 1), 20],
      ["resnet [8, 16, 32]", () => models.resnet("r", { input: [28, 28, 1], widths: [8, 16, 32], classes: 10 }, 1), 10],
    ];
    await selectBackend("wasm");
    for (const [label, build, steps] of nets) {
      const kdc = msPerStep(build, 64, 784, 10, steps);
      const own = withWasmOwn(["Conv2DBackpropInput", "MaxPoolGrad"], () => msPerStep(build, 64, 784, 10, steps));
      const ownInput = withWasmOwn(["Conv2DBackpropInput"], () => msPerStep(build, 64, 784, 10, steps));
      console.log(`${label} on wasm: kdc kernels ${kdc.toFixed(1)} ms; with wasm's own Conv2DBackpropInput ${ownInput.toFixed(1)} ms; and its own (wrong) MaxPoolGrad too ${own.toFixed(1)} ms`);
    }
    await selectBackend("cpu");
    console.log(`${nets[0]![0]} on cpu: ${msPerStep(nets[0]![1], 64, 784, 10, 2).toFixed(1)} ms`);
  }, 600_000);
});
