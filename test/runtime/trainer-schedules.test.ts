// A generated trainer evaluates each built-in schedule to the same values as the runtime function
// it stands for, at a few steps of its stage (fractional epochs, warm-up edges, the last step).
import { beforeAll, describe, expect, it } from "vitest";
import type { Progress, Schedule } from "../../runtime/index.js";
import * as schedules from "../../runtime/schedules.js";
import { loadTrainer } from "../helpers/load-trainer.js";
import { useCpu } from "./helpers.js";

beforeAll(useCpu);

/** One stage per schedule, each the learning rate of a tiny SGD stage of 3 epochs × 10 steps. */
const CASES: readonly { name: string; kd: string; runtime: Schedule }[] = [
  { name: "staircase", kd: "step_decay(from: 0.1, gamma: 0.5, every: 1 epoch)", runtime: schedules.step({ from: 0.1, factor: 0.5, every: { value: 1, unit: "epochs" } }) },
  { name: "exp_to", kd: "exp(from: 0.1, to: 0.001)", runtime: schedules.exp({ from: 0.1, to: 0.001 }) },
  { name: "exp_gamma", kd: "exp(from: 0.1, gamma: 0.9, every: 2 steps)", runtime: schedules.exp({ from: 0.1, gamma: 0.9, every: { value: 2, unit: "steps" } }) },
  {
    name: "warm",
    kd: "warmup(10%, then: cosine(from: 0.01, to: 0.001), from: 0.0001)",
    runtime: schedules.warmup({ steps: { value: 10, unit: "percent" }, then: schedules.cosine({ from: 0.01, to: 0.001 }), from: 0.0001 }),
  },
  {
    name: "points",
    kd: 'piecewise(at: [0 steps, 1 epoch, 75%], values: [0.1, 0.05, 0.01], interpolate: "linear")',
    runtime: schedules.piecewise({ points: [[{ value: 0, unit: "steps" }, 0.1], [{ value: 1, unit: "epochs" }, 0.05], [{ value: 75, unit: "percent" }, 0.01]] }),
  },
  {
    name: "held",
    kd: 'piecewise(at: [0 steps, 15 steps], values: [0.1, 0.02], interpolate: "step")',
    runtime: schedules.piecewise({ points: [[{ value: 0, unit: "steps" }, 0.1], [{ value: 15, unit: "steps" }, 0.02]], interpolate: "step" }),
  },
  { name: "floor", kd: "cosine(from: 0.1, to: 0.01, warmup: 5 steps)", runtime: schedules.cosine({ from: 0.1, to: 0.01, warmup: { value: 5, unit: "steps" } }) },
];

const recipe = `dataset digits = mnist(train: 100, test: 100, seed: 1)
model m = mlp(input: 784, classes: 10)
${CASES.map(
  (c) => `stage ${c.name} {
  train m on digits.train
  epochs 3
  batch 10
  optimizer sgd(lr: ${c.kd})
  minimize ce(m.logits, batch.label)
}`,
).join("\n")}
`;

describe("schedules in generated trainers", () => {
  it("match the runtime functions step by step", async () => {
    const trainer = await loadTrainer("trainer-schedules", recipe);
    const stages = trainer.program(trainer.defaults).stages;
    expect(stages.map((s) => s.name)).toEqual(CASES.map((c) => c.name));
    for (const [i, c] of CASES.entries()) {
      const lr = stages[i]!.optimizer.lr;
      for (const step of [0, 1, 2, 3, 4, 5, 9, 10, 11, 14, 15, 16, 22, 23, 29, 30]) {
        const p: Progress = { step, totalSteps: 30, epoch: Math.floor(step / 10), stepsPerEpoch: 10 };
        expect(lr.at(p), `${c.name} at step ${step}`).toBeCloseTo(c.runtime.at(p), 12);
      }
      // The values really move: a schedule emitted as a constant would pass the loop above only by accident.
      expect(new Set([0, 15, 29].map((step) => lr.at({ step, totalSteps: 30, epoch: 0, stepsPerEpoch: 10 }))).size).toBeGreaterThan(1);
    }
  });
});
