// The types the checker knows. Shapes are symbolic: a dimension is a number or a name (`B`).
// `error` is the type of anything already diagnosed; every check accepts it silently, which is
// what stops one mistake from cascading into many.

export type Dim = number | string;

export interface ModelInfo {
  readonly name: string;
  readonly builtin: string;
  readonly input: number | undefined;
  readonly classes: number | undefined;
  readonly hidden: readonly number[] | undefined;
  /** What the model reads: rows of features (mlp), images given as rows (cnn, resnet), token ids (transformer). */
  readonly reads?: "vectors" | "images" | "tokens";
  /** Conv nets: one image [H, W, C]; `input` is then H·W·C, the width of the rows it reads. */
  readonly image?: readonly [number, number, number];
  /** Shapes of `block[i]` after the batch dimension: [H', W', C] (conv nets) or ["T", D] (transformers). */
  readonly blocks?: readonly (readonly Dim[])[];
  /** Shapes of `pre_activation[i]` after the batch dimension, where they differ from `blocks` (cnn: before pooling). */
  readonly preActivations?: readonly (readonly Dim[])[];
  /** Width of `pooled`, the features the classifier head reads (conv nets). */
  readonly pooled?: number;
  /** Transformers: width D, attention heads, longest sequence; `classes` is then the vocabulary size. */
  readonly dim?: number;
  readonly heads?: number;
  readonly context?: number;
  /** Number of weights (every variable, batch-norm statistics included), for the trainer's comments. */
  readonly parameters?: number;
}

export interface SplitInfo {
  /** `digits.train` */
  readonly name: string;
  readonly dataset: string;
  readonly split: string;
  readonly size: number | undefined;
  readonly features: number | undefined;
  readonly classes: number | undefined;
  readonly hasLabels: boolean;
  /** What its batches hold; vectors unless said otherwise. */
  readonly kind?: "vectors" | "tokens" | "preferences";
  /** tokens and preferences: the sequence length T (then equal to `features`). */
  readonly context?: number;
  /** tokens and preferences: an upper bound on the token ids (the tokenizer's size), when known. */
  readonly vocab?: number;
  /** A route column (csv `route:`): its ids are below this (max + 1); `batch.route` exists. */
  readonly routes?: number;
  /** Random `augment` transforms change its inputs every epoch (so teacher outputs are never cached). */
  readonly augmented?: boolean;
  /** Text data: the dataset whose train split fitted the tokenizer (itself, or the one it shares) and whether it is BPE. */
  readonly tokenizer?: { readonly owner: string; readonly bpe: boolean };
  /** Generated data (`generate(m, …)`): the teacher model whose decoded continuations make the rows. */
  readonly generator?: string;
}

export type Type =
  | { readonly kind: "error" }
  | { readonly kind: "number"; readonly integer: boolean }
  | { readonly kind: "schedule" }
  | { readonly kind: "duration" }
  | { readonly kind: "string" }
  | { readonly kind: "bool" }
  /** `empty`: written `[]`, so a list of any element type. */
  | { readonly kind: "list"; readonly element: Type; readonly empty?: boolean }
  | { readonly kind: "model"; readonly info: ModelInfo | undefined }
  | { readonly kind: "dataset"; readonly splits: readonly SplitInfo[] }
  | { readonly kind: "split"; readonly info: SplitInfo }
  | { readonly kind: "batch"; readonly split: SplitInfo | undefined }
  /** A float tensor; `of` names where it came from (`small.logits`) for messages. */
  | { readonly kind: "tensor"; readonly shape: readonly Dim[] | undefined; readonly of?: string }
  /** Integer class ids `[B]` whose values are below `classes`. */
  | { readonly kind: "labels"; readonly classes: number | undefined; readonly of: string }
  /** `m.hidden`: indexable by a constant to get one layer's tensor; `shapes` (after B) when not [B, width] (`m.block`). */
  | { readonly kind: "taps"; readonly of: string; readonly widths: readonly number[] | undefined; readonly shapes?: readonly (readonly Dim[])[] }
  | { readonly kind: "optimizer" }
  | { readonly kind: "metric" }
  /** A trainable network (`module m = …`); shapes once its first application fixed them. */
  | { readonly kind: "module"; readonly name: string; readonly input?: readonly Dim[]; readonly output?: readonly Dim[] }
  | { readonly kind: "function"; readonly name: string }
  /** A data part written as a call: a tokenizer (`bpe(vocab: 512)`) or a transform (`flip()`); see builtins-data-specs.ts. */
  | { readonly kind: "spec"; readonly of: "tokenizer" | "transform" };

export const errorType: Type = { kind: "error" };
export const scalarType: Type = { kind: "number", integer: false };
export const integerType: Type = { kind: "number", integer: true };
export const lossType: Type = { kind: "tensor", shape: [] };

export function showShape(shape: readonly Dim[] | undefined): string {
  return shape ? `[${shape.join(", ")}]` : "[…]";
}

/** How a type reads in a message: "a model", "a tensor [B, 10]". */
export function describe(type: Type): string {
  switch (type.kind) {
    case "error":
      return "an invalid value";
    case "number":
      return type.integer ? "an integer" : "a number";
    case "schedule":
      return "a schedule";
    case "duration":
      return "a duration";
    case "string":
      return "a string";
    case "bool":
      return "a boolean";
    case "list":
      return `a list of ${describe(type.element).replace(/^an? /, "")}s`;
    case "model":
      return "a model";
    case "dataset":
      return "a dataset";
    case "split":
      return "a dataset split";
    case "batch":
      return "the batch";
    case "tensor":
      return type.shape?.length === 0 ? "a scalar loss" : `a tensor ${showShape(type.shape)}`;
    case "labels":
      return type.of === ROUTE_IDS ? "route ids (`batch.route`) [B]" : "labels [B]";
    case "taps":
      return `the layer list \`${type.of}\``;
    case "optimizer":
      return "an optimizer";
    case "metric":
      return "a metric";
    case "module":
      return type.input && type.output ? `the module \`${type.name}\` (module ${showShape(type.input)} -> ${showShape(type.output)})` : `the module \`${type.name}\``;
    case "function":
      return `the function \`${type.name}\``;
    case "spec":
      return type.of === "tokenizer" ? "a tokenizer" : "a transform";
  }
}

/** A scalar in arithmetic: numbers and schedules (a schedule is a number at each step). */
export function isScalarLike(type: Type): boolean {
  return type.kind === "number" || type.kind === "schedule";
}

/** Shapes agree when ranks match and every pair of known (numeric) dimensions is equal. */
export function shapesAgree(a: readonly Dim[] | undefined, b: readonly Dim[] | undefined): boolean {
  if (!a || !b) return true;
  if (a.length !== b.length) return false;
  return a.every((d, i) => typeof d !== "number" || typeof b[i] !== "number" || d === b[i]);
}

/** What `batch.route` is typed as: labels-like ids, told apart from class labels by this name. */
export const ROUTE_IDS = "route ids";
