// The typed intermediate representation: plain, versioned, JSON-serialisable data with `origin`
// strings (`recipe.kd:14:3`) instead of spans. It knows nothing of TensorFlow.js, so another
// emitter could target another runtime. The emitter reads only this, never the AST.

// Version 2: models carry the shapes of their taps (`IrModel.taps`).
export const IR_VERSION = 2;

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

/** A symbolic shape: numbers, and names for sizes known per stage (`B` the batch, `T` the sequence). */
export type IrShape = readonly (number | string)[];
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
  /** A route column: batches carry `route` ids below this. */
  readonly routes?: number;
  /** Random `augment` transforms redraw its inputs every epoch (teacher outputs are then never cached). */
  readonly augmented?: boolean;
}

export interface IrDataset {
  readonly name: string;
  readonly builtin: "mnist" | "spam_assassin" | "moby_dick" | "csv" | "text" | "jsonl" | "preferences" | "mixture" | "generate";
  readonly args: Readonly<Record<string, IrConstant>>;
  /** `mixture`: its weighted sources, in order. */
  readonly sources?: readonly { readonly dataset: string; readonly split: string; readonly weight: number }[];
  /** `generate`: the model that decodes the rows (trained by an earlier stage) and the prompt split. */
  readonly generator?: string;
  readonly prompts?: { readonly dataset: string; readonly split: string };
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
  /** Each tap's shape by path: `logits` → [B, 10], `hidden[0]` → [B, 32]. */
  readonly taps: Readonly<Record<string, IrShape>>;
  readonly doc?: string;
  readonly origin: string;
}

export type ScheduleName = "constant" | "linear" | "cosine" | "step_decay" | "exp" | "warmup" | "piecewise";
/** One layer of a module or structured adapter, every size inferred (runtime: kd.adapters.sequential). */
export type IrLayer =
  | { readonly kind: "linear"; readonly in: number; readonly out: number }
  | { readonly kind: "conv"; readonly kernel: number; readonly in: number; readonly out: number; readonly stride: number }
  | { readonly kind: "batchnorm"; readonly channels: number }
  | { readonly kind: "relu" | "gelu" | "tanh" | "flatten" }
  | { readonly kind: "avg_pool"; readonly size: number };

