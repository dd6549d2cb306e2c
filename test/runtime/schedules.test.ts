import { describe, expect, it } from "vitest";
import { adaptive, add, combine, constant, cosine, div, exp, linear, max, min, mul, piecewise, resolveDuration, step, sub, warmup } from "../../runtime/schedules.js";
import { KdcRuntimeError } from "../../runtime/errors.js";
import { TaidController } from "../../runtime/losses/taid.js";
import type { Progress } from "../../runtime/program.js";

/** A stage of 10 epochs × 100 steps. */
const at = (step: number, totalSteps = 1000, stepsPerEpoch = 100): Progress => ({
  step,
  totalSteps,
  stepsPerEpoch,
  epoch: Math.floor(step / stepsPerEpoch),
});

describe("schedules", () => {
  it("constant", () => {
    expect(constant(0.5).at(at(0))).toBe(0.5);
    expect(constant(0.5).at(at(999))).toBe(0.5);
  });

  it("resolves durations in steps and epochs", () => {
    expect(resolveDuration({ value: 200, unit: "steps" }, at(0))).toBe(200);
    expect(resolveDuration({ value: 2, unit: "epochs" }, at(0))).toBe(200);
    expect(resolveDuration({ value: 0.5, unit: "epochs" }, at(0))).toBe(50);
    expect(resolveDuration({ value: 10, unit: "percent" }, at(0))).toBe(100);
    expect(resolveDuration({ value: 10, unit: "percent" }, at(0, 1005))).toBe(100.5); // not rounded
  });

  it("linear over the whole stage reaches `to` at totalSteps", () => {
    const s = linear({ from: 8, to: 4 });
    expect(s.at(at(0))).toBe(8);
    expect(s.at(at(250))).toBe(7);
    expect(s.at(at(500))).toBe(6);
    expect(s.at(at(999))).toBeCloseTo(4.004, 12);
    expect(s.at(at(1000))).toBe(4);
  });

  it("linear between start and end, given in epochs and steps", () => {
    const s = linear({ from: 0, to: 1, start: { value: 1, unit: "epochs" }, end: { value: 300, unit: "steps" } });
    expect(s.at(at(0))).toBe(0);
    expect(s.at(at(100))).toBe(0);
    expect(s.at(at(150))).toBe(0.25);
    expect(s.at(at(200))).toBe(0.5);
    expect(s.at(at(300))).toBe(1);
    expect(s.at(at(900))).toBe(1);
  });

  it("cosine with warm-up: 0 → from over the warm-up, then half a cosine to `to`", () => {
    const s = cosine({ from: 1e-3, to: 1e-5, warmup: { value: 200, unit: "steps" } });
    expect(s.at(at(0))).toBe(0);
    expect(s.at(at(50))).toBeCloseTo(2.5e-4, 15);
    expect(s.at(at(100))).toBeCloseTo(5e-4, 15);
    expect(s.at(at(200))).toBeCloseTo(1e-3, 15);
    // Midway through the decay (step 600 of 200..1000) the cosine term is ½.
    expect(s.at(at(600))).toBeCloseTo((1e-3 + 1e-5) / 2, 15);
    expect(s.at(at(1000))).toBeCloseTo(1e-5, 15);
    expect(s.at(at(400))).toBeCloseTo(1e-5 + (1e-3 - 1e-5) * 0.5 * (1 + Math.cos(Math.PI / 4)), 15);
  });

  it("cosine without warm-up defaults `to` to 0; warm-up in epochs", () => {
    expect(cosine({ from: 2 }).at(at(0))).toBe(2);
    expect(cosine({ from: 2 }).at(at(500))).toBeCloseTo(1, 12);
    expect(cosine({ from: 2 }).at(at(1000))).toBeCloseTo(0, 12);
    const w = cosine({ from: 1, warmup: { value: 1, unit: "epochs" } });
    expect(w.at(at(50))).toBe(0.5);
    expect(w.at(at(100))).toBe(1);
    expect(w.at(at(550))).toBeCloseTo(0.5, 12);
  });

  it("cosine: `floor` is the value the decay ends at (torch's eta_min); a percentage warm-up", () => {
    const s = cosine({ from: 1, floor: 0.1, warmup: { value: 10, unit: "percent" } });
    expect(s.at(at(50))).toBe(0.5);
    expect(s.at(at(100))).toBe(1);
    expect(s.at(at(550))).toBeCloseTo(0.55, 12);
    expect(s.at(at(1000))).toBeCloseTo(0.1, 12);
    expect(cosine({ from: 1, to: 0.1, floor: 0.1 }).at(at(1000))).toBeCloseTo(0.1, 12);
    expect(() => cosine({ from: 1, to: 0, floor: 0.1 })).toThrow(KdcRuntimeError);
  });

  it("step: from·factor^⌊step/every⌋, dropping at the first step of each period", () => {
    const s = step({ from: 0.1, factor: 0.5, every: { value: 3, unit: "epochs" } });
    expect(s.at(at(0))).toBe(0.1);
    expect(s.at(at(299))).toBe(0.1);
    expect(s.at(at(300))).toBe(0.05);
    expect(s.at(at(599))).toBe(0.05);
    expect(s.at(at(600))).toBe(0.025);
    expect(s.at(at(1000))).toBe(0.1 * 0.5 ** 3);
    const steps = step({ from: 2, factor: 0.1, every: { value: 250, unit: "steps" } });
    expect([0, 249, 250, 500, 999].map((k) => steps.at(at(k)))).toEqual([2, 2, 2 * 0.1, 2 * 0.1 ** 2, 2 * 0.1 ** 3]);
    expect(step({ from: 3, factor: 0.5, every: { value: 0, unit: "steps" } }).at(at(500))).toBe(3); // never drops, no 0/0
  });

  it("exp with `to`: geometric from → to over the stage", () => {
    const s = exp({ from: 1e-2, to: 1e-4 });
    expect(s.at(at(0))).toBe(1e-2);
    expect(s.at(at(500))).toBeCloseTo(1e-3, 15);
    expect(s.at(at(250))).toBeCloseTo(1e-2 * 0.01 ** 0.25, 15);
    expect(s.at(at(1000))).toBe(1e-4);
    expect(s.at(at(1200))).toBe(1e-4);
    expect(s.at(at(0, 0))).toBe(1e-4); // an empty stage: no 0/0
    expect(() => exp({ from: 1, to: 0 })).toThrow(KdcRuntimeError);
    expect(() => exp({ from: 1 })).toThrow(KdcRuntimeError);
    expect(() => exp({ from: 1, to: 0.5, gamma: 0.9 })).toThrow(KdcRuntimeError);
  });

  it("exp with `gamma`: from·gamma^(step/every), every step by default or per epoch", () => {
    const perStep = exp({ from: 1, gamma: 0.99 });
    expect(perStep.at(at(0))).toBe(1);
    expect(perStep.at(at(1))).toBe(0.99);
    expect(perStep.at(at(10))).toBeCloseTo(0.99 ** 10, 15);
    const perEpoch = exp({ from: 0.1, gamma: 0.5, every: { value: 1, unit: "epochs" } });
    expect(perEpoch.at(at(100))).toBeCloseTo(0.05, 15);
    expect(perEpoch.at(at(150))).toBeCloseTo(0.1 * 0.5 ** 1.5, 15); // continuous, not a staircase
    expect(perEpoch.at(at(200, 1000, 50))).toBeCloseTo(0.1 * 0.5 ** 4, 15); // epochs resolve per stage
  });

  it("warmup: a linear ramp into any schedule, whose clock starts after the warm-up", () => {
    const s = warmup({ steps: { value: 200, unit: "steps" }, then: linear({ from: 1, to: 0 }) });
    expect(s.at(at(0))).toBe(0);
    expect(s.at(at(100))).toBe(0.5);
    expect(s.at(at(200))).toBe(1);
    expect(s.at(at(600))).toBe(0.5); // the linear decay spans the remaining 800 steps
    expect(s.at(at(1000))).toBe(0);
    const from = warmup({ steps: { value: 1, unit: "epochs" }, then: 0.1, from: 0.01 });
    expect(from.at(at(0))).toBe(0.01);
    expect(from.at(at(50))).toBeCloseTo(0.055, 15);
    expect(from.at(at(100))).toBe(0.1);
    expect(from.at(at(900))).toBe(0.1);
  });

  it("warmup into cosine equals cosine's own warm-up; the inner epoch and percentages are shifted", () => {
    const a = warmup({ steps: { value: 200, unit: "steps" }, then: cosine({ from: 1e-3, to: 1e-5 }) });
    const b = cosine({ from: 1e-3, to: 1e-5, warmup: { value: 200, unit: "steps" } });
    for (const k of [0, 1, 57, 199, 200, 201, 600, 999, 1000]) expect(a.at(at(k))).toBeCloseTo(b.at(at(k)), 15);
    const seen: { step: number; totalSteps: number; epoch: number }[] = [];
    const probe = { describe: "probe", at: (p: { step: number; totalSteps: number; epoch: number }) => (seen.push(p), 1) };
    warmup({ steps: { value: 10, unit: "percent" }, then: probe }).at(at(350));
    expect(seen.at(-1)).toEqual({ step: 250, totalSteps: 900, epoch: 2, stepsPerEpoch: 100 });
    const inner = warmup({ steps: { value: 100, unit: "steps" }, then: linear({ from: 1, to: 0, end: { value: 50, unit: "percent" } }) });
    expect(inner.at(at(550))).toBe(0); // 50% of the remaining 900 steps
    expect(inner.at(at(325))).toBe(0.5);
  });

  it("warmup longer than the stage, or of zero length, stays finite", () => {
    const long = warmup({ steps: { value: 2000, unit: "steps" }, then: cosine({ from: 1 }) });
    for (const k of [0, 500, 1000]) expect(Number.isFinite(long.at(at(k)))).toBe(true);
    expect(long.at(at(0))).toBe(0);
    const none = warmup({ steps: { value: 0, unit: "steps" }, then: linear({ from: 1, to: 0 }) });
    expect(none.at(at(0))).toBe(1);
    expect(none.at(at(500))).toBe(0.5);
    expect(Number.isFinite(cosine({ from: 1, warmup: { value: 5, unit: "epochs" } }).at(at(0, 0)))).toBe(true);
  });

  it("piecewise linear: through the points, flat outside, jumps where two points share a position", () => {
    const s = piecewise({
      points: [
        [{ value: 100, unit: "steps" }, 0],
        [{ value: 2, unit: "epochs" }, 1],
        [{ value: 50, unit: "percent" }, 0.5],
        [{ value: 50, unit: "percent" }, 0.2],
      ],
      interpolate: "linear",
    });
    expect(s.at(at(0))).toBe(0);
    expect(s.at(at(100))).toBe(0);
    expect(s.at(at(150))).toBe(0.5);
    expect(s.at(at(200))).toBe(1);
    expect(s.at(at(350))).toBe(0.75);
    expect(s.at(at(499))).toBeCloseTo(0.5 + 0.5 / 300, 15);
    expect(s.at(at(500))).toBe(0.2);
    expect(s.at(at(1000))).toBe(0.2);
  });

  it("piecewise step: right-continuous, like MultiStepLR at a milestone; points are sorted by position", () => {
    const s = piecewise({
      points: [
        [{ value: 6, unit: "epochs" }, 0.001],
        [{ value: 0, unit: "steps" }, 0.1],
        [{ value: 3, unit: "epochs" }, 0.01],
      ],
      interpolate: "step",
    });
    expect([0, 299, 300, 599, 600, 1000].map((k) => s.at(at(k)))).toEqual([0.1, 0.1, 0.01, 0.01, 0.001, 0.001]);
    expect(s.at(at(150, 500, 50))).toBe(0.01); // epochs of another stage
    expect(piecewise({ points: [[{ value: 5, unit: "steps" }, 7]] }).at(at(0))).toBe(7);
    expect(() => piecewise({ points: [] })).toThrow(KdcRuntimeError);
  });

  it("min, max and arithmetic combine schedules and numbers", () => {
    const lin = linear({ from: 0, to: 2 });
    expect(min(lin, 1).at(at(250))).toBe(0.5);
    expect(min(lin, 1).at(at(750))).toBe(1);
    expect(max(cosine({ from: 1 }), 0.25).at(at(1000))).toBe(0.25);
    expect(add(lin, 1).at(at(500))).toBe(2);
    expect(sub(1, lin).at(at(500))).toBe(0);
    expect(mul(lin, constant(3)).at(at(500))).toBe(3);
    expect(div(lin, 4).at(at(500))).toBe(0.25);
    expect(combine("dkd", [], () => 0.5).at(at(0))).toBe(0.5);
    const epochRamp = combine("min(epoch / 20, 1)", [], () => 0);
    expect(epochRamp.describe).toBe("min(epoch / 20, 1)");
    expect(min(lin, 1).describe).toBe("min(linear(0 → 2), 1)");
    expect(mul(lin, 3).describe).toBe("(linear(0 → 2) * 3)");
  });

  it("describes itself", () => {
    expect(cosine({ from: 1e-3, to: 1e-5, warmup: { value: 200, unit: "steps" } }).describe).toBe("cosine(0.001 → 0.00001, warmup 200 steps)");
    expect(linear({ from: 8, to: 4 }).describe).toBe("linear(8 → 4)");
    expect(step({ from: 0.1, factor: 0.1, every: { value: 30, unit: "epochs" } }).describe).toBe("step(0.1, ×0.1 every 30 epochs)");
    expect(exp({ from: 0.01, to: 0.0001 }).describe).toBe("exp(0.01 → 0.0001)");
    expect(exp({ from: 1, gamma: 0.99 }).describe).toBe("exp(1, ×0.99 per step)");
    expect(warmup({ steps: { value: 10, unit: "percent" }, then: cosine({ from: 1 }) }).describe).toBe("warmup(10% from 0, then cosine(1 → 0))");
    expect(piecewise({ points: [[{ value: 0, unit: "steps" }, 1], [{ value: 2, unit: "epochs" }, 0]], interpolate: "step" }).describe).toBe(
      "piecewise(step; 0 steps: 1, 2 epochs: 0)",
    );
  });
});

describe("adaptive", () => {
  it("reads the controller's current λ at any progress, and follows its updates", () => {
    const c = new TaidController({ lambdaStart: 0.3, lambdaEnd: 0.9, alpha: 0.5, beta: 0.5 });
    const s = adaptive(c);
    const p = (step: number): Progress => ({ step, totalSteps: 10, epoch: 0, stepsPerEpoch: 10 });
    expect(s.describe).toBe("taid_lambda(0.3 → 0.9, α 0.5, β 0.5)");
    expect([s.at(p(0)), s.at(p(9))]).toEqual([0.3, 0.3]);
    c.update(2, 0, 10); // the first update only records the loss
    expect(s.at(p(5))).toBe(0.3);
    c.update(1, 1, 10);
    expect(s.at(p(0))).toBe(c.lambda);
    expect(c.lambda).toBeGreaterThan(0.3);
  });
});
