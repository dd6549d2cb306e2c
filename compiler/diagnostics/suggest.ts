// "Did you mean" suggestions: the closest candidate within an edit distance that scales with length.
import { distance } from "fastest-levenshtein";

export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  // One edit for very short names, otherwise a third of the length (at least two: `alpah` → `alpha`).
  const limit = name.length <= 2 ? 1 : Math.max(2, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === name) continue;
    const d = distance(name.toLowerCase(), candidate.toLowerCase());
    if (d <= limit && (d < bestDistance || (d === bestDistance && best !== undefined && candidate < best))) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}
