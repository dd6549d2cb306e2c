// The contract between generated trainers and the runtime. A trainer exports a function that,
// given the resolved params, builds a ProgramSpec; the runtime selects the backend first and only
// then calls it, so every variable is created on the backend that will train it.
import type * as tf from "@tensorflow/tfjs";

/** Where a stage is, passed to schedules and metrics. `step` counts optimizer steps from 0 within the stage. */
export interface Progress {
  readonly step: number;
  readonly totalSteps: number;
  readonly epoch: number;
  readonly stepsPerEpoch: number;
}

/** A duration as written in a recipe (`200 steps`, `2 epochs`), resolved against a stage's Progress. */
export interface Duration {
  readonly value: number;
  /** `percent`: a share of the stage's steps (`10%`). */
  readonly unit: "steps" | "epochs" | "percent";
}

/** A scalar that varies with the step: learning rates, temperatures, loss weights. */
export interface Schedule {
  readonly describe: string;
  at(progress: Progress): number;
}

/** What a split's batches hold (see docs/data.md). */
export type SplitKind = "vectors" | "tokens" | "preferences";

/**
 * Token sequences of one batch, right-padded to the split's context T. Targets are NOT shifted:
 * a next-token loss compares logits at position t with `targets[:, t + 1]` (the loss shifts).
 */
export interface TokenBatch {
  /** [rows, T] int32 token ids; padding is the tokenizer's <pad> (id 0). */
  readonly input: tf.Tensor2D;
  /** [rows, T] int32: the token ids again, −100 at padding, <bos> and masked prompt tokens. */
  readonly targets: tf.Tensor2D;
  /** [rows, T] float32: 1 at real tokens (prompt included), 0 at padding. */
  readonly mask: tf.Tensor2D;
}

export interface Batch {
  /**
   * vectors: [B, features] float32 inputs. tokens: [B, T] int32 token ids. preferences: [2B, T]
   * int32, the B chosen sequences then the B rejected ones (one forward pass serves both).
   */
  readonly input: tf.Tensor2D;
  /** [B] int32 class ids; absent on unlabelled splits (the checker forbids reading it there). */
  readonly label: tf.Tensor1D | undefined;
  /** Examples in the batch (pairs, for preferences). */
  readonly size: number;
  /** [B] int32 route ids from the split's route column (csv `route:`): which teacher serves each example. */
  readonly route?: tf.Tensor1D;
  /** tokens and preferences: `input`'s targets ([B, T] or [2B, T] int32, −100 where masked; not shifted). */
  readonly targets?: tf.Tensor2D;
  /** tokens and preferences: `input`'s padding mask ([B, T] or [2B, T] float32, 1 = real token). */
  readonly mask?: tf.Tensor2D;
  /** preferences: the chosen responses ([B, T] each; prompt tokens are −100 in `targets`). */
  readonly chosen?: TokenBatch;
  /** preferences: the rejected responses, row b paired with `chosen` row b. */
  readonly rejected?: TokenBatch;
}

/**
 * A model's taps on one batch. `logits` and `hidden` always exist; the optional taps exist for the
 * architectures that have them (docs/models.md lists each model's taps, shapes and the meaning of
 * `block[i]`).
 */
