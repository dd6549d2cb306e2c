// Losses are pure functions of tensors. Conventions (shared/loss-conventions.md): class axis last,
// batchmean reductions, log-space arithmetic, label -100 ignored, gradients to the student only.
export { crossEntropy, IGNORE_INDEX, type CrossEntropyOptions } from "./cross-entropy.js";
export { kd, type KdOptions } from "./kd.js";
export { stopGradient } from "./stop-gradient.js";
