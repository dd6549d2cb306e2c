// The typed intermediate representation: plain, versioned, JSON-serialisable data with `origin`
// strings (`recipe.kd:14:3`) instead of spans. It knows nothing of TensorFlow.js, so another
// emitter could target another runtime. The emitter reads only this, never the AST.

export const IR_VERSION = 1;

export type IrParamType = "int" | "float" | "bool" | "string";

export interface IrParam {
  readonly name: string;
  readonly type: IrParamType;
  /** The value the program was checked with (the default, or the `--set` override). */
  readonly value: number | string | boolean;
  readonly doc?: string;
  readonly origin: string;
}

export interface IrDuration {
  readonly value: number;
  readonly unit: "steps" | "epochs" | "percent";
}

/** A tokenizer or transform as the recipe wrote it (`bpe(vocab: 512)`), every argument spelt out. */
export interface IrSpec {
  readonly spec: string;
  readonly args: Readonly<Record<string, number | string | boolean>>;
}

/** A compile-time constant argument of a dataset or model constructor. */
export type IrConstant = number | string | boolean | readonly number[] | IrSpec | readonly IrSpec[];

export interface IrSplit {
  readonly name: string;
  readonly size: number;
  readonly features: number;
  readonly classes: number;
  readonly hasLabels: boolean;
  /** What batches hold, when not vectors; `features` is then the sequence length T. */
  readonly kind?: "tokens" | "preferences";
  /** Token data: the sequence length T and, when the recipe bounds it, the vocabulary size. */
  readonly context?: number;
  readonly vocab?: number;
  /** Random `augment` transforms redraw its inputs every epoch (teacher outputs are then never cached). */
  readonly augmented?: boolean;
}

export interface IrDataset {
  readonly name: string;
  readonly builtin: "mnist" | "spam_assassin" | "moby_dick" | "csv" | "text" | "jsonl" | "preferences" | "mixture";
  readonly args: Readonly<Record<string, IrConstant>>;
  /** `mixture`: its weighted sources, in order. */
  readonly sources?: readonly { readonly dataset: string; readonly split: string; readonly weight: number }[];
  readonly splits: readonly IrSplit[];
  readonly doc?: string;
  readonly origin: string;
}

export interface IrModel {
  readonly name: string;
  /** `load` models read their weights at run time from `args.path`, relative to the recipe file. */
  readonly builtin: "mlp" | "load" | "cnn" | "resnet" | "transformer";
  readonly args: Readonly<Record<string, IrConstant>>;
  /** Seed for weight initialisation: a stable hash of the name, so reordering declarations changes nothing. */
  readonly seed: number;
  readonly input: number;
  readonly classes: number;
  readonly hidden: readonly number[];
  readonly parameters: number;
  readonly doc?: string;
  readonly origin: string;
}

/** Value kinds an expression can have at run time. */
export type IrKind = "number" | "schedule" | "tensor" | "model" | "labels" | "bool" | "string" | "duration";

export type IrExpr =
  | { readonly op: "number"; readonly value: number }
  | { readonly op: "bool"; readonly value: boolean }
  | { readonly op: "string"; readonly value: string }
  | { readonly op: "duration"; readonly value: number; readonly unit: "steps" | "epochs" | "percent" }
  /** A recipe `param`, read from the trainer's params at run time. */
  | { readonly op: "param"; readonly name: string; readonly kind: IrKind }
  /** A stage `let` or a loss parameter. */
  | { readonly op: "local"; readonly name: string; readonly kind: IrKind }
  | { readonly op: "model"; readonly name: string }
  | { readonly op: "binary"; readonly operator: "+" | "-" | "*" | "/" | "^"; readonly left: IrExpr; readonly right: IrExpr; readonly kind: IrKind }
  | { readonly op: "neg"; readonly operand: IrExpr; readonly kind: IrKind }
  /** A schedule evaluated at the current step, inside an objective. */
  | { readonly op: "at"; readonly schedule: IrExpr }
  | { readonly op: "tap"; readonly model: IrExpr; readonly tap: "logits" | "hidden" | "block" | "pooled" | "embedding" | "attention"; readonly index?: number }
  | { readonly op: "labels" }
  /** DPO on a preference batch: the policy's and the reference's token logits (no reference: reference-free). */
  | {
      readonly op: "dpo";
      readonly policy: IrExpr;
      readonly reference: IrExpr | undefined;
      readonly beta: number;
      readonly variant: string;
      readonly labelSmoothing: number;
      readonly origin: string;
    }
  /** A stage's trainable linear adapter (`project(x, like: y)`) applied to `input`. */
  | { readonly op: "adapt"; readonly adapter: string; readonly input: IrExpr }
  /** `step` (optimizer steps done in the stage) or `epoch` (step / steps per epoch), a schedule. */
  | { readonly op: "progress"; readonly field: "step" | "epoch" }
  | { readonly op: "math"; readonly fn: "min" | "max"; readonly args: readonly IrExpr[]; readonly kind: IrKind }
  | { readonly op: "input" }
  | { readonly op: "schedule"; readonly fn: "constant" | "linear" | "cosine"; readonly args: Readonly<Record<string, IrExpr>> }
  /** A built-in loss by its recipe name (`kd`, `reverse_kl`), every argument by name, defaults included. */
  | { readonly op: "primitive"; readonly fn: string; readonly args: Readonly<Record<string, IrExpr>>; readonly origin: string }
  | { readonly op: "call"; readonly loss: string; readonly args: readonly IrExpr[]; readonly origin: string };

