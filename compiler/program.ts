// compile(entry) → IR, generated files and diagnostics. Pure apart from the host's reads: only the
// CLI writes files. It never throws: a bug in kdc becomes an internal-error diagnostic (KD9001).
import { check, type CheckOptions } from "./check/check.js";
import { diagnostic, hasErrors, MAX_DIAGNOSTICS, sortDiagnostics, type Diagnostic } from "./diagnostics/diagnostic.js";
import type { CompilerHost } from "./host.js";
import type { IrProgram } from "./lower/ir.js";
import { lower } from "./lower/lower.js";
import { loadModules } from "./resolve/modules.js";
import type { SourceFile } from "./source.js";

export type { CompilerHost } from "./host.js";
export type { Diagnostic } from "./diagnostics/diagnostic.js";
export type { IrProgram } from "./lower/ir.js";

export interface CompileOptions extends CheckOptions {
  /** Stop after checking (for `kdc check`). */
  readonly checkOnly?: boolean;
  /** Stop after lowering: the IR without generated files (for `kdc explain`). */
  readonly irOnly?: boolean;
}

export interface CompileResult {
  readonly diagnostics: readonly Diagnostic[];
  /** Every source read, by display path, for rendering diagnostics. */
  readonly sources: ReadonlyMap<string, SourceFile>;
  readonly ir: IrProgram | undefined;
  /** Generated files by name: `<recipe>.trainer.ts`, `<recipe>.ir.json`. */
  readonly files: ReadonlyMap<string, string>;
  /** The exception behind a KD9001, for `--debug`. */
  readonly internalError?: unknown;
}

export async function compile(entryPath: string, host: CompilerHost, options: CompileOptions = {}): Promise<CompileResult> {
  const diagnostics: Diagnostic[] = [];
  let sources: ReadonlyMap<string, SourceFile> = new Map();
  try {
    const modules = loadModules(entryPath, host, diagnostics);
    sources = modules.sources;
    const checked = check(modules, options, host);
    diagnostics.push(...checked.diagnostics);
    if (hasErrors(diagnostics) || !checked.value || options.checkOnly)
      return { diagnostics: finish(diagnostics), sources, ir: undefined, files: new Map() };
    const ir = lower(checked.value);
    if (options.irOnly) return { diagnostics: finish(diagnostics), sources, ir, files: new Map() };
    const base = baseName(ir.recipe);
    const files = new Map<string, string>([
      // Loaded on demand: ts-morph and prettier are heavy, and `kdc check` never needs them.
      [`${base}.trainer.ts`, await (await import("./emit/trainer.js")).emitTrainer(ir)],
      [`${base}.ir.json`, `${JSON.stringify(ir, null, 2)}\n`],
    ]);
    return { diagnostics: finish(diagnostics), sources, ir, files };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    diagnostics.push(diagnostic("KD9001", undefined, { detail }));
    return { diagnostics: finish(diagnostics), sources, ir: undefined, files: new Map(), internalError: error };
  }
}

function baseName(path: string): string {
  const file = path.split(/[\\/]/).pop() ?? path;
  return file.replace(/\.kd$/, "");
}

/** Sorted, and capped at MAX_DIAGNOSTICS with a note saying how many were left out. */
function finish(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const sorted = sortDiagnostics(diagnostics);
  if (sorted.length <= MAX_DIAGNOSTICS) return sorted;
  return [...sorted.slice(0, MAX_DIAGNOSTICS), diagnostic("KD9004", undefined, { shown: MAX_DIAGNOSTICS, total: sorted.length })];
}
