// The data constructs end to end through generated trainers: a declared BPE tokenizer on a text
// column, a weighted mixture with its held-out split, and augmentation that refuses teacher
// caching while preprocessing keeps it. Tiny data, one or a few epochs each.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function run(recipe: string) {
  const out = join(mkdtempSync(join(tmpdir(), "kdc-data-")), "run");
  const r = spawnSync(process.execPath, [join(ROOT, "bin/kdc.js"), "run", recipe, "--backend", "cpu", "--out", out], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const lossesOf = (stdout: string, stage: string): number[] =>
  [...stdout.matchAll(new RegExp(`^${stage}\\s+epoch \\d+/\\d+\\s+step \\d+/\\d+\\s+loss (\\S+)`, "gm"))].map((m) => Number(m[1]));

describe("data recipes, trained", () => {
  it("trains on a jsonl text column with a declared bpe tokenizer, char bags, preferences and text", () => {
    const r = run("test/cases/valid/data-tokenizer/recipe.kd");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    for (const stage of ["language", "classify", "notes_only", "align"]) expect(lossesOf(r.stdout, stage).every(Number.isFinite)).toBe(true);
    // lm_ce over a 300-id vocabulary starts near ln(300) ≈ 5.7.
    expect(lossesOf(r.stdout, "language")[0]).toBeGreaterThan(4);
    expect(r.stdout).toMatch(/classify\s+epoch 2\/2\s+bags\.test\s+accuracy/);
  }, 120_000);

  it("trains on a weighted mixture and evaluates on its held-out split", () => {
    const r = run("test/cases/valid/data-mixture/recipe.kd");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    // 45 train rows (50 − 5 held out) in batches of 8: 6 steps per epoch.
    expect(r.stdout).toMatch(/teach\s+epoch 3\/3\s+step 18\/18/);
    expect(r.stdout).toMatch(/teach\s+epoch 3\/3\s+mix\.held_out\s+accuracy/);
    expect(r.stdout).toContain("distill: teacher outputs cached: teacher (logits): 45 rows");
    const teach = lossesOf(r.stdout, "teach");
    expect(teach.at(-1)!).toBeLessThan(teach[0]!);
  }, 120_000);

  it("shares one bpe tokenizer between a jsonl and a csv dataset and mixes their token rows", () => {
    const r = run("test/cases/valid/data-shared-tokenizer/recipe.kd");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(lossesOf(r.stdout, "language").every(Number.isFinite)).toBe(true);
    expect(r.stdout).toMatch(/distill\s+epoch 1\/1\s+mix\.held_out\s+agreement\(lm\)/);
  }, 120_000);

  it("refuses teacher caching on an augmented split, with the reason", () => {
    const r = run("test/cases/valid/data-augment/recipe.kd");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("distill: teacher outputs not cached: split 'digits.train' is augmented: its inputs change every epoch");
  }, 120_000);
});