export interface IrLoss {
  readonly name: string;
  readonly params: readonly { readonly name: string; readonly kind: IrKind }[];
  readonly body: IrExpr;
  readonly doc?: string;
  readonly origin: string;
}

export type IrOptimizer =
  | { readonly kind: "adam"; readonly lr: IrExpr; readonly beta1: number; readonly beta2: number; readonly epsilon: number }
  | { readonly kind: "sgd"; readonly lr: IrExpr; readonly momentum: number };

export type IrMetric = { readonly kind: "accuracy" } | { readonly kind: "ece" } | { readonly kind: "agreement"; readonly teacher: string };

export interface IrStage {
  readonly name: string;
  readonly after: readonly string[];
  readonly train: string;
  readonly data: { readonly dataset: string; readonly split: string };
  readonly teachers: readonly string[];
  readonly epochs: number;
  readonly batch: number;
  readonly seed: number;
  readonly stepsPerEpoch: number;
  readonly optimizer: IrOptimizer;
  readonly lets: readonly { readonly name: string; readonly value: IrExpr; readonly kind: IrKind; readonly origin: string }[];
  readonly objective: IrExpr;
  readonly objectiveOrigin: string;
  readonly evaluate: readonly {
    readonly data: { readonly dataset: string; readonly split: string };
    /** Undefined: only at the end of the stage. */
    readonly everyEpochs: number | undefined;
    readonly metrics: readonly IrMetric[];
  }[];
  readonly checkpoint: { readonly everyEpochs: number; readonly keep: number } | undefined;
  /** `reference NAME = MODEL`: a frozen snapshot of MODEL, taken when the stage starts. */
  readonly reference?: { readonly name: string; readonly model: string };
  /** Linear adapters the objective's `project(…)` calls inserted, trained with the student. */
  readonly adapters: readonly { readonly name: string; readonly inFeatures: number; readonly outFeatures: number; readonly seed: number }[];
  /** Clip the gradient to this global L2 norm before each update. */
  readonly clip?: number;
  /** Accumulate gradients over this many batches per update, weighting by examples or tokens. */
  readonly accumulate?: { readonly steps: number; readonly by: "examples" | "tokens" };
  readonly exports: readonly { readonly model: string; readonly path: string }[];
  readonly doc?: string;
  readonly origin: string;
}

export interface IrProgram {
  readonly version: typeof IR_VERSION;
  /** The recipe's path as the user named it (relative), never absolute. */
  readonly recipe: string;
  readonly params: readonly IrParam[];
  readonly datasets: readonly IrDataset[];
  readonly models: readonly IrModel[];
  readonly losses: readonly IrLoss[];
  /** In run order. */
  readonly stages: readonly IrStage[];
  /** Execution settings from `run { … }`; the command line may override the backend. */
  readonly run: { readonly backend?: "wasm" | "cpu" | "tensorflow" };
}

/** Whether an expression denotes a schedule (a value per step) rather than a plain value. */
export function isScheduleExpr(e: IrExpr): boolean {
  switch (e.op) {
    case "schedule":
    case "progress":
      return true;
    case "local":
    case "param":
    case "binary":
    case "neg":
    case "math":
      return e.kind === "schedule";
    default:
      return false;
  }
}
