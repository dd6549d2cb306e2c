// Losses are pure functions of tensors. Conventions (shared/loss-conventions.md): class axis last,
// batchmean reductions, log-space arithmetic, label -100 ignored, gradients to the student only.
export { crossEntropy, IGNORE_INDEX, type CrossEntropyOptions } from "./cross-entropy.js";
export { kd, type KdOptions } from "./kd.js";
export { reverseKl, type ReverseKlOptions } from "./reverse-kl.js";
export { generalizedJsd, jsd, type GeneralizedJsdOptions, type JsdOptions } from "./jsd.js";
export { tvd, type TvdOptions } from "./tvd.js";
export { mse, type MseOptions } from "./mse.js";
export { hint, type HintAdapter } from "./hint.js";
export { attentionTransfer } from "./attention-transfer.js";
export { rkdDistance, rkdAngle } from "./rkd.js";
export { dkd, type DkdOptions } from "./dkd.js";
export { pld, type PldOptions } from "./pld.js";
export { marginMse } from "./margin-mse.js";
export { cosineEmbedding } from "./cosine-embedding.js";
export { ensembleLogProbs, routeTeachers, type EnsembleOptions } from "./ensemble.js";
export { dpo, type DpoOptions, type PreferenceLogProbs } from "./dpo.js";
export { simpo, type SimpoOptions, type SimpoLogProbs } from "./simpo.js";
export { adpo, type AdpoOptions } from "./adpo.js";
export { taid, TaidController, type TaidControllerOptions, type TaidControllerState } from "./taid.js";
export {
  causalShift,
  sequenceLogProbs,
  tokenCrossEntropy,
  tokenGeneralizedJsd,
  tokenJsd,
  tokenKd,
  tokenReverseKl,
  tokenTaid,
  tokenTvd,
  type SequenceLogProbsOptions,
  type TokenGeneralizedJsdOptions,
  type TokenJsdOptions,
  type TokenKdOptions,
  type TokenMaskOptions,
  type TokenReverseKlOptions,
  type TokenTvdOptions,
} from "./token.js";
export { stopGradient } from "./stop-gradient.js";
export { pairLogProbs, dpoFromLogits, simpoFromLogits, adpoFromLogits } from "./preference-logits.js";
export { nextTokenCrossEntropy, nextTokenJsd, nextTokenKd, nextTokenReverseKl, nextTokenTaid, nextTokenTvd } from "./next-token.js";