export interface Outputs {
  /**
   * [B, classes] for classifiers. Sequence models give one row per position, [B·T, vocab] (row
   * b·T + t is position t of sequence b), so every class-level loss and metric applies per token;
   * `tokenLogits` is the same tensor as [B, T, vocab].
   */
  readonly logits: tf.Tensor2D;
  /** Post-activation hidden layers of the dense part in order, `[B, width]` each (empty when none). */
  readonly hidden: readonly tf.Tensor2D[];
  /** Sequence models: the logits as [B, T, vocab]. */
  readonly tokenLogits?: tf.Tensor3D;
  /** Per block or stage, in order: [B, H, W, C] for conv nets, [B, T, D] for transformers. */
  readonly block?: readonly tf.Tensor[];
  /**
   * Per block, the value just before its final activation: cnn the conv output (before ReLU and
   * pooling), resnet the residual sum of a stage's last block, mlp each hidden dense layer's output.
   */
  readonly preActivation?: readonly tf.Tensor[];
  /** The flat features the classifier head reads, [B, features]. */
  readonly pooled?: tf.Tensor2D;
  /** Sequence models: token + position embeddings, [B, T, D]. */
  readonly embedding?: tf.Tensor3D;
  /** Transformers: per layer, the attention probabilities [B, heads, T, T] (rows sum to 1). */
  readonly attention?: readonly tf.Tensor4D[];
  /** Mixture-of-experts models: the load-balancing auxiliary loss of this batch (a scalar on the tape). */
  readonly auxLoss?: tf.Scalar;
}

export interface Model {
  readonly name: string;
  readonly kind: string;
  /**
   * Every variable of the model; the optimizer updates the trainable ones. Non-trainable ones
   * (batch-norm running statistics, `trainable === false`) are updated by `forward` in training
   * mode and listed so that checkpoints carry them.
   */
  readonly variables: readonly tf.Variable[];
  /**
   * `input` is a batch's input: [B, features] float32 for vector models (conv nets read it as
   * [B, H, W, C] images, flattened row-major), [B, T] int32 token ids for sequence models.
   */
  forward(input: tf.Tensor2D, training: boolean): Outputs;
  /** Writes the model in the TensorFlow.js layers format (model.json + weights.bin) under dir. */
  exportTo(dir: string): Promise<void>;
  dispose(): void;
}

export interface Split {
  /** `digits.train`, for messages and reports. */
  readonly name: string;
  /** Examples (pairs, for preferences). */
  readonly size: number;
  /** Width of `batch.input`: features for vectors, the context T for tokens and preferences. */
  readonly features: number;
  /** Number of classes of `batch.label` (0 when the data has no classes, e.g. language modelling). */
  readonly classes: number;
  /** Whether batches carry `label` (class ids). Token targets are there whenever kind is tokens. */
  readonly hasLabels: boolean;
  /** What batches hold; absent means "vectors". */
  readonly kind?: SplitKind;
  /** tokens and preferences: the sequence length T of every row. */
  readonly context?: number;
  /** tokens and preferences: the tokenizer's vocabulary size (every id is in [0, vocab)). */
  readonly vocab?: number;
  /** Batches of one epoch in a seeded order; the caller disposes each batch's tensors. */
  batches(batchSize: number, seed: number, epoch: number): Iterable<Batch>;
  /** A fingerprint of the split's contents, for caches and run manifests. */
  readonly fingerprint: string;
}

export interface StepContext {
  readonly batch: Batch;
  readonly progress: Progress;
  /**
   * The taps of a model on this batch. The trained model runs in training mode inside the
   * gradient tape; teachers run frozen in inference mode, off the tape, once per step.
   */
  outputs(model: Model): Outputs;
  /** The value of a schedule at this step. */
  at(schedule: Schedule): number;
  /** The labels of the batch; throws if the split has none (the checker prevents this). */
  labels(): tf.Tensor1D;
  /** The batch's route ids ([B] int32); throws if the split has no route column (the checker prevents this). */
  route(): tf.Tensor1D;
  /**
   * One loss primitive's value, marked with its recipe label and origin and returned unchanged:
   * the compiler wraps every primitive call, `ctx.term("kd", "std/kd.kd:8:11", kd.losses.kd(…))`.
   * Free per step; when the total loss turns out non-finite, the run stops naming the first
   * non-finite term (its label and origin).
   */
  term(label: string, origin: string, value: tf.Scalar): tf.Scalar;
}

/** The scalar loss a stage minimises, compiled from the recipe's `minimize` expression. */
export type Objective = (ctx: StepContext) => tf.Scalar;

