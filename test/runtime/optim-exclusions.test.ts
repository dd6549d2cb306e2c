// Decay exclusions by kind (what a recipe's `exclude_from_decay` becomes), on the variable names
// of kdc's own models: ["bias", "norm"] skips exactly what adamw's default rule skips, and each kind
// picks out only its own variables.
import { afterAll, describe, expect, it } from "vitest";
import * as kd from "../../runtime/index.js";

const models = [
  kd.models.mlp("m", { input: 6, hidden: [4], classes: 3 }, 1),
  kd.models.cnn("c", { input: [8, 8, 1], channels: [2], classes: 3 }, 2),
  kd.models.resnet("r", { input: [8, 8, 1], widths: [2, 4], classes: 3 }, 3),
  kd.models.transformer("t", { vocab: 10, dim: 8, layers: 1, heads: 2, context: 4, tied: false }, 4),
];
afterAll(() => models.forEach((m) => m.dispose()));

const trainable = (m: (typeof models)[number]) => m.variables.map((v, i) => ({ name: m.variableNames[i]!, shape: v.shape, trainable: v.trainable })).filter((v) => v.trainable);

describe("decayExclusions", () => {
  it('["bias", "norm"] matches adamw\'s default rule on every trainable variable', () => {
    const skip = kd.optim.decayExclusions(["bias", "norm"]);
    for (const m of models) for (const v of trainable(m)) expect(skip(v.name, v.shape), `${m.kind} ${v.name}`).toBe(kd.optim.excludedFromDecayByDefault(v.name, v.shape));
  });

  it("picks each kind's variables and nothing else", () => {
    const names = models.flatMap((m) => trainable(m).map((v) => v.name));
    const of = (kind: kd.optim.DecayKind) => names.filter((n) => kd.optim.isOfDecayKind(kind, n));
    expect(of("embedding")).toEqual(["tok_emb", "pos_emb"]);
    expect(of("bias").every((n) => n.endsWith("/bias"))).toBe(true);
    expect(of("bias")).toContain("dense_0/bias");
    expect(of("norm")).toEqual(expect.arrayContaining(["stem/bn/gamma", "stem/bn/beta", "block_0/ln_1/gamma", "ln_f/beta"]));
    expect(of("norm").every((n) => /\/(gamma|beta)$/.test(n))).toBe(true);
    // An adapter's variables carry its module name: a stage called `norm_stage` does not make them norms.
    expect(kd.optim.isOfDecayKind("norm", "norm_stage.project1/kernel")).toBe(false);
    expect(kd.optim.isOfDecayKind("bias", "norm_stage.project1/bias")).toBe(true);
    expect(kd.optim.decayExclusions([])("dense_0/bias", [3])).toBe(false);
  });

  it("is described by its kinds", () => {
    const spec = (kinds: kd.optim.DecayKind[]) => kd.optim.adamw({ lr: 1e-3, excludeFromDecay: kd.optim.decayExclusions(kinds) });
    expect(kd.optim.describeOptimizer(spec(["bias", "norm"]))).toContain("decoupled weight decay 0.01, not biases, norms)");
    expect(kd.optim.describeOptimizer(spec([]))).toContain("decoupled weight decay 0.01)");
  });

  it("refuses an unknown kind", () => {
    expect(() => kd.optim.decayExclusions(["biases" as kd.optim.DecayKind])).toThrow(/unknown kind of parameter 'biases'/);
  });
});
