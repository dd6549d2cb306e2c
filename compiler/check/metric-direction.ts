// Which way is better for each metric, for `checkpoint best by METRIC on SPLIT [min|max]`.
// A metric missing here needs an explicit `min` or `max` (KD3037).

const DIRECTIONS: Readonly<Record<string, "min" | "max">> = {
  accuracy: "max",
  agreement: "max",
  preference_accuracy: "max",
  reward_margin: "max",
  ece: "min",
  kl: "min",
  perplexity: "min",
  loss: "min",
};

export function metricDirection(name: string): "min" | "max" | undefined {
  return Object.hasOwn(DIRECTIONS, name) ? DIRECTIONS[name] : undefined;
}
