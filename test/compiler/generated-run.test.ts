// Sequence-level KD end to end through a generated trainer: a teacher LM trained a few steps on a
// tiny text, its greedy continuations of the text's windows decoded when the student's stage
// starts, and the student trained with lm_ce on them.
import { readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import * as kd from "../../runtime/index.js";
import { IGNORE } from "../../runtime/data/memory-split.js";
import { compileText, rendered } from "../helpers/hosts.js";

const BOOK = fileURLToPath(new URL("../fixtures/data/tiny.txt", import.meta.url));

const RECIPE = `
dataset book = text(${JSON.stringify(BOOK)}, context: 8, tokenizer: char(max_vocab: 40))
model big = transformer(vocab: 40, dim: 16, layers: 1, heads: 2, context: 16)
model small = transformer(vocab: 40, dim: 8, layers: 1, heads: 2, context: 16)
dataset distilled = generate(big, prompts: book.train, max_new_tokens: 8, prompt_tokens: 4, batch: 3)

stage teach {
  train big on book.train
  steps 20
  batch 8
  optimizer adam(lr: 1e-2)
  minimize lm_ce(big)
  export big to "teacher"
}

stage distill after teach {
  train small on distilled.train
  epochs 15
  batch 8
  optimizer adam(lr: 1e-2)
  minimize lm_ce(small)
}
`;

interface Trainer {
  readonly defaults: Record<string, unknown>;
  program(params: Record<string, unknown>): kd.ProgramSpec;
}

describe("generate(…) in a trained recipe", () => {
  it("decodes the trained teacher's greedy continuations and trains the student on them", async () => {
    const result = await compileText(RECIPE, { [BOOK]: readFileSync(BOOK, "utf8") });
    expect(result.diagnostics, rendered(result)).toEqual([]);
    const outDir = await mkdtemp(join(tmpdir(), "kdc-generated-"));
    const file = join(outDir, "main.trainer.ts");
    await writeFile(file, result.files.get("main.trainer.ts")!);
    const trainer = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as Trainer;
    let program: kd.ProgramSpec | undefined;
    const losses: number[] = [];
    await kd.run(
      () => (program = trainer.program(trainer.defaults)),
      { backend: "cpu", outDir, quiet: true, handleSignals: false, onStep: (e) => void (e.stage === "distill" && losses.push(e.loss)) },
    );
    const split = program!.stages[1]!.data;
    expect(split).toBeInstanceOf(kd.data.GeneratedSplit);
    const generated = split as kd.data.GeneratedSplit;
    expect([generated.name, generated.context, generated.size]).toEqual(["distilled.train", 12, generated.prompts.size]);

    // The same rows again from the exported (trained) teacher: they are its greedy continuations.
    const teacher = kd.models.load("teacher", { path: join(outDir, "teacher") });
    const again = kd.data.generated(generated.prompts, teacher, { ...generated.options, name: "again" }).train;
    for (let r = 0; r < generated.size; r++) {
      const row = generated.row(r);
      expect(Array.from(row.tokens)).toEqual(Array.from(again.row(r).tokens));
      // Prompt masked; the continuation is greedy decoding of the prompt.
      const prompt = Array.from(row.tokens.slice(0, 4));
      const [continuation] = kd.models.decode(teacher, [prompt], { maxNewTokens: 8 });
      expect(Array.from(row.targets.slice(0, 4))).toEqual([IGNORE, IGNORE, IGNORE, IGNORE]);
      expect(Array.from(row.targets.slice(4, 4 + continuation!.length))).toEqual(continuation);
    }
    teacher.dispose();

    expect(losses.length).toBeGreaterThan(0);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
  }, 120_000);

  it("a resumed run decodes the same rows again (sampling is seeded, the teacher's weights restored)", async () => {
    const sampled = RECIPE.replace("prompt_tokens: 4, batch: 3)", "prompt_tokens: 4, batch: 3, temperature: 1, top_k: 5, seed: 9)");
    const result = await compileText(sampled, { [BOOK]: readFileSync(BOOK, "utf8") });
    expect(result.diagnostics, rendered(result)).toEqual([]);
    const outDir = await mkdtemp(join(tmpdir(), "kdc-generated-resume-"));
    const file = join(outDir, "main.trainer.ts");
    await writeFile(file, result.files.get("main.trainer.ts")!);
    const trainer = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as Trainer;
    const rowsOf = (p: kd.ProgramSpec | undefined): number[][] => {
      const g = p!.stages[1]!.data as kd.data.GeneratedSplit;
      return Array.from({ length: g.size }, (_, r) => Array.from(g.row(r).tokens));
    };
    let first: kd.ProgramSpec | undefined;
    const stop = new AbortController();
    await expect(
      kd.run(() => (first = trainer.program(trainer.defaults)), {
        backend: "cpu",
        outDir,
        quiet: true,
        handleSignals: false,
        signal: stop.signal,
        onStep: (e) => void (e.stage === "distill" && e.step === 3 && stop.abort()),
      }),
    ).rejects.toThrow(/interrupted/i);
    const before = rowsOf(first);
    let second: kd.ProgramSpec | undefined;
    const report = await kd.run(() => (second = trainer.program(trainer.defaults)), { backend: "cpu", outDir, quiet: true, handleSignals: false, resume: true });
    expect(report.stages[0]!.resumed).toBe("skipped");
    expect(rowsOf(second)).toEqual(before);
  }, 120_000);
});
