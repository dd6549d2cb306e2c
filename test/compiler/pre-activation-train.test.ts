// End to end: `pre_activation[i]` taps of an mlp and a cnn read by a training objective (an mse
// between pre-activations through `project`, and between equal conv pre-activations). The student
// learns from them: the feature loss falls and its weights move.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import * as kd from "../../runtime/index.js";
import { trainerOf } from "../helpers/trainer-module.js";

const RECIPE = `
dataset digits = mnist(train: 60, test: 20, seed: 5)
model big = mlp(input: 784, hidden: [24, 16], classes: 10)
model small = mlp(input: 784, hidden: [8], classes: 10)
model bigc = cnn(input: [28, 28, 1], channels: [2, 3], classes: 10)
model smallc = cnn(input: [28, 28, 1], channels: [2, 3], classes: 10)

stage teach {
  train big on digits.train
  epochs 1
  batch 30
  optimizer adam(lr: 1e-2)
  minimize ce(big.logits, batch.label)
}

stage teachc {
  train bigc on digits.train
  epochs 1
  batch 30
  optimizer adam(lr: 1e-2)
  minimize ce(bigc.logits, batch.label)
}

stage mimic after teach {
  train small on digits.train
  teacher big
  epochs 4
  batch 30
  optimizer adam(lr: 1e-2)
  minimize mse(project(small.pre_activation[0], like: big.pre_activation[1]), big.pre_activation[1])
}

stage mimicc after teachc {
  train smallc on digits.train
  teacher bigc
  epochs 4
  batch 30
  optimizer adam(lr: 1e-2)
  minimize mse(smallc.pre_activation[1], bigc.pre_activation[1])
}
`;

it("trains a student on pre-activation taps of mlp and cnn teachers", async () => {
  const trainer = await trainerOf(RECIPE);
  let spec: kd.ProgramSpec | undefined;
  const losses: Record<string, number[]> = { mimic: [], mimicc: [] };
  const before: Record<string, number[][]> = {};
  const after: Record<string, number[][]> = {};
  const weights = (name: string) => spec!.models.find((m) => m.name === name)!.variables.map((v) => Array.from(v.dataSync()));
  await kd.run(
    () => {
      spec = trainer.program(trainer.defaults);
      Object.assign(before, { small: weights("small"), smallc: weights("smallc") });
      return spec;
    },
    {
      backend: "cpu",
      outDir: await mkdtemp(join(tmpdir(), "kdc-preact-")),
      quiet: true,
      handleSignals: false,
      onStep: (e) => {
        losses[e.stage]?.push(e.loss);
        if (e.stage in losses) after[e.stage === "mimic" ? "small" : "smallc"] = weights(e.stage === "mimic" ? "small" : "smallc");
      },
    },
  );
  for (const [stage, model] of [["mimic", "small"], ["mimicc", "smallc"]] as const) {
    const l = losses[stage]!;
    expect(l, stage).toHaveLength(8);
    expect(l.every(Number.isFinite)).toBe(true);
    expect(l[0]!).toBeGreaterThan(0);
    expect(l[l.length - 1]!, stage).toBeLessThan(l[0]!);
    // The first layer computes the pre-activation read (the head does not: it stays put).
    expect(after[model]![0], `${model}'s first kernel`).not.toEqual(before[model]![0]);
  }
}, 120_000);
