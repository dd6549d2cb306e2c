// The label a metric is reported under (final table, metrics.jsonl, `kdc explain`), from its recipe
// name and arguments: arguments at their defaults are left out. Pure, so the compiler shares it.

/** A metric as a recipe names it (`reward_margin`, not the runtime's `rewardMargin`). */
export interface MetricNaming {
  readonly kind: string;
  readonly top?: number;
  readonly teacher?: string;
  readonly T?: number;
  readonly beta?: number;
}

/** `accuracy`, `accuracy@5`, `agreement(big)`, `kl(big)`, `kl(big, T=2)`, `reward_margin(beta=0.5)`, …. */
export function metricLabelOf(m: MetricNaming): string {
  switch (m.kind) {
    case "accuracy":
      return m.top === undefined || m.top === 1 ? "accuracy" : `accuracy@${m.top}`;
    case "agreement":
      return `agreement(${m.teacher})`;
    case "kl":
      return m.T === undefined || m.T === 1 ? `kl(${m.teacher})` : `kl(${m.teacher}, T=${m.T})`;
    case "reward_margin":
      return m.beta === undefined || m.beta === 0.1 ? "reward_margin" : `reward_margin(beta=${m.beta})`;
    default:
      return m.kind;
  }
}
