// The loss built-ins added beside kd/dkd/dpo, trained end to end through the generated trainer:
// a recipe is compiled, its trainer imported, and its program run on the cpu backend with tiny
// data: feature losses (hint, cosine, RKD, Margin-MSE), next-token divergences and token TAID, SimPO and ADPO,
// TAID and a `taid_lambda` let read as a loss weight and in the lr, whose λ must move during
// training, land in checkpoints, and resume exactly; and ensembles
// at per-teacher temperatures or routed by a data column.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { nodeHost } from "../../compiler/cli/node-host.js";
import { compile } from "../../compiler/program.js";
import * as kd from "../../runtime/index.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "kdc-losses-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Trainer {
  readonly defaults: Record<string, unknown>;
  program(params: Record<string, unknown>): kd.ProgramSpec;
}

/** Compiles `recipe` (written into the temp folder) and imports its trainer. */
async function trainer(name: string, recipe: string): Promise<Trainer> {
  const path = join(dir, `${name}.kd`);
  writeFileSync(path, recipe);
  const result = await compile(path, nodeHost(ROOT));
  expect(result.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  const file = join(dir, `${name}.trainer.ts`);
  writeFileSync(file, result.files.get("recipe.trainer.ts") ?? [...result.files.entries()].find(([k]) => k.endsWith(".trainer.ts"))![1]);
  return (await import(/* @vite-ignore */ pathToFileURL(file).href)) as Trainer;
}

async function train(t: Trainer, out: string, extra: Partial<kd.RunOptions> = {}): Promise<{ spec: kd.ProgramSpec; losses: Map<string, number[]> }> {
  const losses = new Map<string, number[]>();
  let spec: kd.ProgramSpec | undefined;
  await kd.run(
    () => (spec = t.program(t.defaults)),
    { backend: "cpu", outDir: join(dir, out), quiet: true, handleSignals: false, onStep: (e) => losses.set(e.stage, [...(losses.get(e.stage) ?? []), e.loss]), ...extra },
  );
  return { spec: spec!, losses };
}

const allFinite = (xs: readonly number[] | undefined) => xs !== undefined && xs.length > 0 && xs.every(Number.isFinite);

/** Digits, a 16-unit teacher trained by stage `teach` and an 8-unit student: the classifier cases' start. */
const digits = (teach: { epochs: number; batch: number; optimizer: string }) => `dataset digits = mnist(train: 64, test: 16, seed: 1)
model big = mlp(input: 784, hidden: [16], classes: 10)
model small = mlp(input: 784, hidden: [8], classes: 10)
stage teach {
  train big on digits.train
  epochs ${teach.epochs}
  batch ${teach.batch}
  optimizer ${teach.optimizer}
  minimize ce(big.logits, batch.label)
}
`;

/** Moby Dick windows, a 2-head teacher LM trained by stage `pretrain` and a 1-head student: the token cases' start. */
const BOOK = `dataset book = moby_dick(train: 8, test: 2, seed: 1, context: 8, max_vocab: 32)
model lm = transformer(vocab: 32, dim: 8, layers: 1, heads: 2, context: 8)
model tiny = transformer(vocab: 32, dim: 8, layers: 1, heads: 1, context: 8)
stage pretrain {
  train lm on book.train
  epochs 1
  batch 4
  optimizer adam()
  minimize lm_ce(lm)
}
`;

describe("feature, token and preference losses train through the generated trainer", () => {
  it("hint, cosine_embedding, rkd_distance, rkd_angle, margin_mse, and an ensemble at per-teacher temperatures", async () => {
    const t = await trainer(
      "features",
      `${digits({ epochs: 1, batch: 32, optimizer: "adam()" })}stage distill after teach {
  train small on digits.train
  teacher big
  epochs 2
  batch 32
  optimizer adam(lr: 1e-2)
  minimize hint(small.hidden[0], big.hidden[0]) + cosine_embedding(project(small.hidden[0], like: big.hidden[0]), big.hidden[0])
    + rkd_distance(small.hidden[0], big.hidden[0]) + rkd_angle(small.logits, big.hidden[0])
    + margin_mse(small.logits, small.logits * 0.5, big.logits, big.logits * 0.5)
    + kd(small.logits, ensemble(big.logits, big.logits * 0.5, weights: [0.6, 0.4], T: [2, 4]), T: 1)
}
`,
    );
    const { spec, losses } = await train(t, "features");
    expect(allFinite(losses.get("distill"))).toBe(true);
    // hint's regressor and project's adapter are two trainable modules of the stage.
    expect(spec.stages[1]!.modules).toHaveLength(2);
  });

  it("token_reverse_kl, token_jsd and token_tvd on next tokens", async () => {
    const t = await trainer(
      "tokens",
      `${BOOK}stage distill after pretrain {
  train tiny on book.train
  teacher lm
  epochs 2
  batch 4
  optimizer adam(lr: 1e-2)
  minimize token_reverse_kl(tiny, lm, T: 2) + token_jsd(tiny, lm) + token_tvd(tiny, lm)
}
`,
    );
    const { losses } = await train(t, "tokens");
    const distill = losses.get("distill")!;
    expect(allFinite(distill)).toBe(true);
    expect(distill.at(-1)!).toBeLessThan(distill[0]!);
  });

  it("token_taid on next tokens: its own λ and a `taid_lambda` let's both move, the loss stays finite", async () => {
    const t = await trainer(
      "token-taid",
      `${BOOK}stage distill after pretrain {
  train tiny on book.train
  teacher lm
  epochs 2
  batch 4
  optimizer adam(lr: 1e-2)
  let lam = taid_lambda(start: 0.1, end: 0.8, alpha: 0.5)
  minimize token_taid(tiny, lm, lambda_start: 0.2, lambda_end: 0.9, alpha: 0.5) + token_taid(tiny, lm, lambda: lam)
}
`,
    );
    let spec: kd.ProgramSpec | undefined;
    const own: number[] = [];
    const fromLet: number[] = [];
    const losses: number[] = [];
    const controller = (name: string) => (spec!.stages[1]!.controllers![name] as kd.losses.TaidController).lambda;
    await kd.run(() => (spec = t.program(t.defaults)), {
      backend: "cpu", outDir: join(dir, "token-taid"), quiet: true, handleSignals: false,
      onStep: (e) => {
        if (e.stage !== "distill") return;
        losses.push(e.loss);
        own.push(controller("distill.taid1"));
        fromLet.push(controller("distill.lam"));
      },
    });
    // 4 steps (8 windows, batch 4, 2 epochs); λ starts where its options say and rises after the first.
    expect(losses).toHaveLength(4);
    expect(allFinite(losses)).toBe(true);
    expect(own[0]).toBe(0.2);
    expect(fromLet[0]).toBe(0.1);
    expect(own.at(-1)!).toBeGreaterThan(0.2);
    expect(fromLet.at(-1)!).toBeGreaterThan(0.1);
    expect(own.at(-1)!).toBeLessThanOrEqual(0.9);
    expect(fromLet.at(-1)!).toBeLessThanOrEqual(0.8);
  });

  it("simpo (reference-free) and adpo (anchored to a snapshot)", async () => {
    copyFileSync(join(ROOT, "test/cases/valid/dpo/prefs.jsonl"), join(dir, "prefs.jsonl"));
    const t = await trainer(
      "preferences",
      `dataset prefs = preferences("prefs.jsonl", max_length: 12, seed: 1)
model policy = transformer(vocab: 32, dim: 8, layers: 1, heads: 2, context: 12)
stage simple {
  train policy on prefs.train
  epochs 2
  batch 8
  optimizer adam(lr: 1e-2)
  minimize simpo(policy, beta: 2, gamma: 0.5)
}
stage anchored after simple {
  train policy on prefs.train
  reference ref = policy
  epochs 2
  batch 8
  optimizer adam(lr: 1e-2)
  minimize adpo(policy, ref, tau: 10)
}
`,
    );
    const { losses } = await train(t, "preferences");
    expect(allFinite(losses.get("simple"))).toBe(true);
    const anchored = losses.get("anchored")!;
    expect(allFinite(anchored)).toBe(true);
    // The policy starts equal to its reference: every anchored score is 0, so the loss is KL(q ‖ uniform) = log 2.
    expect(anchored[0]).toBeCloseTo(Math.log(2), 5);
  });
});

describe("taid", () => {
  const recipe = `${digits({ epochs: 2, batch: 16, optimizer: "adam(lr: 1e-2)" })}stage distill after teach {
  train small on digits.train
  teacher big
  epochs 2
  batch 16
  optimizer adam(lr: 1e-2)
  minimize taid(small.logits, big.logits, lambda_start: 0.2, lambda_end: 0.9, alpha: 0.5)
  checkpoint every 1 epoch keep 1
}
`;
  const lambdaOf = (spec: kd.ProgramSpec) => (spec.stages[1]!.controllers!["distill.taid1"] as kd.losses.TaidController).toJSON();

  it("raises λ past its linear floor step by step, and resumes it exactly from a checkpoint", async () => {
    const t = await trainer("taid", recipe);
    let spec: kd.ProgramSpec | undefined;
    const lambdas: number[] = [];
    await kd.run(() => (spec = t.program(t.defaults)), {
      backend: "cpu", outDir: join(dir, "taid-whole"), quiet: true, handleSignals: false,
      onStep: (e) => e.stage === "distill" && lambdas.push(lambdaOf(spec!).lambda),
    });
    const state = lambdaOf(spec!);
    // 8 steps (64 rows, batch 16, 2 epochs). The first update only records the loss; later ones
    // raise λ by α·σ(m)·(1 − λ), past the linear floor λ0 + (λ1 − λ0)·step/N, until the cap.
    expect(lambdas).toHaveLength(8);
    expect(lambdas[0]).toBe(0.2);
    const floor = (step: number) => 0.2 + (0.7 * step) / 8;
    expect(lambdas[1]!).toBeGreaterThan(floor(1) + 0.05);
    for (let i = 1; i < 8; i++) expect(lambdas[i]!).toBeGreaterThanOrEqual(lambdas[i - 1]!);
    expect(state.lambda).toBeLessThanOrEqual(0.9);
    expect(state.prevLoss).not.toBeNull();

    // Stopped at the end of the stage's first epoch, then resumed with a fresh program: the same λ.
    const abort = new AbortController();
    const out = "taid-resumed";
    await expect(train(t, out, { signal: abort.signal, onStep: (e) => e.stage === "distill" && e.step === 4 && abort.abort() })).rejects.toThrow(/interrupted/);
    const resumed = await train(t, out, { resume: true });
    expect(lambdaOf(resumed.spec)).toEqual(state);

    // Resuming with other TAID options is refused: the run manifest knows the program changed.
    const changed = await trainer("taid-changed", recipe.replace("alpha: 0.5", "alpha: 0.4"));
    const stopped = "taid-stopped";
    const again = new AbortController();
    await expect(train(t, stopped, { signal: again.signal, onStep: (e) => e.stage === "distill" && e.step === 4 && again.abort() })).rejects.toThrow(/interrupted/);
    await expect(train(changed, stopped, { resume: true })).rejects.toThrow(/cannot resume the run in .*different program/);
  });
});

describe("taid with `lambda:` inside a loss definition", () => {
  it("trains with λ passed in from the stage's taid_lambda let, which moves; the loss stays finite", async () => {
    const t = await trainer(
      "taid-in-loss",
      `${digits({ epochs: 1, batch: 16, optimizer: "adam(lr: 1e-2)" })}loss taid_ce(s: tensor, t: tensor, lam: scalar) = taid(s, t, lambda: lam) + 0.1 * ce(s, batch.label)
stage distill after teach {
  train small on digits.train
  teacher big
  epochs 1
  batch 16
  optimizer adam(lr: 1e-2)
  let lam = taid_lambda(start: 0.2, end: 0.9, alpha: 0.5)
  minimize taid_ce(small.logits, big.logits, lam)
}
`,
    );
    let spec: kd.ProgramSpec | undefined;
    const lambdas: number[] = [];
    const losses: number[] = [];
    await kd.run(() => (spec = t.program(t.defaults)), {
      backend: "cpu", outDir: join(dir, "taid-in-loss"), quiet: true, handleSignals: false,
      onStep: (e) => {
        if (e.stage !== "distill") return;
        losses.push(e.loss);
        lambdas.push((spec!.stages[1]!.controllers!["distill.lam"] as kd.losses.TaidController).lambda);
      },
    });
    expect(losses).toHaveLength(4);
    expect(allFinite(losses)).toBe(true);
    expect(lambdas[0]).toBe(0.2);
    expect(lambdas.at(-1)!).toBeGreaterThan(0.2);
  });
});

describe("taid_lambda, an adaptive schedule read as a loss weight and in the lr", () => {
  const recipe = `${digits({ epochs: 2, batch: 16, optimizer: "adam(lr: 1e-2)" })}stage distill after teach {
  train small on digits.train
  teacher big
  epochs 2
  batch 16
  let lam = taid_lambda(start: 0.2, end: 0.9, alpha: 0.5)
  optimizer adam(lr: 1e-2 * lam)
  minimize lam * kd(small.logits, big.logits, T: 2) + (1 - lam) * ce(small.logits, batch.label)
  checkpoint every 1 epoch keep 1
}
`;
  const lambdaOf = (spec: kd.ProgramSpec) => (spec.stages[1]!.controllers!["distill.lam"] as kd.losses.TaidController).toJSON();

  it("moves λ during training, feeds step k the λ of steps 0…k−1 (lr included), and resumes it exactly", async () => {
    const t = await trainer("taid-lambda", recipe);
    let spec: kd.ProgramSpec | undefined;
    const after: number[] = [];
    const lrs: number[] = [];
    await kd.run(() => (spec = t.program(t.defaults)), {
      backend: "cpu", outDir: join(dir, "taid-lambda-whole"), quiet: true, handleSignals: false,
      onStep: (e) => {
        if (e.stage !== "distill") return;
        after.push(lambdaOf(spec!).lambda);
        lrs.push(e.lr);
      },
    });
    // One controller, updated once per step although the objective reads λ twice and the lr once.
    expect(Object.keys(spec!.stages[1]!.controllers!)).toEqual(["distill.lam"]);
    expect(after).toHaveLength(8);
    expect(after[0]).toBe(0.2); // the first update only records the loss
    expect(after[1]!).toBeGreaterThan(0.2 + (0.7 * 1) / 8 + 0.05); // past the linear floor
    for (let i = 1; i < 8; i++) expect(after[i]!).toBeGreaterThanOrEqual(after[i - 1]!);
    expect(after[7]!).toBeGreaterThan(after[0]!);
    // The lr is read before the step: step k sees the λ left by steps 0…k−1 (step 0: start).
    expect(lrs[0]).toBeCloseTo(1e-2 * 0.2, 12);
    for (let k = 1; k < 8; k++) expect(lrs[k]).toBeCloseTo(1e-2 * after[k - 1]!, 12);
    const state = lambdaOf(spec!);

    // Stopped after the stage's first epoch, then resumed with a fresh program: the same λ, step by step.
    const abort = new AbortController();
    const out = "taid-lambda-resumed";
    await expect(train(t, out, { signal: abort.signal, onStep: (e) => e.stage === "distill" && e.step === 4 && abort.abort() })).rejects.toThrow(/interrupted/);
    let resumedSpec: kd.ProgramSpec | undefined;
    const resumedAfter: number[] = [];
    await kd.run(() => (resumedSpec = t.program(t.defaults)), {
      backend: "cpu", outDir: join(dir, out), quiet: true, handleSignals: false, resume: true,
      onStep: (e) => e.stage === "distill" && resumedAfter.push(lambdaOf(resumedSpec!).lambda),
    });
    expect(resumedAfter).toEqual(after.slice(4));
    expect(lambdaOf(resumedSpec!)).toEqual(state);
  });
});

describe("ensemble routed by a data column", () => {
  it("trains with each row served by the teacher its `domain` names; batches carry the column as route ids", async () => {
    copyFileSync(join(ROOT, "test/cases/valid/ensemble-route/mixed.csv"), join(dir, "mixed.csv"));
    const t = await trainer(
      "routed",
      `dataset mixed = csv("mixed.csv", label: "label", route: "domain")
model a = mlp(input: 4, hidden: [8], classes: 3)
model b = mlp(input: 4, classes: 3)
model small = mlp(input: 4, classes: 3)
stage teach_a {
  train a on mixed.train
  epochs 1
  batch 8
  optimizer adam()
  minimize ce(a.logits, batch.label)
}
stage teach_b {
  train b on mixed.train
  epochs 1
  batch 8
  optimizer adam()
  minimize ce(b.logits, batch.label)
}
stage distill after teach_a, teach_b {
  train small on mixed.train
  teacher a, b
  epochs 2
  batch 8
  optimizer adam(lr: 1e-2)
  minimize kd(small.logits, ensemble(a.logits, b.logits, route: batch.route, T: [2, 1]), T: 1)
}
`,
    );
    const { spec, losses } = await train(t, "routed");
    expect(allFinite(losses.get("distill"))).toBe(true);
    // The route column is not an input, and every batch carries it: domain = row index mod 2 in mixed.csv.
    const data = spec.stages[2]!.data;
    expect(data.features).toBe(4);
    const batch = [...data.batches(24, 0, 0)][0]!;
    const inputs = batch.input.arraySync();
    const routes = Array.from(batch.route!.dataSync());
    expect(routes).toHaveLength(24);
    // Each row's route is the `domain` of the csv row with those features.
    const domainOf = new Map(
      readFileSync(join(dir, "mixed.csv"), "utf8").trim().split("\n").slice(1).map((line) => {
        const f = line.split(",");
        return [f.slice(0, 4).map((x) => Number(x).toFixed(3)).join(","), Number(f[5])] as const;
      }),
    );
    routes.forEach((r, i) => expect(r).toBe(domainOf.get(inputs[i]!.map((x) => x.toFixed(3)).join(","))));
    expect(new Set(routes)).toEqual(new Set([0, 1]));
    kd.tf.dispose([batch.input, batch.label!, batch.route!]);
  });
});
