// The public surface of the kdc runtime: what generated trainers import as
// `import * as kd from "kdc/runtime"`. Everything here is stable API; the other files are internal.
import * as tf from "@tensorflow/tfjs";
import { crossEntropy, kd } from "./losses/index.js";
import { mlp } from "./models/mlp.js";
import { mnist } from "./data/mnist.js";
import { constant, cosine, linear } from "./schedules.js";
import { adam, sgd } from "./optim.js";
import { accuracy, agreement, ece } from "./metrics.js";
import * as opsModule from "./ops.js";

export type * from "./program.js";
export { tf };
/** `kd.Scalar` for the return type of compiled objectives (same as `kd.tf.Scalar`). */
export type Scalar = tf.Scalar;

export const losses = { crossEntropy, kd } as const;
export const models = { mlp } as const;
export const data = { mnist } as const;
export const schedules = { constant, linear, cosine } as const;
export const optim = { adam, sgd } as const;
export const metrics = { accuracy, agreement, ece } as const;
export const ops = opsModule;

export { run } from "./train.js";
export { selectBackend, BACKENDS } from "./backend.js";
export { KdcRuntimeError, isKdcRuntimeError } from "./errors.js";
export { loadCheckpoint, saveCheckpoint, listCheckpoints, checkpointDir, type LoadedCheckpoint, type CheckpointPosition } from "./checkpoint.js";
export { formatReport } from "./report.js";
export type { CrossEntropyOptions, KdOptions } from "./losses/index.js";
export type { MlpConfig, Activation, Mlp } from "./models/mlp.js";
export type { MnistOptions, MnistSplits } from "./data/mnist.js";
export type { LinearOptions, CosineOptions } from "./schedules.js";
export type { AdamOptions, SgdOptions } from "./optim.js";
export type { Operand } from "./ops.js";
