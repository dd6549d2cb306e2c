// Optimizers: specs (data the compiler emits, PyTorch's defaults filled in), the live
// StageOptimizer the training loop drives, and the pure pieces for gradient clipping and
// accumulation. Learning rates are Schedules evaluated in JS before every step.
// Definitions and PyTorch correspondences: docs/schedules-and-optimizers.md.
export {
  ADAM_DEFAULTS,
  ADAMW_DEFAULTS,
  RMSPROP_DEFAULTS,
  adam,
  adamw,
  describeOptimizer,
  excludedFromDecayByDefault,
  isExcludedFromDecay,
  rmsprop,
  sgd,
  weightDecayOf,
  type AdamOptions,
  type DecayExclusion,
  type DecayOptions,
  type RmspropOptions,
  type SgdOptions,
} from "./optim/specs.js";
export { DECAY_KINDS, decayExclusions, isOfDecayKind, type DecayKind } from "./optim/exclusions.js";
export { StageOptimizer, type OptimizerSlot } from "./optim/stage-optimizer.js";
export { clipByGlobalNorm, type ClippedGradients } from "./optim/clip.js";
export { GradientAccumulator } from "./optim/accumulate.js";
