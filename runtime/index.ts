// The public surface of the kdc runtime: what generated trainers import as
// `import * as kd from "kdc/runtime"`. Everything here is stable API; the other files are internal.
import * as tf from "@tensorflow/tfjs";

export type * from "./program.js";
export { tf };
/** `kd.Scalar` for the return type of compiled objectives (same as `kd.tf.Scalar`). */
export type Scalar = tf.Scalar;

// Each namespace is one folder's or file's barrel: add a loss to losses/index.ts, a model to
// models/index.ts, and it appears here.
export * as losses from "./losses/index.js";
export * as models from "./models/index.js";
export * as data from "./data/index.js";
export * as schedules from "./schedules.js";
export * as optim from "./optim.js";
export * as metrics from "./metrics.js";
export * as ops from "./ops.js";
export * as adapters from "./adapters/index.js";

export { run, KdcInterrupted, isKdcInterrupted } from "./train.js";
export { snapshot, Snapshot } from "./snapshot.js";
export { selectBackend, BACKENDS } from "./backend.js";
export { KdcRuntimeError, isKdcRuntimeError } from "./errors.js";
export { loadCheckpoint, saveCheckpoint, listCheckpoints, checkpointDir, readCheckpoint, type LoadedCheckpoint, type CheckpointPosition } from "./checkpoint.js";
export { formatReport } from "./report.js";
