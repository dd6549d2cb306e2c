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
  readonly unit: "steps" | "epochs";
}

/** A scalar that varies with the step: learning rates, temperatures, loss weights. */
export interface Schedule {
  readonly describe: string;
  at(progress: Progress): number;
}

export interface Batch {
  /** [B, features] float32 inputs. */
  readonly input: tf.Tensor2D;
  /** [B] int32 class ids; absent on unlabelled splits (the checker forbids reading it there). */
  readonly label: tf.Tensor1D | undefined;
  readonly size: number;
}

/** A model's taps on one batch. */
export interface Outputs {
  readonly logits: tf.Tensor2D;
  /** Post-activation hidden layers in order, `[B, width]` each. */
  readonly hidden: readonly tf.Tensor2D[];
}

export interface Model {
  readonly name: string;
  readonly kind: string;
  /** Every variable the optimizer may update. */
  readonly variables: readonly tf.Variable[];
  forward(input: tf.Tensor2D, training: boolean): Outputs;
  /** Writes the model in the TensorFlow.js layers format (model.json + weights.bin) under dir. */
  exportTo(dir: string): Promise<void>;
  dispose(): void;
}

export interface Split {
  /** `digits.train`, for messages and reports. */
  readonly name: string;
  readonly size: number;
  readonly features: number;
  readonly classes: number;
  readonly hasLabels: boolean;
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
}

/** The scalar loss a stage minimises, compiled from the recipe's `minimize` expression. */
export type Objective = (ctx: StepContext) => tf.Scalar;

export type OptimizerSpec =
  | { readonly kind: "sgd"; readonly lr: Schedule; readonly momentum?: number }
  | { readonly kind: "adam"; readonly lr: Schedule; readonly beta1?: number; readonly beta2?: number; readonly epsilon?: number };

export type MetricSpec =
  | { readonly kind: "accuracy" }
  | { readonly kind: "agreement"; readonly teacher: Model }
  | { readonly kind: "ece" };

export interface EvaluateSpec {
  readonly split: Split;
  /** Evaluate after every this many epochs, and always at the end of the stage. */
  readonly everyEpochs: number;
  readonly metrics: readonly MetricSpec[];
}

export interface CheckpointSpec {
  readonly everyEpochs: number;
  readonly keep: number;
}

export interface StageSpec {
  readonly name: string;
  /** `recipe.kd:12:1`, where the stage is declared. */
  readonly origin: string;
  readonly after: readonly string[];
  readonly train: Model;
  readonly data: Split;
  readonly teachers: readonly Model[];
  readonly epochs: number;
  readonly batch: number;
  readonly seed: number;
  readonly optimizer: OptimizerSpec;
  readonly objective: Objective;
  readonly evaluate: readonly EvaluateSpec[];
  readonly checkpoint: CheckpointSpec | undefined;
  readonly exports: readonly { readonly model: Model; readonly path: string }[];
}

export interface ProgramSpec {
  /** The recipe's path relative to where kdc was run, as written in the trainer's header. */
  readonly recipe: string;
  readonly models: readonly Model[];
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
}

export interface RunReport {
  /** The backend that actually ran, e.g. `wasm`, `cpu`, `tensorflow (tfjs-node-gpu)`. */
  readonly backend: string;
  readonly stages: readonly StageReport[];
}
