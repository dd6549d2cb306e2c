// `kdc explain recipe.kd`: golden text for a few recipes (the example, DPO, adapters with a
// warm-up, stage controls, modules, augmented data), the JSON form's structure, and determinism.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { nodeHost } from "../../compiler/cli/node-host.js";
import { explain } from "../../compiler/explain/report.js";
import { explanationText } from "../../compiler/explain/text.js";
import { compile } from "../../compiler/program.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const host = nodeHost(ROOT);

async function explained(recipe: string, overrides = new Map<string, string>()) {
  const result = await compile(join(ROOT, recipe), host, { irOnly: true, overrides });
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  expect(result.files.size).toBe(0);
  return explain(result.ir!);
}

const GOLDENS: Record<string, string> = {
  "recipes/examples/mnist-hinton.kd": "test/cases/explain/mnist-hinton.explain.txt",
  "test/cases/valid/dpo/recipe.kd": "test/cases/explain/dpo.explain.txt",
  "test/cases/valid/explain-adapters/recipe.kd": "test/cases/explain/adapters.explain.txt",
  "test/cases/valid/explain-stage-controls/recipe.kd": "test/cases/explain/stage-controls.explain.txt",
  "test/cases/valid/modules/recipe.kd": "test/cases/explain/modules.explain.txt",
  "test/cases/valid/data-augment/recipe.kd": "test/cases/explain/data-augment.explain.txt",
  "test/cases/valid/teacher-mode/recipe.kd": "test/cases/explain/teacher-mode.explain.txt",
  "test/cases/valid/adaptive-lambda/recipe.kd": "test/cases/explain/adaptive-lambda.explain.txt",
};

describe("kdc explain (golden text)", () => {
  for (const [recipe, golden] of Object.entries(GOLDENS)) {
    it(recipe, async () => {
      const text = explanationText(await explained(recipe));
      await expect(text).toMatchFileSnapshot(join(ROOT, golden));
      expect(explanationText(await explained(recipe))).toBe(text);
    });
  }
});

