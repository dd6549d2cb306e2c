// Loads the entry file and, transitively, every file it imports; reports missing files and cycles.
import type { ImportDeclaration, Program } from "../../grammar/ast.js";
import { parse } from "../../grammar/parse.js";
import { isRecoveredName } from "../../grammar/to-ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { CompilerHost } from "../host.js";
import { SourceFile, type Span } from "../source.js";

export interface Module {
  /** The host path (absolute in the CLI). */
  readonly path: string;
  readonly source: SourceFile;
  readonly ast: Program;
  /** Each import declaration's target module, when it was found. */
  readonly imports: ReadonlyMap<ImportDeclaration, Module>;
}

export interface LoadedModules {
  readonly entry: Module | undefined;
  /** Every module, dependencies before dependents. */
  readonly all: readonly Module[];
  /** Source files by display path, for rendering diagnostics. */
  readonly sources: ReadonlyMap<string, SourceFile>;
  /** Where the parser reported errors: checks that count statements stay silent around them. */
  readonly parseErrors: readonly Span[];
}

export function loadModules(
  entryPath: string,
  host: CompilerHost,
  diagnostics: Diagnostic[],
): LoadedModules {
  const byPath = new Map<string, Module>();
  const sources = new Map<string, SourceFile>();
  const all: Module[] = [];
  const inProgress: string[] = [];
  const parseErrors: Span[] = [];

  const load = (path: string): Module | undefined => {
    const done = byPath.get(path);
    if (done) return done;
    const text = host.readFile(path);
    if (text === undefined) return undefined;
    const display = host.displayPath(path);
    const source = new SourceFile(display, text);
    sources.set(display, source);
    const parsed = parse(display, text);
    diagnostics.push(...parsed.diagnostics);
    for (const d of parsed.diagnostics) if (d.span && d.severity === "error") parseErrors.push(d.span);
    inProgress.push(path);
    const imports = new Map<ImportDeclaration, Module>();
    for (const decl of parsed.value.declarations) {
      if (decl.kind !== "ImportDeclaration") continue;
      if (isRecoveredName(decl.from)) continue; // the parser reported the missing path
      const target = host.resolveImport(decl.from.value, path);
      if (target === undefined || host.readFile(target) === undefined) {
        diagnostics.push(diagnostic("KD2003", decl.from.span, { path: decl.from.value }));
        continue;
      }
      const cycleStart = inProgress.indexOf(target);
      if (cycleStart >= 0) {
        const cycle = [...inProgress.slice(cycleStart), target].map((p) => host.displayPath(p)).join(" → ");
        diagnostics.push(diagnostic("KD2005", decl.from.span, { cycle }));
        continue;
      }
      const module = load(target);
      if (module) imports.set(decl, module);
    }
    inProgress.pop();
    const module: Module = { path, source, ast: parsed.value, imports };
    byPath.set(path, module);
    all.push(module);
    return module;
  };

  const entry = load(entryPath);
  if (!entry) diagnostics.push(diagnostic("KD9002", undefined, { path: host.displayPath(entryPath) }));
  return { entry, all, sources, parseErrors };
}
