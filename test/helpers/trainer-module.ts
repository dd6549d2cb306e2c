// A recipe's generated trainer, compiled from text and evaluated against this runtime (no build,
// no files): what the end-to-end training tests run.
import { ts } from "ts-morph";
import { expect } from "vitest";
import * as kd from "../../runtime/index.js";
import { codes, compileText } from "./hosts.js";

export interface Trainer {
  program(params: unknown): kd.ProgramSpec;
  defaults: unknown;
}

/** The generated trainer as a function of the runtime it imports (`kd`); the recipe must compile cleanly. */
export async function trainerOf(recipe: string): Promise<Trainer> {
  const result = await compileText(recipe);
  expect(codes(result)).toEqual([]);
  const source = [...result.files.entries()].find(([name]) => name.endsWith(".trainer.ts"))![1];
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } }).outputText;
  const body = js.replace(/^import \* as kd from "kdc\/runtime";$/m, "").replace(/^export /gm, "");
  return new Function("kd", `${body}\nreturn { program, defaults };`)(kd) as Trainer;
}
