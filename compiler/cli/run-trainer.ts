// Runs an emitted trainer: transpile its TypeScript with the compiler ts-morph bundles, point its
// runtime import at this kdc's own runtime (so trainer and CLI share one TensorFlow.js), import it,
// and hand its program to the runtime.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { packageRoot } from "./node-host.js";

export interface TrainerRunOptions {
  readonly backend: "wasm" | "cpu" | "tensorflow";
  readonly outDir: string;
  readonly interactive: boolean;
  readonly resume: boolean;
}

interface TrainerModule {
  readonly defaults: Record<string, unknown>;
  program(params: Record<string, unknown>): unknown;
}

interface RuntimeModule {
  run(build: () => unknown, options: { backend: string; outDir: string; interactive: boolean; resume: boolean }): Promise<unknown>;
}

export async function runTrainer(trainerPath: string, source: string, options: TrainerRunOptions): Promise<void> {
  const runtimeUrl = pathToFileURL(join(packageRoot(), "dist", "runtime", "index.js")).href;
  const { ts } = await import("ts-morph");
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    fileName: trainerPath,
  }).outputText.replace(/from "kdc\/runtime"/g, `from ${JSON.stringify(runtimeUrl)}`);
  const jsPath = trainerPath.replace(/\.ts$/, ".mjs");
  writeFileSync(jsPath, js);
  const trainer = (await import(pathToFileURL(jsPath).href)) as TrainerModule;
  const runtime = (await import(runtimeUrl)) as RuntimeModule;
  await runtime.run(() => trainer.program(trainer.defaults), options);
}
