// Compiles a recipe given as text and trains its generated trainer in this process, on the cpu
// backend, the way `kdc run` would: the trainer's `kdc/runtime` import is the runtime's source
// (vitest.config.ts aliases it), so the test and the trainer share one TensorFlow.js.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as kd from "../../runtime/index.js";
import { compileText, rendered } from "./hosts.js";

interface Trainer {
  readonly defaults: Record<string, unknown>;
  program(params: Record<string, unknown>): kd.ProgramSpec;
}

export interface RecipeRun {
  readonly report: kd.RunReport;
  readonly outDir: string;
  /** The program as built, before training changed its weights: model name → variable name → initial values. */
  readonly initial: ReadonlyMap<string, ReadonlyMap<string, Float32Array>>;
  readonly trainer: string;
  /** Builds the program again (fresh models, the same data), for checks after the run. */
  rebuild(): kd.ProgramSpec;
}

export async function runRecipe(text: string, extra: Readonly<Record<string, string>> = {}): Promise<RecipeRun> {
  const result = await compileText(text, extra);
  if (result.diagnostics.some((d) => d.severity === "error")) throw new Error(`the recipe does not compile:\n${rendered(result)}`);
  const trainer = result.files.get("main.trainer.ts")!;
  const outDir = await mkdtemp(join(tmpdir(), "kdc-recipe-"));
  const file = join(outDir, "main.trainer.ts");
  await writeFile(file, trainer);
  const module = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as Trainer;
  const initial = new Map<string, Map<string, Float32Array>>();
  const report = await kd.run(
    () => {
      const program = module.program(module.defaults);
      for (const m of program.models) {
        const names = (m as { variableNames?: readonly string[] }).variableNames ?? m.variables.map((v) => v.name);
        initial.set(m.name, new Map(m.variables.map((v, i) => [names[i]!, Float32Array.from(v.dataSync())])));
      }
      return program;
    },
    { backend: "cpu", outDir, quiet: true, handleSignals: false },
  );
  return { report, outDir, initial, trainer, rebuild: () => module.program(module.defaults) };
}
