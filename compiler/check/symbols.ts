// What a name can refer to. The checker records, for every identifier it resolves, the symbol
// it found, so lowering never has to look a name up again.
import type {
  DatasetDeclaration,
  LetStatement,
  LossDeclaration,
  ModelDeclaration,
  ModuleDeclaration,
  ParamDeclaration,
  RecipeDeclaration,
  ReferenceStatement,
  Parameter,
  StageDeclaration,
} from "../../grammar/ast.js";
import type { Module } from "../resolve/modules.js";
import type { Builtin } from "./builtins.js";

export type Symbol =
  | { readonly kind: "param"; readonly decl: ParamDeclaration; readonly module: Module }
  | { readonly kind: "dataset"; readonly decl: DatasetDeclaration; readonly module: Module }
  | { readonly kind: "model"; readonly decl: ModelDeclaration; readonly module: Module }
  | { readonly kind: "loss"; readonly decl: LossDeclaration; readonly module: Module }
  | { readonly kind: "recipe"; readonly decl: RecipeDeclaration; readonly module: Module }
  | { readonly kind: "module"; readonly decl: ModuleDeclaration; readonly module: Module }
  | { readonly kind: "stage"; readonly decl: StageDeclaration; readonly module: Module }
  | { readonly kind: "let"; readonly stmt: LetStatement; readonly stage: StageDeclaration | RecipeDeclaration }
  /** `reference ref = policy`: a frozen snapshot of `source` taken when the stage starts. */
  | { readonly kind: "reference"; readonly stmt: ReferenceStatement; readonly source: ModelDeclaration }
  /** A parameter of a `loss` or `recipe` definition. */
  | { readonly kind: "lossParam"; readonly param: Parameter; readonly loss: LossDeclaration | RecipeDeclaration }
  /** The variable of a comprehension (`sum over i in 0..3 { … }`), bound to one integer at a time. */
  | { readonly kind: "index"; readonly value: number }
  | { readonly kind: "builtin"; readonly builtin: Builtin }
  /** The current training batch, inside objectives and loss bodies. */
  | { readonly kind: "batch" };

/** The word used in messages: "unknown model `x`". */
export function symbolNoun(symbol: Symbol): string {
  switch (symbol.kind) {
    case "lossParam":
      return "parameter";
    case "builtin":
      return symbol.builtin.category === "loss" ? "loss" : symbol.builtin.category;
    default:
      return symbol.kind;
  }
}
