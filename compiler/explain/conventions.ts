// The conventions of each built-in loss in three facts `kdc explain` states next to its resolved
// arguments: how it reduces, where its temperature applies, and which argument scales by T².
// The formula itself is the built-in's own `doc` (compiler/check/builtins.ts); the defaults are its
// signature's, spelled out in the IR. docs/losses.md is the long form of this table.

export interface LossConvention {
  /** How per-example (or per-token) values become the scalar loss; by the `reduction` argument's value where it has one. */
  readonly reduction: string | Readonly<Record<string, string>>;
  /** Where the temperature applies, or that there is none. */
  readonly temperature: string;
  /** The argument that switches T² scaling, when the loss has one. */
  readonly t2?: "t2";
}

/** By the `reduction` value (compiler/check/loss-reductions.ts); each names itself, as torch does. */
const KL_FAMILY = {
  batchmean: "sum over classes per example, mean over the batch (batchmean)",
  mean: "sum over classes per example, mean over all B·C elements (torch KLDivLoss's \"mean\"; batchmean / C)",
  sum: "sum over classes and over the batch",
};
const BOTH_LOGITS = "T divides both the student's and the teacher's logits";

export const LOSS_CONVENTIONS: Readonly<Record<string, LossConvention>> = {
  ce: {
    reduction: { mean: "mean over rows whose label is not -100", sum: "sum over rows whose label is not -100" },
    temperature: "none (raw logits)",
  },
  kd: { reduction: KL_FAMILY, temperature: BOTH_LOGITS, t2: "t2" },
  reverse_kl: { reduction: KL_FAMILY, temperature: BOTH_LOGITS, t2: "t2" },
  jsd: { reduction: KL_FAMILY, temperature: BOTH_LOGITS, t2: "t2" },
  gjsd: { reduction: KL_FAMILY, temperature: BOTH_LOGITS, t2: "t2" },
  tvd: {
    reduction: {
      batchmean: "0.5·Σ|p − q| per example, mean over the batch",
      mean: "0.5·Σ|p − q| per example, divided by B·C (batchmean / C)",
      sum: "0.5·Σ|p − q| per example, summed over the batch",
    },
    temperature: BOTH_LOGITS,
    t2: "t2",
  },
  mse: { reduction: { mean: "mean over all elements", "sum-per-example": "sum over each example's elements, mean over the batch" }, temperature: "none" },
  dkd: { reduction: "mean over rows whose label is not -100", temperature: BOTH_LOGITS, t2: "t2" },
  pld: { reduction: "mean over rows whose label is not -100", temperature: "tau softens the teacher's ranking weights only; raw student logits" },
  lm_ce: { reduction: "mean over next-token targets that are not -100", temperature: "none (raw logits)" },
  token_kd: { reduction: "sum over the vocabulary per token, mean over next-token targets that are not -100", temperature: BOTH_LOGITS, t2: "t2" },
  token_reverse_kl: { reduction: "sum over the vocabulary per token, mean over next-token targets that are not -100", temperature: BOTH_LOGITS, t2: "t2" },
  token_jsd: { reduction: "sum over the vocabulary per token, mean over next-token targets that are not -100", temperature: BOTH_LOGITS, t2: "t2" },
  token_tvd: { reduction: "0.5·Σ|p − q| per token, mean over next-token targets that are not -100", temperature: BOTH_LOGITS, t2: "t2" },
  cosine_embedding: { reduction: "1 − cosine similarity per example, mean over the batch", temperature: "none" },
  hint: { reduction: "mean over all elements of (adapter(student) − teacher)²", temperature: "none" },
  attention_transfer: { reduction: "per example the L2-normalised channel mean of A²; mean over B·H·W of the squared difference", temperature: "none" },
  rkd_distance: { reduction: "smooth-L1 (δ = 1) over all N² pairwise distances, each side normalised by its mean positive distance", temperature: "none" },
  rkd_angle: { reduction: "smooth-L1 (δ = 1) over all N³ triplet angle cosines", temperature: "none" },
  margin_mse: { reduction: "mean over the batch of ((s⁺ − s⁻) − (t⁺ − t⁻))²", temperature: "none" },
  taid: {
    reduction: "−Σ p_t·log q per row, mean over rows (per token on sequence logits)",
    temperature: "none: the target is softmax((1 − λ)·stopgrad(s) + λ·t) in logit space, λ adapted after every step",
  },
  token_taid: {
    reduction: "−Σ p_t·log q per token, mean over next-token targets that are not -100",
    temperature: "none: the target is softmax((1 − λ)·stopgrad(s) + λ·t) in logit space, λ adapted after every step",
  },
  simpo: { reduction: "mean over preference pairs, on length-averaged response log-probs", temperature: "none (beta scales the margin, gamma is in reward units)" },
  adpo: { reduction: "KL over each group of candidates, mean over groups", temperature: "tau divides the policy's log-ratio to the reference" },
  dpo: {
    reduction: "mean over preference pairs; sigmoid and hinge on summed response log-probs, ipo on length-averaged ones",
    temperature: "none (beta scales the log-ratio margin)",
  },
};