/** `module m = …`: a trainable pipeline reading [B, ...input], trained by the stages that list it. */
export interface IrModule {
  readonly name: string;
  readonly input: readonly number[];
  readonly output: readonly number[];
  readonly layers: readonly IrLayer[];
  readonly seed: number;
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
  | { readonly op: "tap"; readonly model: IrExpr; readonly tap: "logits" | "hidden" | "block" | "pre_activation" | "pooled" | "embedding" | "attention"; readonly index?: number }
  | { readonly op: "labels" }
  /**
   * A preference loss (`dpo`, `simpo`, `adpo`) on a preference batch, from the policy's and the
   * reference's token logits (no reference: reference-free); `options` as the recipe names them, defaults included.
   */
  | {
      readonly op: "preference";
      readonly fn: "dpo" | "simpo" | "adpo";
      readonly policy: IrExpr;
      readonly reference: IrExpr | undefined;
      readonly options: Readonly<Record<string, number | string>>;
      readonly origin: string;
    }
  /** `ensemble(…, T: […])`: log Σ_i w_i·softmax(x_i / T_i), `[B, C]` log-probabilities. */
  | { readonly op: "mixture"; readonly parts: readonly IrExpr[]; readonly weights: readonly number[]; readonly T: readonly number[] }
  /** `ensemble(…, route: batch.route)`: example b from teacher route_b (log_softmax(x / T) with temperatures). */
  | { readonly op: "routed"; readonly parts: readonly IrExpr[]; readonly route: IrExpr; readonly T: readonly number[] | undefined }
  /** The batch's route ids `[B]`. */
  | { readonly op: "route" }
  /**
   * TAID between `[B, C]` logits, at the current λ of the stage's controller `controller` (its own),
   * or at `lambda` (`taid(…, lambda: x)`, a number at this step); exactly one of the two.
   */
  | {
      readonly op: "taid";
      readonly controller?: string;
      readonly lambda?: IrExpr;
      readonly student: IrExpr;
      readonly teacher: IrExpr;
      /** `token_taid`: student and teacher are language models, compared at every next-token position. */
      readonly tokens?: true;
      readonly origin: string;
    }
  /** An adaptive schedule (a `taid_lambda` let): the current value of the stage's controller `controller`. */
  | { readonly op: "adaptive"; readonly controller: string }
  /** A stage's trainable linear adapter (`project(x, like: y)`) applied to `input`. */
  | { readonly op: "adapt"; readonly adapter: string; readonly input: IrExpr }
  /**
   * A module or structured adapter applied to `input`, giving a tensor of `rank`; `training` when
   * the stage trains it (batch norm uses and updates batch statistics), else frozen.
   */
  | { readonly op: "apply"; readonly module: string; readonly input: IrExpr; readonly training: boolean; readonly rank: number }
  /** `step` (optimizer steps done in the stage) or `epoch` (step / steps per epoch), a schedule. */
  | { readonly op: "progress"; readonly field: "step" | "epoch" }
  | { readonly op: "math"; readonly fn: "min" | "max"; readonly args: readonly IrExpr[]; readonly kind: IrKind }
  | { readonly op: "input" }
  /** A list of compile-time values (axes of a reduction, a piecewise schedule's points). */
  | { readonly op: "list"; readonly items: readonly IrExpr[] }
  /**
   * A tensor operation inside an objective (`normalize`, `mean`, `pearson`, …): its tensor inputs in
   * order, then its other arguments by name, defaults included. `fn` is the recipe's name.
   */
  | { readonly op: "tensor_op"; readonly fn: string; readonly inputs: readonly IrExpr[]; readonly options: Readonly<Record<string, IrExpr>>; readonly kind: "tensor" }
  /** A built-in schedule, its arguments by name (exp: only the form given, `to` or `gamma` and `every`). */
  | { readonly op: "schedule"; readonly fn: ScheduleName; readonly args: Readonly<Record<string, IrExpr>> }
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

/**
 * Every hyper-parameter spelt out. `weightDecay` is coupled L2 except for adamw (decoupled);
 * `excludeFromDecay` lists kinds of parameters decay skips (`bias`, `norm`, `embedding`).
 */
export type IrOptimizer = (
  | { readonly kind: "adam" | "adamw"; readonly lr: IrExpr; readonly beta1: number; readonly beta2: number; readonly epsilon: number }
  | { readonly kind: "sgd"; readonly lr: IrExpr; readonly momentum: number; readonly nesterov: boolean }
  | { readonly kind: "rmsprop"; readonly lr: IrExpr; readonly alpha: number; readonly epsilon: number; readonly momentum: number; readonly centered: boolean }
) & { readonly weightDecay: number; readonly excludeFromDecay: readonly string[] };

/** An `evaluate` metric, arguments spelt out; `reference` names the stage's reference snapshot. */
export type IrMetric =
  | { readonly kind: "accuracy"; readonly top: number }
  | { readonly kind: "ece" }
  | { readonly kind: "agreement"; readonly teacher: string }
  | { readonly kind: "kl"; readonly teacher: string; readonly T: number }
  | { readonly kind: "perplexity" }
  | { readonly kind: "preference_accuracy"; readonly reference: string }
  | { readonly kind: "reward_margin"; readonly reference: string; readonly beta: number }
  /** The stage's objective on the evaluation split. */
  | { readonly kind: "loss" };

export interface IrStage {
  readonly name: string;
  readonly after: readonly string[];
  readonly train: string;
  readonly data: { readonly dataset: string; readonly split: string };
  readonly teachers: readonly string[];
  /** Teachers trained together with `train` (`teacher m trainable`), a subset of `teachers`. */
  readonly trainableTeachers?: readonly string[];
  /** Frozen teachers run in training mode (`teacher m mode train`): dropout on, off the tape, never cached. */
  readonly trainModeTeachers?: readonly string[];
  /** Epochs the stage touches (with `steps`: ceil(steps / stepsPerEpoch), the last one partial). */
  readonly epochs: number;
  /** `steps N`: the stage ends after exactly N optimizer steps. */
  readonly steps?: number;
  /** `freeze m.part`: parts of the trained model the optimizer leaves alone (the weights computing that tap). */
  readonly freeze?: readonly { readonly tap: "hidden" | "block" | "attention" | "embedding" | "logits"; readonly index?: number }[];
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
    /** `every N steps`: after every N optimizer steps (and at the end). */
    readonly everySteps?: number;
    readonly metrics: readonly IrMetric[];
  }[];
  readonly checkpoint:
    | {
        /** After every this many epochs; absent with `everySteps`. */
        readonly everyEpochs?: number;
        /** `checkpoint every N steps`: after every N optimizer steps (`step-<n>/`) instead of at epoch ends. */
        readonly everySteps?: number;
        readonly keep: number;
        /** `best by METRIC on SPLIT`: evaluated at every checkpoint and at the end; the best weights are restored when the stage ends. */
        readonly best?: { readonly data: { readonly dataset: string; readonly split: string }; readonly metric: IrMetric; readonly mode: "min" | "max" };
      }
    | undefined;
  /** `reference NAME = MODEL`: a frozen snapshot of MODEL, taken when the stage starts. */
  readonly reference?: { readonly name: string; readonly model: string };
  /** Linear adapters the objective's `project(…)` calls inserted, trained with the student. */
  readonly adapters: readonly {
    readonly name: string;
    readonly inFeatures: number;
    readonly outFeatures: number;
    readonly seed: number;
    /** Structured adapters (`via: …`): the layers, reading [B, ...input]. */
    readonly input?: readonly number[];
    readonly layers?: readonly IrLayer[];
    /** `hint`: the regressor FitNets' hint loss inserts. */
    readonly from?: "hint";
  }[];
  /** Top-level `module`s trained in this stage with `train` (the others it applies are frozen). */
  readonly modules?: readonly string[];
  /**
   * State updated from each step's loss (TAID's λ), read by the objective (and by `adaptive`
   * schedules) and kept in checkpoints; absent when none. Named `<stage>.taid<n>` for a `taid`
   * call's own, `<stage>.<let>` for a `taid_lambda` let.
   */
  readonly controllers?: readonly { readonly name: string; readonly kind: "taid"; readonly options: Readonly<Record<string, IrExpr>> }[];
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
  /** Auxiliary `module`s that some objective applies (absent when none). */
  readonly modules?: readonly IrModule[];
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
    case "adaptive":
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
