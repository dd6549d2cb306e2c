// `steps`, `freeze`, `checkpoint best by` and `teacher … trainable` from a recipe, through the real
// kdc binary: checked, built, trained on MNIST digits, reported.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

describe("kdc run with stage controls", () => {
  it("trains a recipe using steps, freeze, a best checkpoint and a trainable teacher", () => {
    const dir = mkdtempSync(join(tmpdir(), "kdc-cli-controls-"));
    const recipe = join(dir, "controls.kd");
    writeFileSync(
      recipe,
      `dataset digits = mnist(train: 200, test: 100, unlabeled: 100, seed: 1)
model a = mlp(input: 784, hidden: [16], classes: 10)
model b = mlp(input: 784, hidden: [12], classes: 10)
stage mutual {
  train a on digits.train
  teacher b trainable
  steps 7
  batch 50
  optimizer adam(lr: 1e-3)
  minimize ce(a.logits, batch.label) + kd(a.logits, b.logits, T: 1) + ce(b.logits, batch.label) + kd(b.logits, a.logits, T: 1)
}
stage tune after mutual {
  train a on digits.train
  teacher b
  freeze a.hidden[0]
  epochs 2
  batch 50
  optimizer sgd(lr: 0.05)
  minimize kd(a.logits, b.logits, T: 2)
  checkpoint best by agreement(b) on digits.unlabeled
  export a to "student"
}
`,
    );
    const out = join(dir, "run");
    const r = spawnSync(process.execPath, [join(ROOT, "bin/kdc.js"), "run", recipe, "--out", out], { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/tune: best agreement\(b\) on digits\.unlabeled/);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as { stages: { name: string; steps?: number; trainableTeachers?: string[]; freeze?: string[]; best?: { step: number } }[] };
    expect(manifest.stages[0]).toMatchObject({ name: "mutual", steps: 7, trainableTeachers: ["b"] });
    expect(manifest.stages[1]).toMatchObject({ name: "tune", freeze: ["hidden[0]"] });
    expect(manifest.stages[1]!.best?.step).toBeGreaterThan(0);
    expect(existsSync(join(out, "checkpoints", "tune", "best", "tensors.bin"))).toBe(true);
    expect(existsSync(join(out, "student", "model.json"))).toBe(true);
  });
});
