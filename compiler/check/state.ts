// Everything the checker learns, kept in side tables keyed by AST node (the AST is never mutated).
import type {
  DatasetDeclaration,
  Expression,
  Identifier,
  CallExpression,
  LossDeclaration,
  ModelDeclaration,
  ModuleDeclaration,
  ParamDeclaration,
  RecipeDeclaration,
} from "../../grammar/ast.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { CompilerHost } from "../host.js";
import type { Module } from "../resolve/modules.js";
import type { Span } from "../source.js";
import type { Symbol } from "./symbols.js";
import type { PipelineInfo } from "./pipeline.js";
import type { Type } from "./types.js";
import type { Value } from "./values.js";

export type ParamType = "int" | "float" | "bool" | "string";

export interface CheckState {
  readonly diagnostics: Diagnostic[];
  /** Each module's top-level names (its own declarations and its imports). */
  readonly scopes: Map<Module, Map<string, Symbol>>;
  readonly types: Map<Expression, Type>;
  readonly values: Map<Expression, Value>;
  readonly symbols: Map<Identifier, Symbol>;
  readonly params: Map<ParamDeclaration, { readonly type: ParamType; readonly value: Value | undefined }>;
  readonly datasets: Map<DatasetDeclaration, Type>;
  readonly models: Map<ModelDeclaration, Type>;
  /** Loss definitions whose generic check is done (each is checked once, wherever it is imported). */
  readonly checkedLosses: Set<LossDeclaration>;
  /** Recipe definitions whose generic check is done (see recipe-definition.ts). */
  readonly checkedRecipes: Set<RecipeDeclaration>;
  /** Spans of parse errors; see `recoveredWithin`. */
  readonly parseErrors: readonly Span[];
  /** For compile-time reads the recipe asks for (`load("dir")` reads its model.json). */
  readonly host: CompilerHost | undefined;
  /** Names copied out of another file by recipe expansion resolve in that file. */
  readonly moduleOf: Map<Identifier, Module>;
  /** What each comprehension expanded to (`sum over i in 0..2 { f(i) }` → `f(0) + f(1)`). */
  readonly expansions: Map<Expression, Expression>;
  /** Each `module`'s layers, shapes fixed by its first application (absent until applied). */
  readonly modules: Map<ModuleDeclaration, PipelineInfo>;
  /** Each structured adapter (`project(x, like: y, via: …)`) call's layers and shapes. */
  readonly adapters: Map<CallExpression, PipelineInfo>;
}

/** Did the parser recover from an error inside this span? Then statements may be missing from it. */
export function recoveredWithin(state: CheckState, span: Span): boolean {
  return state.parseErrors.some((e) => e.file === span.file && e.start >= span.start && e.start <= span.end);
}

export function newCheckState(parseErrors: readonly Span[] = [], host?: CompilerHost): CheckState {
  return {
    diagnostics: [],
    scopes: new Map(),
    types: new Map(),
    values: new Map(),
    symbols: new Map(),
    params: new Map(),
    datasets: new Map(),
    models: new Map(),
    checkedLosses: new Set(),
    checkedRecipes: new Set(),
    parseErrors,
    host,
    moduleOf: new Map(),
    expansions: new Map(),
    modules: new Map(),
    adapters: new Map(),
  };
}