/**
 * An optimizer as data (runtime/optim's builders fill in PyTorch's defaults); `lr` is evaluated
 * before every step. `weightDecay` is L2 added to the gradient (coupled) for sgd, adam and rmsprop,
 * and decoupled (p ← p·(1 − lr·wd), default 0.01) for adamw. `excludeFromDecay` names the variables
 * decay skips, or decides from a variable's name and shape; absent, nothing is skipped except by
 * adamw, which skips biases and norms (optim.excludedFromDecayByDefault).
 */
export type OptimizerSpec = (
  | { readonly kind: "sgd"; readonly lr: Schedule; readonly momentum?: number; readonly nesterov?: boolean }
  | { readonly kind: "adam"; readonly lr: Schedule; readonly beta1?: number; readonly beta2?: number; readonly epsilon?: number }
  | { readonly kind: "adamw"; readonly lr: Schedule; readonly beta1?: number; readonly beta2?: number; readonly epsilon?: number }
  | {
      readonly kind: "rmsprop";
      readonly lr: Schedule;
      readonly alpha?: number;
      readonly epsilon?: number;
      readonly momentum?: number;
      readonly centered?: boolean;
    }
) & {
  readonly weightDecay?: number;
  readonly excludeFromDecay?: readonly string[] | ((name: string, shape: readonly number[]) => boolean);
};

export type MetricSpec =
  /** Top-k accuracy (`top` default 1: the argmax); labelled `accuracy`, or `accuracy@k` (metrics.topKHits). */
  | { readonly kind: "accuracy"; readonly top?: number }
  | { readonly kind: "agreement"; readonly teacher: Model }
  | { readonly kind: "ece" }
  /** Mean over rows of KL(softmax(t/T) ‖ softmax(s/T)), no T² (metrics.klToTeacher). */
  | { readonly kind: "kl"; readonly teacher: Model; readonly T: number }
  /** exp of the token-mean next-token cross-entropy on a token split (metrics.perplexity). */
  | { readonly kind: "perplexity" }
  /** Fraction of preference pairs whose implicit reward prefers the chosen response (metrics.preferenceAccuracy). */
  | { readonly kind: "preferenceAccuracy"; readonly reference: Model }
  /** Mean β·[(log π − log π_ref)(chosen) − (log π − log π_ref)(rejected)] (metrics.rewardMargin). */
  | { readonly kind: "rewardMargin"; readonly reference: Model; readonly beta: number }
  /**
   * The stage's objective on the evaluation split, every model in inference mode, schedules at the
   * stage's last update; the mean of its per-batch values weighted by the batch's examples.
   */
  | { readonly kind: "loss" };

export interface EvaluateSpec {
  readonly split: Split;
  /** Evaluate after every this many epochs, and always at the end of the stage. */
  readonly everyEpochs: number;
  /** Also evaluate after every this many optimizer steps (`every 200 steps`); default never. */
  readonly everySteps?: number;
  readonly metrics: readonly MetricSpec[];
}

export interface CheckpointSpec {
  /** After every this many epochs (`epoch-<n>/`); exactly one of this and `everySteps`. */
  readonly everyEpochs?: number;
  /** After every this many optimizer steps (`step-<n>/`, mid-epoch too). */
  readonly everySteps?: number;
  /** The newest this many epoch and step checkpoints are kept (interrupt checkpoints aside). */
  readonly keep: number;
  /**
   * Keep the weights where `metric` on `split` was best (`mode`), judged at every checkpoint
   * interval and at the end of the stage; they are written to `checkpoints/<stage>/best/` and
   * restored into the trained models when the stage ends (HF's load_best_model_at_end).
   */
  readonly best?: { readonly split: Split; readonly metric: MetricSpec; readonly mode: "min" | "max" };
}

/** A part of a model named by the tap its weights compute (`{ tap: "hidden", index: 0 }`); see train/freeze.ts. */
export interface ModelPart {
  readonly tap: "hidden" | "block" | "attention" | "embedding" | "logits";
  readonly index?: number;
}

