// End to end: a recipe with an auxiliary module and a structured adapter, compiled, its trainer
// evaluated against this runtime, and trained. The module's and adapter's weights change in the
// stage that trains them; in the later stage that reads the module frozen they stay bit-identical
// (weights and batch-norm statistics), while the student still trains through it.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as kd from "../../runtime/index.js";
import { readCheckpoint } from "../../runtime/checkpoint.js";
import { trainerOf } from "../helpers/trainer-module.js";

const RECIPE = `
dataset digits = mnist(train: 60, test: 20, seed: 3)
model big = cnn(input: [28, 28, 1], channels: [2, 4], classes: 10)
model small = cnn(input: [28, 28, 1], channels: [2, 2], classes: 10)
module head = linear(out: 8) >> batchnorm >> relu >> linear(out: 10)

stage teach {
  train big on digits.train
  epochs 1
  batch 30
  optimizer adam(lr: 1e-2)
  minimize ce(big.logits, batch.label)
}

stage hint after teach {
  train small, head on digits.train
  teacher big
  epochs 2
  batch 30
  optimizer adam(lr: 1e-2)
  minimize kd(head(small.pooled), big.logits)
    + mse(project(small.block[1], like: big.block[1], via: conv(kernel: 1) >> batchnorm >> relu), big.block[1])
}

stage polish after hint {
  train small on digits.train
  teacher big
  epochs 2
  batch 30
  optimizer adam(lr: 1e-2)
  minimize kd(head(small.pooled), big.logits)
}
`;

const values = (h: { variables: readonly kd.tf.Variable[] }) => h.variables.map((v) => Array.from(v.dataSync()));

describe("modules and structured adapters train end to end", () => {
  it("trains them in their stage and keeps the module bit-identical where it is read frozen", async () => {
    const trainer = await trainerOf(RECIPE);
    let spec: kd.ProgramSpec | undefined;
    let initial: { head: number[][]; adapter: number[][] } | undefined;
    const after: Record<string, { head: number[][]; adapter: number[][]; small: number[][] }> = {};
    const outDir = await mkdtemp(join(tmpdir(), "kdc-modules-"));
    const holder = (name: string) => [...(spec!.modules ?? [])].find((m) => m.name === name)!;
    await kd.run(
      () => {
        spec = trainer.program(trainer.defaults);
        initial = { head: values(holder("head")), adapter: values(holder("hint.project1")) };
        return spec;
      },
      {
        backend: "cpu",
        outDir,
        quiet: true,
        handleSignals: false,
        onStep: (e) => {
          const small = spec!.models.find((m) => m.name === "small")!;
          after[`${e.stage}:${e.step}`] = { head: values(holder("head")), adapter: values(holder("hint.project1")), small: values(small) };
        },
      },
    );
    expect(Object.keys(after)).toEqual(["teach:1", "teach:2", "hint:1", "hint:2", "hint:3", "hint:4", "polish:1", "polish:2", "polish:3", "polish:4"]);
    // hint trains both: every trainable weight moved, batch-norm statistics too.
    const trained = after["hint:4"]!;
    trained.head.forEach((v, i) => expect(v, `head variable ${i}`).not.toEqual(initial!.head[i]));
    trained.adapter.forEach((v, i) => expect(v, `adapter variable ${i}`).not.toEqual(initial!.adapter[i]));
    // polish reads head frozen: bit-identical after every step, while the student keeps training.
    for (const step of [1, 2, 3, 4]) expect(after[`polish:${step}`]!.head).toEqual(trained.head);
    expect(after["polish:4"]!.small).not.toEqual(trained.small);
    // hint's stage-complete checkpoint holds the module under its layers' names, as trained.
    const saved = (await readCheckpoint(join(kd.checkpointDir(outDir, "hint"), "complete"))).weights("head");
    expect([...saved.keys()]).toEqual(["0_linear/kernel", "0_linear/bias", "1_batchnorm/gamma", "1_batchnorm/beta", "1_batchnorm/moving_mean", "1_batchnorm/moving_variance", "3_linear/kernel", "3_linear/bias"]);
    expect([...saved.values()].map((v) => Array.from(v))).toEqual(trained.head);
  }, 120_000);
});
