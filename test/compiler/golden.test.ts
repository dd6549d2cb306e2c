// Golden folders: test/cases/valid/<feature>/recipe.kd → recipe.ir.json + recipe.trainer.ts, and
// test/cases/invalid/<feature>/recipe.kd → recipe.diagnostics.txt. The first line of an invalid
// recipe names the codes it must produce: `// expect: KD3005, KD2001`.
// `npx vitest -u` accepts new output; review `git diff`. Under CI a missing golden fails.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { nodeHost } from "../../compiler/cli/node-host.js";
import { renderDiagnostics } from "../../compiler/diagnostics/render.js";
import { compile } from "../../compiler/program.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CASES = join(ROOT, "test", "cases");
const folders = (kind: string): string[] => readdirSync(join(CASES, kind)).sort();
const host = nodeHost(ROOT);

describe("valid recipes", () => {
  for (const name of folders("valid")) {
    it(name, async () => {
      const recipe = join(CASES, "valid", name, "recipe.kd");
      const result = await compile(recipe, host);
      expect(renderDiagnostics(result.diagnostics, result.sources)).toBe("");
      await expect(result.files.get("recipe.ir.json")).toMatchFileSnapshot(join(CASES, "valid", name, "recipe.ir.json"));
      await expect(result.files.get("recipe.trainer.ts")).toMatchFileSnapshot(join(CASES, "valid", name, "recipe.trainer.ts"));
    });
  }
});

describe("invalid recipes", () => {
  for (const name of folders("invalid")) {
    it(name, async () => {
      const recipe = join(CASES, "invalid", name, "recipe.kd");
      const header = /^\/\/ expect: (.*)$/m.exec(readFileSync(recipe, "utf8"));
      expect(header, `${relative(ROOT, recipe)} needs a "// expect: KD…" first line`).not.toBeNull();
      const expected = header![1]!.split(",").map((c) => c.trim()).sort();
      const result = await compile(recipe, host);
      expect(result.diagnostics.map((d) => d.code).sort()).toEqual(expected);
      await expect(renderDiagnostics(result.diagnostics, result.sources)).toMatchFileSnapshot(
        join(CASES, "invalid", name, "recipe.diagnostics.txt"),
      );
    });
  }
});