/**
 * A trainable network that is not a Model: an adapter (`kd.adapters.linear`) or auxiliary module,
 * applied by the objective to taps. A Model fits this shape too.
 */
export interface Module {
  readonly name: string;
  readonly kind: string;
  /** Every variable the optimizer may update when a stage lists the module. */
  readonly variables: readonly tf.Variable[];
  /** Stable names for `variables` (checkpoints); `var_<i>` when absent. */
  readonly variableNames?: readonly string[];
  dispose(): void;
}

/** Gradient accumulation: one optimizer step per `steps` micro-batches of `StageSpec.batch`. */
export interface AccumulateSpec {
  readonly steps: number;
  /**
   * How micro-batch gradients are weighed: by examples (for example-mean losses) or by target
   * tokens ≠ −100 (for token-mean losses), so the step equals one large batch's.
   */
  readonly by: "examples" | "tokens";
}

export interface StageSpec {
  readonly name: string;
  /** `recipe.kd:12:1`, where the stage is declared. */
  readonly origin: string;
  readonly after: readonly string[];
  readonly train: Model;
  readonly data: Split;
  readonly teachers: readonly Model[];
  /**
   * Teachers trained together with `train` (online / mutual distillation): they run in training
   * mode on the gradient tape, the optimizer updates them, and their outputs are never cached.
   */
  readonly trainableTeachers?: readonly Model[];
  /**
   * Frozen teachers whose forward pass runs in training mode (dropout on; batch norms use, and
   * update, batch statistics, as PyTorch's `teacher.train()`), still off the gradient tape. Their
   * outputs differ between calls, so they are never cached. Default none (inference mode).
   */
  readonly teachersInTrainingMode?: readonly Model[];
  /** Epochs the stage touches; with `steps`, ceil(steps / steps per epoch) (the last one partial). */
  readonly epochs: number;
  /** Train exactly this many optimizer steps, crossing epoch boundaries; default epochs × steps per epoch. */
  readonly steps?: number;
  /** Parts of `train` the optimizer leaves alone; default none. */
  readonly freeze?: readonly ModelPart[];
  readonly batch: number;
  readonly seed: number;
  readonly optimizer: OptimizerSpec;
  readonly objective: Objective;
  readonly evaluate: readonly EvaluateSpec[];
  readonly checkpoint: CheckpointSpec | undefined;
  readonly exports: readonly { readonly model: Model; readonly path: string }[];
  /** Extra trainables (adapters, auxiliary modules) optimised together with `train`; default none. */
  readonly modules?: readonly Module[];
  /**
   * A frozen model for preference losses, usually `kd.snapshot(train, "ref")` (which copies the
   * weights when the stage starts); read through `ctx.outputs` like a teacher.
   */
  readonly reference?: Model;
  /**
   * State updated after every optimizer step from that step's loss (TAID's λ, `kd.losses.TaidController`),
   * by name; the objective reads it, checkpoints keep it and a resumed run restores it. Default none.
   */
  readonly controllers?: Readonly<Record<string, StepController>>;
  /** Clip the (accumulated) gradient to this global L2 norm before every update; default off. */
  readonly clip?: number;
  /** Gradient accumulation; default one micro-batch per step. `batch` is the micro-batch size. */
  readonly accumulate?: AccumulateSpec;
  /**
   * Teacher-output caching: compute frozen teachers' outputs once and reuse them in later epochs.
   * `"auto"` (default): when legal and within the budget; `true`: whenever legal (an error when
   * not); `false`: never.
   */
  readonly cacheTeachers?: boolean | "auto";
}

/** Per-stage state driven by the loss: `update` after each step (0-based index of `totalSteps`), JSON state for checkpoints. */
export interface StepController {
  update(loss: number, step: number, totalSteps: number): number;
  toJSON(): unknown;
  /** Restores what `toJSON` returned (resuming from a checkpoint). */
  load(state: unknown): void;
}

