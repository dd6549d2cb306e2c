// Autoregressive decoding for causal language models (transformers): greedy (temperature 0) or
// seeded temperature / top-k sampling. No key-value cache: each new token re-runs `forward` on the
// rows still generating, which is cheap at kdc's tiny contexts and exact by construction (causal
// attention makes the logits at position t independent of what follows it, padding included).
import * as tf from "@tensorflow/tfjs";
import { KdcRuntimeError } from "../errors.js";
import type { Model } from "../program.js";
import { Rng, mixSeeds } from "../rng.js";
import { EOS, PAD } from "../tokenizers/tokenizer.js";

export interface DecodeOptions {
  /** New tokens per prompt at most (fewer when <eos> comes first or the context is full). */
  readonly maxNewTokens: number;
  /** 0: greedy (argmax, the lowest id on ties); > 0: sample from softmax(logits / temperature). Default 0. */
  readonly temperature?: number;
  /** Sampling: only the k most likely tokens (ties to the lower id); 0 = all. Default 0. */
  readonly topK?: number;
  /** Sampling seed; prompt i draws from its own stream mixSeeds(seed, i), so batching changes nothing. Default 0. */
  readonly seed?: number;
  /** The token that ends a continuation (kept in it); default the tokenizers' <eos>. */
  readonly eos?: number;
  /** Padding id of the model's inputs; default the tokenizers' <pad>. */
  readonly pad?: number;
  /** Prompts decoded together, which bounds memory; default 32. */
  readonly batch?: number;
  /** Longest sequence the model reads; default the model's own `config.context`. */
  readonly context?: number;
}

/** The longest sequence a model reads, from its config (transformers), if it says. */
export function modelContext(model: Model): number | undefined {
  const context = (model as { config?: { context?: unknown } }).config?.context;
  return typeof context === "number" ? context : undefined;
}

/**
 * The continuation of each prompt (not the prompt), ending with <eos> when one was generated.
 * A prompt is non-empty token ids; decoding stops at `maxNewTokens` or when the sequence fills the
 * model's context (truncation). The model runs in inference mode; every tensor is disposed.
 */
export function decode(model: Model, prompts: readonly (readonly number[])[], options: DecodeOptions): number[][] {
  const where = `decoding with model '${model.name}'`;
  const temperature = options.temperature ?? 0;
  const topK = options.topK ?? 0;
  const batch = options.batch ?? 32;
  const context = options.context ?? modelContext(model);
  if (!Number.isInteger(options.maxNewTokens) || options.maxNewTokens < 0) throw new KdcRuntimeError(`${where}: maxNewTokens must be a non-negative integer, got ${options.maxNewTokens}`);
  if (!(temperature >= 0) || !Number.isFinite(temperature)) throw new KdcRuntimeError(`${where}: temperature must be ≥ 0, got ${temperature}`);
  if (!Number.isInteger(topK) || topK < 0) throw new KdcRuntimeError(`${where}: topK must be a non-negative integer, got ${topK}`);
  if (!Number.isInteger(batch) || batch < 1) throw new KdcRuntimeError(`${where}: batch must be a positive integer, got ${batch}`);
  if (context === undefined) throw new KdcRuntimeError(`${where}: the model does not say its context length (decoding needs a language model)`);
  const out: number[][] = [];
  for (let start = 0; start < prompts.length; start += batch) {
    out.push(...decodeBatch(model, prompts.slice(start, start + batch), start, { ...options, temperature, topK, context }, where));
  }
  return out;
}

function decodeBatch(
  model: Model,
  prompts: readonly (readonly number[])[],
  first: number,
  options: DecodeOptions & { temperature: number; topK: number; context: number },
  where: string,
): number[][] {
  const { context, temperature, topK } = options;
  const eos = options.eos ?? EOS;
  const pad = options.pad ?? PAD;
  const seqs = prompts.map((p, i) => {
    if (p.length === 0) throw new KdcRuntimeError(`${where}: prompt ${first + i} is empty`);
    if (p.length > context) throw new KdcRuntimeError(`${where}: prompt ${first + i} has ${p.length} tokens, more than the model's context of ${context}`);
    return [...p];
  });
  const added = prompts.map((): number[] => []);
  const done = prompts.map(() => false);
  const rngs = prompts.map((_, i) => new Rng(mixSeeds(options.seed ?? 0, first + i)));
  for (let step = 0; step < options.maxNewTokens; step++) {
    const active = seqs.flatMap((s, i) => (!done[i] && s.length < context ? [i] : []));
    if (active.length === 0) break;
    const width = active.reduce((w, i) => Math.max(w, seqs[i]!.length), 0);
    const ids = new Int32Array(active.length * width).fill(pad);
    active.forEach((i, r) => ids.set(seqs[i]!, r * width));
    // The logits at each row's last real position: [active, vocab].
    const last = tf.tidy(() => {
      const outputs = model.forward(tf.tensor2d(ids, [active.length, width], "int32"), false);
      const tokenLogits = outputs.tokenLogits;
      if (!tokenLogits) throw new KdcRuntimeError(`${where}: the model gives no token logits (decoding needs a language model)`);
      const at = tf.tensor2d(active.flatMap((i, r) => [r, seqs[i]!.length - 1]), [active.length, 2], "int32");
      return tf.gatherND(tokenLogits, at) as tf.Tensor2D;
    });
    const vocab = last.shape[1];
    const values = last.dataSync();
    last.dispose();
    active.forEach((i, r) => {
      const row = values.subarray(r * vocab, (r + 1) * vocab);
      const token = temperature === 0 ? argmax(row) : sample(row, temperature, topK, rngs[i]!);
      seqs[i]!.push(token);
      added[i]!.push(token);
      if (token === eos) done[i] = true;
    });
  }
  return added;
}

/** The index of the largest value, the lowest on ties. */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let j = 1; j < row.length; j++) if (row[j]! > row[best]!) best = j;
  return best;
}

/** A draw from softmax(row / temperature) restricted to the top k (k = 0: all), with one rng.next(). */
function sample(row: ArrayLike<number>, temperature: number, topK: number, rng: Rng): number {
  let ids = Array.from({ length: row.length }, (_, j) => j);
  if (topK > 0 && topK < row.length) ids = ids.sort((a, b) => row[b]! - row[a]! || a - b).slice(0, topK).sort((a, b) => a - b);
  let max = -Infinity;
  for (const j of ids) max = Math.max(max, row[j]!);
  const weights = ids.map((j) => Math.exp((row[j]! - max) / temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let u = rng.next() * total;
  for (const [k, w] of weights.entries()) {
    u -= w;
    if (u < 0) return ids[k]!;
  }
  return ids[ids.length - 1]!;
}