describe("kdc explain (what it states)", () => {
  it("writes a library loss out with every convention and the T² factor at the param's value", async () => {
    const x = await explained("recipes/examples/mnist-hinton.kd", new Map([["T", "8"]]));
    const distill = x.stages.find((s) => s.name === "distill")!;
    expect(distill.objective.written).toBe("hinton(s: small, t: big, T: T, alpha: 0.9)");
    const kd = distill.objective.terms.find((t) => t.call.startsWith("kd("))!;
    expect(kd.t2).toBe("on: multiplied by T² = 64");
    expect(kd.reduction).toContain("batchmean");
    expect(kd.arguments.find((a) => a.name === "student")!.shape).toEqual({ symbolic: "[B, 10]", concrete: "[128, 10]" });
    expect(distill.teacherCache).toEqual([expect.objectContaining({ model: "big", legal: true })]);
  });

  it("counts an inserted adapter's parameters and evaluates schedules at the warm-up's end", async () => {
    const x = await explained("test/cases/valid/explain-adapters/recipe.kd");
    const hint = x.stages.find((s) => s.name === "hint")!;
    // 600 examples / batch 32 = 19 batches, 2 per update: 10 steps per epoch, 40 in all.
    expect(hint.length.totalSteps).toBe(40);
    expect(hint.adapters).toEqual([expect.objectContaining({ name: "hint.project1", parameters: 16 * 48 + 48 })]);
    const lr = hint.schedules.find((s) => s.name === "lr")!;
    expect(lr.values.map((v) => [v.at, v.step])).toEqual([["first step", 0], ["end of warm-up", 4], ["last step", 39]]);
    expect(lr.values[1]!.value).toBeCloseTo(3e-3, 12);
    const temp = hint.schedules.find((s) => s.name === "temp")!;
    expect(temp.values[0]!.value).toBe(4);
    expect(x.run).toMatchObject({ backend: "cpu", backendFrom: "recipe" });
  });

  it("evaluates a weight written inside the objective as a whole, not only its `epoch`", async () => {
    const x = await explained("test/cases/valid/progress-schedules/recipe.kd");
    const inObjective = x.stages[1]!.schedules.filter((s) => s.name === "in the objective");
    expect(inObjective.map((s) => s.expression)).toEqual(["min(epoch / 20, 1)"]);
    expect(inObjective[0]!.values.map((v) => v.value)).toEqual([0, 19 / 10 / 20]);
  });

  it("counts a `steps N` stage in optimizer steps, schedules and `every N steps` included", async () => {
    const x = await explained("test/cases/valid/explain-stage-controls/recipe.kd");
    const teach = x.stages.find((s) => s.name === "teach")!;
    // 500 examples / batch 50 = 10 steps per epoch; `steps 25` ends half-way through the third.
    expect(teach.length).toMatchObject({ steps: 25, totalSteps: 25, stepsPerEpoch: 10 });
    const lr = teach.schedules.find((s) => s.name === "lr")!;
    expect(lr.values.map((v) => [v.at, v.step])).toEqual([["first step", 0], ["end of warm-up", 5], ["last step", 24]]);
    expect(teach.evaluate[0]!.when).toBe("every 5 steps and at the end");
    expect(teach.best).toMatchObject({ metric: "ece", split: "digits.train", mode: "min" });
    expect(teach.best!.restored).toContain("`export big`");
  });

  it("states frozen parts, trainable teachers (never cached) and the best checkpoint's restore", async () => {
    const x = await explained("test/cases/valid/explain-stage-controls/recipe.kd");
    const finetune = x.stages.find((s) => s.name === "finetune")!;
    expect(finetune.frozenParts).toEqual([{ part: "big.hidden[0]", parameters: 784 * 32 + 32 }]);
    const mutual = x.stages.find((s) => s.name === "mutual")!;
    expect(mutual.teachers.map((t) => [t.model, t.trainable])).toEqual([["big", false], ["peer", true]]);
    expect(mutual.teacherCache).toEqual([expect.objectContaining({ model: "big", legal: true }), expect.objectContaining({ model: "peer", legal: false, runtime: "never cached" })]);
    expect(mutual.best).toMatchObject({ metric: "agreement(big)", split: "digits.unlabeled", mode: "max" });
    expect(mutual.best!.restored).toContain("small, peer");
  });

  it("lists modules with their layers, and which stages train them or read them frozen", async () => {
    const x = await explained("test/cases/valid/modules/recipe.kd");
    expect(x.modules).toEqual([expect.objectContaining({ name: "head", shape: "[B, 392] → [B, 10]", parameters: 6522, trainedIn: ["hint"], frozenIn: ["polish"] })]);
    expect(x.modules[0]!.layers.map((l) => l.layer)).toEqual(["linear(out: 16)", "batchnorm", "gelu", "linear(out: 10)"]);
    const hint = x.stages.find((s) => s.name === "hint")!;
    expect(hint.modules).toEqual({ trained: ["head"], frozen: [] });
    expect(x.stages.find((s) => s.name === "polish")!.modules).toEqual({ trained: [], frozen: ["head"] });
    expect(hint.adapters[0]).toMatchObject({ shape: "[B, 7, 7, 8] → [B, 7, 7, 16]", parameters: 8 * 16 + 16 + 4 * 16 });
  });

  it("writes dataset specs as the recipe does, mixtures with their weights, and refuses caching on augmented splits", async () => {
    const augment = await explained("test/cases/valid/data-augment/recipe.kd");
    expect(augment.datasets[0]!.call).toContain("augment: [random_crop(padding: 2), flip(p: 0.5)]");
    const distill = augment.stages.find((s) => s.name === "distill")!;
    expect(distill.teacherCache).toEqual([
      expect.objectContaining({ model: "big", legal: false, reason: expect.stringMatching(/^split `digits\.train` is augmented \(its inputs change every epoch/) }),
    ]);
    const tokens = await explained("test/cases/valid/data-shared-tokenizer/recipe.kd");
    const calls = tokens.datasets.map((d) => d.call);
    expect(calls[0]).toContain("tokenizer: bpe(vocab: 280, min_frequency: 2)");
    expect(calls[1]).toContain("tokenizer: mail.tokenizer");
    expect(calls[2]).toMatch(/^mixture\(mail\.train, messages\.all, weights: \[0\.6, 0\.4\]/);
    expect(tokens.datasets[2]!.sources).toEqual([{ split: "mail.train", weight: 0.6 }, { split: "messages.all", weight: 0.4 }]);
  });

  it("states TAID's λ once per controller, with its options at their values", async () => {
    const x = await explained("test/cases/valid/taid/recipe.kd");
    const distill = x.stages.find((s) => s.name === "distill")!;
    expect(distill.controllers).toHaveLength(1);
    expect(distill.controllers[0]!.options).toContainEqual({ name: "lambda_start", value: "start = 0.2" });
    expect(distill.controllers[0]!.rule).toContain("λ is adaptive");
    const taid = distill.objective.terms.find((t) => t.call.startsWith("taid("))!;
    expect(taid.arguments.map((a) => a.name)).toEqual(["student", "teacher", "λ"]);
    expect(taid.definition).not.toContain("λ ←");
  });

  it("spells out what a routed ensemble computes, per teacher at its temperature", async () => {
    const x = await explained("test/cases/valid/ensemble-route/recipe.kd");
    const kd = x.stages.find((s) => s.name === "distill")!.objective.terms[0]!;
    expect(kd.arguments.find((a) => a.name === "teacher")!.meaning).toContain("route 0: log_softmax(a.logits / 2); route 1: log_softmax(b.logits)");
  });

  it("evaluates schedules whose runtime options are named differently (step_decay, warmup, piecewise)", async () => {
    const x = await explained("test/cases/valid/more-schedules/recipe.kd");
    const all = x.stages.flatMap((s) => s.schedules);
    const valuesOf = (prefix: string) => all.find((s) => s.expression.startsWith(prefix))!.values.map((v) => v.value);
    // 0.1 halved every epoch: 4 epochs of 10 steps, so 0.1 · 0.5³ at the last step.
    expect(valuesOf("step_decay(")).toEqual([0.1, 0.0125]);
    expect(valuesOf("warmup(length: 20 steps")).toEqual([1, 4, 4]);
    expect(valuesOf("piecewise(at: [0 steps, 1 epochs, 75%]")[1]).toBeCloseTo(0.35, 12);
  });

  it("is plain JSON-serialisable data", async () => {
    const x = await explained("test/cases/valid/dpo/recipe.kd");
    expect(JSON.parse(JSON.stringify(x))).toEqual(x);
  });
});

describe("the loss conventions table", () => {
  it("states the conventions of every built-in loss, and of nothing else", async () => {
    const { builtins } = await import("../../compiler/check/builtins.js");
    const { LOSS_CONVENTIONS } = await import("../../compiler/explain/conventions.js");
    // `ensemble` combines tensors and `project` maps them; neither is a loss of its own. `hint` and
    // `taid` are losses with stage state (an adapter, λ), so they share the adapter category.
    const isLoss = (b: { category: string; name: string }) => (b.category === "loss" || b.category === "adapter") && b.name !== "ensemble" && b.name !== "project";
    const losses = [...builtins.values()].filter(isLoss).map((b) => b.name).sort();
    expect(Object.keys(LOSS_CONVENTIONS).sort()).toEqual(losses);
    for (const [name, c] of Object.entries(LOSS_CONVENTIONS)) {
      const params = builtins.get(name)!.params.map((p) => p.name);
      if (c.t2) expect(params, name).toContain(c.t2);
      else expect(params, name).not.toContain("t2");
    }
  });
});