export interface ProgramSpec {
  /** The recipe's path relative to where kdc was run, as written in the trainer's header. */
  readonly recipe: string;
  readonly models: readonly Model[];
  /** Adapters and auxiliary modules (the run disposes them with the models); default none. */
  readonly modules?: readonly Module[];
  /** In dependency order (the compiler sorts them). */
  readonly stages: readonly StageSpec[];
}

export type BackendName = "wasm" | "cpu" | "tensorflow";

export interface RunOptions {
  /** Requested backend; default wasm. `tensorflow` means tfjs-node-gpu, else tfjs-node, when installed. */
  readonly backend?: BackendName;
  /** Where checkpoints, logs and relative export paths go. */
  readonly outDir: string;
  /** Show a progress bar (TTY) or plain lines (otherwise); default from process.stdout.isTTY. */
  readonly interactive?: boolean;
  /** Print nothing (tests). */
  readonly quiet?: boolean;
  /** Called after every optimizer step (tests, external loggers); keep it cheap and synchronous. */
  readonly onStep?: (event: StepEvent) => void;
  /**
   * Continue the run in `outDir` from its newest checkpoint: completed stages are skipped, the
   * interrupted one restarts from its last checkpoint. Nothing to resume: starts from the beginning.
   */
  readonly resume?: boolean;
  /**
   * Aborting it stops the run cleanly: the current step finishes, a checkpoint is written and the
   * run rejects with `KdcInterrupted` (exit code 130).
   */
  readonly signal?: AbortSignal;
  /** Treat SIGINT/SIGTERM like `signal` while training (a second one exits at once); default true. */
  readonly handleSignals?: boolean;
  /** Write a `metrics.jsonl` line every this many optimizer steps (and at each epoch end); default 50. */
  readonly logEvery?: number;
  /** Memory the teacher-output cache may use under `cacheTeachers: "auto"`; default 1 GiB. */
  readonly teacherCacheBytes?: number;
}

/** One optimizer step, as passed to RunOptions.onStep. */
export interface StepEvent {
  readonly stage: string;
  /** 0-based epoch of the step. */
  readonly epoch: number;
  /** Steps completed in the stage, counting this one (1 after the first step). */
  readonly step: number;
  readonly loss: number;
  readonly lr: number;
  /** The global gradient norm before clipping, when the stage clips. */
  readonly gradNorm?: number;
}

/** Whether a stage served teacher outputs from a cache, and why (reports and the run manifest). */
export interface TeacherCacheDecision {
  readonly enabled: boolean;
  /** `big: logits (400 rows, 15.6 KiB)`, or why not: `split 'x' is augmented`. */
  readonly reason: string;
  /** Bytes the cache holds (0 when off). */
  readonly bytes: number;
}

export interface StageReport {
  readonly stage: string;
  readonly model: string;
  readonly seconds: number;
  readonly steps: number;
  /** Mean loss over the last epoch's steps. */
  readonly finalLoss: number;
  /** The last evaluation on each evaluated split: split name → metric label → value. */
  readonly metrics: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Absent when the stage has no teachers. */
  readonly teacherCache?: TeacherCacheDecision;
  /** On a resumed run: `skipped` (complete before), or where training continued. */
  readonly resumed?: "skipped" | { readonly epoch: number; readonly step: number };
  /** With a best checkpoint: where the metric was best; those weights left the stage. */
  readonly best?: BestCheckpoint;
}

/** The best checkpoint of a stage: the metric's value and where it was reached. */
export interface BestCheckpoint {
  readonly split: string;
  readonly metric: string;
  readonly mode: "min" | "max";
  readonly value: number;
  /** Epochs completed when it was reached (fractional at the end of a `steps` stage that ends mid-epoch). */
  readonly epoch: number;
  readonly step: number;
}

export interface RunReport {
  /** The backend that actually ran, e.g. `wasm`, `cpu`, `tensorflow (tfjs-node-gpu)`. */
  readonly backend: string;
  readonly stages: readonly StageReport[];
}
