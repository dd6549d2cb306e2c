import { describe, expect, it } from "vitest";
import { constant, cosine, linear, resolveDuration } from "../../runtime/schedules.js";
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

  it("describes itself", () => {
    expect(cosine({ from: 1e-3, to: 1e-5, warmup: { value: 200, unit: "steps" } }).describe).toBe("cosine(0.001 → 0.00001, warmup 200 steps)");
    expect(linear({ from: 8, to: 4 }).describe).toBe("linear(8 → 4)");
  });
});
