// Each file's top-level names: its own declarations plus what it imports. Duplicates and bad
// imports are reported here, once.
import type { Declaration, ImportDeclaration, RunDeclaration } from "../../grammar/ast.js";
import { diagnostic } from "../diagnostics/diagnostic.js";
import { suggest } from "../diagnostics/suggest.js";
import type { Module } from "../resolve/modules.js";
import type { CheckState } from "./state.js";
import type { Symbol } from "./symbols.js";

type Named = Exclude<Declaration, ImportDeclaration | RunDeclaration>;

function symbolOf(decl: Named, module: Module): Symbol {
  switch (decl.kind) {
    case "ParamDeclaration":
      return { kind: "param", decl, module };
    case "DatasetDeclaration":
      return { kind: "dataset", decl, module };
    case "ModelDeclaration":
      return { kind: "model", decl, module };
    case "ModuleDeclaration":
      return { kind: "module", decl, module };
    case "LossDeclaration":
      return { kind: "loss", decl, module };
    case "RecipeDeclaration":
      return { kind: "recipe", decl, module };
    case "StageDeclaration":
      return { kind: "stage", decl, module };
  }
}

const NOUN: Record<Named["kind"], string> = {
  ParamDeclaration: "param",
  DatasetDeclaration: "dataset",
  ModelDeclaration: "model",
  ModuleDeclaration: "module",
  LossDeclaration: "loss",
  RecipeDeclaration: "recipe",
  StageDeclaration: "stage",
};

function ownDeclarations(module: Module): Named[] {
  return module.ast.declarations.filter((d): d is Named => d.kind !== "ImportDeclaration" && d.kind !== "RunDeclaration");
}

export function buildScopes(modules: readonly Module[], state: CheckState): void {
  for (const module of modules) {
    const scope = new Map<string, Symbol>();
    const firstSpan = new Map<string, import("../source.js").Span>();
    const declare = (name: string, span: import("../source.js").Span, symbol: Symbol): void => {
      const first = firstSpan.get(name);
      if (first) {
        state.diagnostics.push(diagnostic("KD2002", span, { name }, { labels: [{ span: first, message: "first declared here" }] }));
        return;
      }
      firstSpan.set(name, span);
      scope.set(name, symbol);
    };
    for (const decl of module.ast.declarations) {
      if (decl.kind === "ImportDeclaration") {
        const target = module.imports.get(decl);
        if (!target) continue;
        const exported = new Map(ownDeclarations(target).map((d) => [d.name.name, d]));
        for (const id of decl.names) {
          const found = exported.get(id.name);
          if (!found) {
            const suggestion = suggest(id.name, exported.keys());
            state.diagnostics.push(diagnostic("KD2004", id.span, { name: id.name, path: decl.from.value, suggestion }));
            continue;
          }
          if (found.kind !== "LossDeclaration" && found.kind !== "RecipeDeclaration") {
            state.diagnostics.push(diagnostic("KD2008", id.span, { name: id.name, what: NOUN[found.kind] }));
            continue;
          }
          declare(id.name, id.span, symbolOf(found, target));
        }
        continue;
      }
      if (decl.kind === "RunDeclaration") continue;
      declare(decl.name.name, decl.name.span, symbolOf(decl, module));
    }
    state.scopes.set(module, scope);
  }
}
