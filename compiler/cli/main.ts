// The kdc command line: the only module that touches the file system, the console and `process`.
// Exit codes: 0 success, 1 diagnostics with errors (or a failed run), 2 usage.
import { Command, CommanderError, Option } from "commander";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { catalogue, isCode } from "../diagnostics/codes.js";
import { diagnostic, hasErrors, type Diagnostic } from "../diagnostics/diagnostic.js";
import { diagnosticsToJson, renderDiagnostics } from "../diagnostics/render.js";
import { compile, type CompileResult } from "../program.js";
import { formatFile } from "./format-file.js";
import { nodeHost, packageRoot } from "./node-host.js";
import { runTrainer } from "./run-trainer.js";

interface Io {
  out(text: string): void;
  err(text: string): void;
  color: boolean;
}

const defaultIo = (): Io => ({
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  color: Boolean(process.stderr.isTTY) && !process.env.NO_COLOR,
});

export async function main(argv: readonly string[], io: Io = defaultIo()): Promise<number> {
  let exitCode = 0;
  const program = new Command()
    .name("kdc")
    .description("Compile knowledge-distillation recipes (.kd) into checked, readable TensorFlow.js trainers.")
    .version(JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")).version as string)
    .option("--debug", "show stack traces for internal errors")
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  const setOption = () =>
    new Option("--set <name=value>", "override a recipe param (repeatable)").argParser((v: string, prev: string[] = []) => [...prev, v]);

  program
    .command("check")
    .description("parse and check recipes; print diagnostics")
    .argument("<files...>", ".kd recipe files")
    .addOption(new Option("--format <format>", "diagnostic output").choices(["text", "json"]).default("text"))
    .addOption(setOption())
    .action(async (files: string[], opts: { format: "text" | "json"; set?: string[] }) => {
      const all: Diagnostic[] = [];
      const sources = new Map();
      for (const file of files) {
        const result = await compileFile(file, opts.set, { checkOnly: true });
        all.push(...result.diagnostics);
        for (const [k, v] of result.sources) sources.set(k, v);
      }
      report(all, sources, opts.format);
      exitCode = hasErrors(all) ? 1 : 0;
    });

  program
    .command("build")
    .description("compile a recipe into a TypeScript trainer and its IR")
    .argument("<file>", ".kd recipe file")
    .option("-o, --out-dir <dir>", "where to write the trainer", "build")
    .addOption(new Option("--format <format>", "diagnostic output").choices(["text", "json"]).default("text"))
    .addOption(setOption())
    .action(async (file: string, opts: { outDir: string; format: "text" | "json"; set?: string[] }) => {
      const result = await compileFile(file, opts.set, {});
      report(result.diagnostics, result.sources, opts.format);
      if (hasErrors(result.diagnostics)) {
        exitCode = 1;
        return;
      }
      for (const [name, text] of result.files) {
        writeAtomically(join(opts.outDir, name), text);
        if (opts.format === "text") io.out(`wrote ${join(opts.outDir, name)}\n`);
      }
    });

  program
    .command("run")
    .description("build a recipe, then train it")
    .argument("<file>", ".kd recipe file")
    .addOption(setOption())
    .addOption(new Option("--backend <backend>", "TensorFlow.js backend (default: the recipe's `run { backend }`, else wasm)").choices(["wasm", "cpu", "tensorflow"]))
    .option("--out <dir>", "run folder for the trainer, checkpoints and exports (default runs/<recipe>)")
    .option("--resume", "continue the run in the run folder from its newest checkpoint")
    .action(async (file: string, opts: { set?: string[]; backend?: "wasm" | "cpu" | "tensorflow"; out?: string; resume?: boolean }) => {
      const result = await compileFile(file, opts.set, {});
      report(result.diagnostics, result.sources, "text");
      if (hasErrors(result.diagnostics)) {
        exitCode = 1;
        return;
      }
      const outDir = resolve(opts.out ?? join("runs", basename(file).replace(/\.kd$/, "")));
      const base = basename(file).replace(/\.kd$/, "");
      const trainerPath = join(outDir, `${base}.trainer.ts`);
      for (const [name, text] of result.files) writeAtomically(join(outDir, name), text);
      try {
        await runTrainer(trainerPath, result.files.get(`${base}.trainer.ts`)!, {
          backend: opts.backend ?? result.ir?.run.backend ?? "wasm",
          outDir,
          interactive: Boolean(process.stdout.isTTY),
          resume: Boolean(opts.resume),
        });
      } catch (error) {
        // Ctrl-C: the runtime finished the step and wrote a checkpoint; its message says how to resume.
        if ((error as { name?: unknown })?.name === "KdcInterrupted") {
          io.err(`${error instanceof Error ? error.message : String(error)}\n`);
          const help = (error as { help?: unknown }).help;
          if (typeof help === "string") io.err(`  = help: ${help}\n`);
          exitCode = 130;
          return;
        }
        // Runtime errors (KdcRuntimeError) carry a help line; anything else is shown by its message.
        const help = typeof (error as { help?: unknown })?.help === "string" ? (error as { help: string }).help : undefined;
        io.err(`${paintError(io, "error")}: the run failed: ${error instanceof Error ? error.message : String(error)}\n`);
        if (help) io.err(`  = help: ${help}\n`);
        if (program.opts().debug && error instanceof Error && error.stack) io.err(`${error.stack}\n`);
        exitCode = 1;
      }
    });

  program
    .command("fmt")
    .description("rewrite recipes in the canonical format (comments kept)")
    .argument("<files...>", ".kd recipe files")
    .option("--check", "change nothing; exit 1 and list the files that are not formatted")
    .action((files: string[], opts: { check?: boolean }) => {
      const unformatted: string[] = [];
      for (const file of files) {
        const result = formatFile(file);
        if (result.diagnostics.length > 0) {
          report(result.diagnostics, result.sources, "text");
          exitCode = 1;
          continue;
        }
        if (result.formatted === result.original) continue;
        unformatted.push(file);
        if (!opts.check) writeAtomically(file, result.formatted);
      }
      if (opts.check && unformatted.length > 0) {
        io.err(`${unformatted.map((f) => `not formatted: ${f}`).join("\n")}\nrun \`kdc fmt ${unformatted.join(" ")}\` to fix\n`);
        exitCode = 1;
      } else if (!opts.check) for (const f of unformatted) io.out(`formatted ${f}\n`);
    });

  program
    .command("explain")
    .description("explain a recipe (`kdc explain recipe.kd`: what the compiler resolved and decided) or a diagnostic code (`kdc explain KD3005`)")
    .argument("<target>", "a .kd recipe file or a diagnostic code")
    .addOption(new Option("--format <format>", "output for a recipe").choices(["text", "json"]).default("text"))
    .addOption(setOption())
    .action(async (target: string, opts: { format: "text" | "json"; set?: string[] }) => {
      if (target.endsWith(".kd")) {
        exitCode = await explainRecipe(target, opts.set, opts.format);
        return;
      }
      const upper = target.toUpperCase();
      if (!isCode(upper)) {
        io.err(`kdc explain: unknown code \`${target}\` (codes look like KD3005; see docs/diagnostics.md; recipes end in .kd)\n`);
        exitCode = 2;
        return;
      }
      const e = catalogue[upper];
      io.out(`${upper}: ${e.title} (${e.severity})\n\n${e.explanation}\n`);
    });

  async function explainRecipe(file: string, sets: readonly string[] | undefined, format: "text" | "json"): Promise<number> {
    const result = await compileFile(file, sets, { irOnly: true });
    if (hasErrors(result.diagnostics) || !result.ir) {
      report(result.diagnostics, result.sources, format);
      return 1;
    }
    // Warnings go to stderr as `kdc check` prints them; the explanation alone goes to stdout.
    if (format === "text") report(result.diagnostics, result.sources, "text");
    const { explain } = await import("../explain/report.js");
    const explanation = explain(result.ir);
    if (format === "json") io.out(`${JSON.stringify(explanation, null, 2)}\n`);
    else io.out((await import("../explain/text.js")).explanationText(explanation));
    return 0;
  }

  async function compileFile(file: string, sets: readonly string[] | undefined, mode: { checkOnly?: boolean; irOnly?: boolean }): Promise<CompileResult> {
    const overrides = new Map<string, string>();
    const bad: Diagnostic[] = [];
    for (const s of sets ?? []) {
      const eq = s.indexOf("=");
      if (eq <= 0) bad.push(diagnostic("KD9003", undefined, { text: s }));
      else overrides.set(s.slice(0, eq).trim(), s.slice(eq + 1));
    }
    const result = await compile(resolve(file), nodeHost(), { overrides, ...mode });
    if (result.internalError && program.opts().debug && result.internalError instanceof Error)
      io.err(`${result.internalError.stack}\n`);
    return { ...result, diagnostics: [...bad, ...result.diagnostics] };
  }

  function report(diagnostics: readonly Diagnostic[], sources: CompileResult["sources"], format: "text" | "json"): void {
    if (format === "json") {
      io.out(`${JSON.stringify(diagnosticsToJson(diagnostics, sources), null, 2)}\n`);
      return;
    }
    const text = renderDiagnostics(diagnostics, sources, { color: io.color });
    if (text) io.err(text);
  }

  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; anything else is a usage mistake.
      return error.exitCode === 0 ? 0 : 2;
    }
    throw error;
  }
  return exitCode;
}

function paintError(io: Io, text: string): string {
  return io.color ? `\u001b[1;31m${text}\u001b[0m` : text;
}

/** Write to a temporary file, then rename: a crash never leaves half a file. */
export function writeAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
