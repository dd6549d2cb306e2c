// Compiles recipe text and imports the generated trainer in this process, its `kdc/runtime`
// import pointed at the runtime sources, so tests can inspect its program or train it.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ts } from "ts-morph";
import { expect } from "vitest";
import type { ProgramSpec } from "../../runtime/index.js";
import { compileText, rendered } from "./hosts.js";

export interface LoadedTrainer {
  readonly defaults: Record<string, unknown>;
  program(params: Record<string, unknown>): ProgramSpec;
}

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const GENERATED = join(ROOT, "test", ".generated");

/** `name` must be unique per test file: it names the generated module. */
export async function loadTrainer(name: string, recipe: string): Promise<LoadedTrainer> {
  const result = await compileText(recipe);
  expect(rendered(result)).toBe("");
  const source = result.files.get("main.trainer.ts")!;
  const js = ts
    .transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } })
    .outputText.replace(/from "kdc\/runtime"/g, `from ${JSON.stringify(pathToFileURL(join(ROOT, "runtime", "index.ts")).href)}`);
  mkdirSync(GENERATED, { recursive: true });
  const path = join(GENERATED, `${name}.mjs`);
  writeFileSync(path, js);
  return (await import(/* @vite-ignore */ pathToFileURL(path).href)) as LoadedTrainer;
}
