// Step-time benchmark on wasm (timings are benchmarks, never unit tests).
//   npm run bench -- step-time
// Measures ms/step of Hinton's teacher (784-1200-1200-10, dropout 0.3/0.2, batch 128, Adam) and of
// a distillation step (student forward+backward, live teacher forward), with the runtime's
// custom-gradient dense layer and, for comparison, with tfjs's own matMul gradient.
import * as tf from "@tensorflow/tfjs";
import { describe, it } from "vitest";
import * as kd from "../runtime/index.js";
import type { Mlp } from "../runtime/models/mlp.js";
import { dropout } from "../runtime/models/dense.js";



/** The same MLP (weights, dropout) with plain tf.matMul and tfjs's own gradient, for comparison. */
function plainForward(m: Mlp): kd.Model {
  const { dropout: rate = 0, inputDropout = 0 } = m.config;
  let draws = 0;
  return {
    name: m.name,
    kind: "mlp-plain",
    variables: m.variables,
    forward(input, training) {
      let x: tf.Tensor2D = training && inputDropout > 0 ? dropout(input, inputDropout, draws++) : input;
      const hidden: tf.Tensor2D[] = [];
      for (let i = 0; i < m.variables.length; i += 2) {
        const y = tf.add(tf.matMul(x, m.variables[i] as tf.Tensor2D), m.variables[i + 1]!) as tf.Tensor2D;
        if (i + 2 === m.variables.length) return { logits: y, hidden };
        const h = tf.relu(y);
        hidden.push(h);
        x = training && rate > 0 ? dropout(h, rate, draws++) : h;
      }
      throw new Error("unreachable");
    },
    exportTo: (dir) => m.exportTo(dir),
    dispose: () => m.dispose(),
  };
}

async function msPerStep(build: () => { stage: "teach" | "distill"; program: kd.ProgramSpec }): Promise<number> {
  const times: number[] = [];
  let last = 0;
  await kd.run(() => build().program, {
    backend: "wasm",
    outDir: "/tmp/kdc-bench",
    quiet: true,
    onStep: () => {
      const now = performance.now();
      if (last) times.push(now - last);
      last = now;
    },
  });
  const steady = times.slice(5).sort((a, b) => a - b);
  return steady[Math.floor(steady.length / 2)]!; // median
}

function program(what: "teach" | "distill", studentHidden: number, plain: boolean): { stage: "teach" | "distill"; program: kd.ProgramSpec } {
  const digits = kd.data.mnist({ train: 4096, test: 0, seed: 7 });
  const bigMlp = kd.models.mlp("big", { input: 784, hidden: [1200, 1200], classes: 10, dropout: 0.3, inputDropout: 0.2 }, 1);
  const smallMlp = kd.models.mlp("small", { input: 784, hidden: [studentHidden], classes: 10 }, 2);
  const big = plain ? plainForward(bigMlp) : bigMlp;
  const small = plain ? plainForward(smallMlp) : smallMlp;
  const base = { origin: "bench", after: [], data: digits.train, epochs: 1, batch: 128, seed: 1, evaluate: [], checkpoint: undefined, exports: [] };
  const stage: kd.StageSpec =
    what === "teach"
      ? { ...base, name: "teach", train: big, teachers: [], optimizer: kd.optim.adam({ lr: 1e-3 }), objective: (ctx) => kd.losses.crossEntropy(ctx.outputs(big).logits, ctx.labels()) }
      : {
          ...base, name: "distill", train: small, teachers: [big], optimizer: kd.optim.adam({ lr: 1e-3 }),
          objective: (ctx) =>
            kd.ops.add(
              kd.ops.mul(0.9, kd.losses.kd(ctx.outputs(small).logits, ctx.outputs(big).logits, { T: 4 })),
              kd.ops.mul(0.1, kd.losses.crossEntropy(ctx.outputs(small).logits, ctx.labels())),
            ) as tf.Scalar,
        };
  return { stage: what, program: { recipe: "bench", models: [big, small], stages: [stage] } };
}

describe("wasm step time (32 steps of batch 128, median)", () => {
  it("reports ms/step", async () => {
    const rows: string[] = [];
    for (const [what, hidden] of [["teach", 32], ["distill", 32], ["distill", 128]] as const) {
      const custom = await msPerStep(() => program(what, hidden, false));
      const plain = await msPerStep(() => program(what, hidden, true));
      rows.push(`${what}${what === "distill" ? ` (student 784-${hidden}-10)` : " (784-1200-1200-10)"}: ${custom.toFixed(1)} ms/step custom-gradient dense, ${plain.toFixed(1)} ms/step tfjs matMul gradient`);
    }
    console.log(rows.join("\n"));
  });
});
