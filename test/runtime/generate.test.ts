// Autoregressive decoding (kd.models.decode) and teacher-generated splits (kd.data.generated).
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { decode, argmax } from "../../runtime/models/decode.js";
import { transformer } from "../../runtime/models/transformer.js";
import { generated, promptOf } from "../../runtime/data/generated.js";
import { text } from "../../runtime/data/text-file.js";
import { disposeBatch, IGNORE } from "../../runtime/data/memory-split.js";
import { useCpu } from "./helpers.js";

const FIXTURE = "test/fixtures/data/tiny.txt";

beforeAll(useCpu);

const lm = (seed = 3, context = 16) => transformer("lm", { vocab: 12, dim: 8, layers: 1, heads: 2, context }, seed);

/** Greedy decoding the slow way: one full forward per new token, argmax at the last position. */
function referenceGreedy(model: ReturnType<typeof lm>, prompt: readonly number[], steps: number, eos: number): number[] {
  const seq = [...prompt];
  const out: number[] = [];
  for (let s = 0; s < steps && seq.length < model.config.context; s++) {
    const next = tf.tidy(() => {
      const o = model.forward(tf.tensor2d([seq], [1, seq.length], "int32"), false);
      return argmax(o.tokenLogits!.arraySync()[0]![seq.length - 1]!);
    });
    seq.push(next);
    out.push(next);
    if (next === eos) break;
  }
  return out;
}

describe("decode", () => {
  const prompts = [[2, 5, 6], [2, 7], [2, 4, 9, 10, 11], [2]];

  it("greedy decoding equals a step-by-step argmax of forward, whatever the batch", () => {
    const model = lm();
    const expected = prompts.map((p) => referenceGreedy(model, p, 6, 3));
    expect(decode(model, prompts, { maxNewTokens: 6, batch: 3 })).toEqual(expected);
    expect(decode(model, prompts, { maxNewTokens: 6, batch: 1 })).toEqual(expected);
    model.dispose();
  });

  it("stops at <eos> and at the model's context", () => {
    const model = lm(3, 6);
    const [a, b] = decode(model, [[2, 5, 6], [2, 4, 9, 10, 11]], { maxNewTokens: 10, eos: -1 });
    expect(a).toHaveLength(3);
    expect(b).toHaveLength(1);
    // The first greedy token declared <eos>: nothing follows it.
    const first = decode(model, [[2, 5, 6]], { maxNewTokens: 1 })[0]![0]!;
    expect(decode(model, [[2, 5, 6]], { maxNewTokens: 5, eos: first })[0]).toEqual([first]);
    model.dispose();
  });

  it("seeded sampling is reproducible and batch-independent; other seeds differ", () => {
    const model = lm();
    const opts = { maxNewTokens: 8, temperature: 2, eos: -1 };
    const a = decode(model, prompts, { ...opts, seed: 7, batch: 4 });
    expect(decode(model, prompts, { ...opts, seed: 7, batch: 1 })).toEqual(a);
    expect(decode(model, prompts, { ...opts, seed: 8 })).not.toEqual(a);
    // top-1 sampling is greedy decoding.
    expect(decode(model, prompts, { ...opts, topK: 1, seed: 5 })).toEqual(decode(model, prompts, { maxNewTokens: 8, eos: -1 }));
    model.dispose();
  });

  it("leaks no tensors and rejects bad options", () => {
    const model = lm();
    decode(model, prompts, { maxNewTokens: 2 });
    const before = tf.memory().numTensors;
    decode(model, prompts, { maxNewTokens: 4, temperature: 1, topK: 3, batch: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(() => decode(model, prompts, { maxNewTokens: 2, temperature: -1 })).toThrow(/temperature/);
    expect(() => decode(model, [[]], { maxNewTokens: 2 })).toThrow(/empty/);
    model.dispose();
  });
});

describe("generated splits", () => {
  it("takes the masked prompt, or the row without its final <eos>", () => {
    const I = IGNORE;
    expect(promptOf(Int32Array.of(2, 5, 6, 7, 3, 0), Int32Array.of(I, I, I, 7, 3, I), 0, 0)).toEqual([2, 5, 6]);
    expect(promptOf(Int32Array.of(2, 5, 6, 3, 0), Int32Array.of(I, 5, 6, 3, I), 0, 0)).toEqual([2, 5, 6]);
    expect(promptOf(Int32Array.of(5, 6, 7, 8), Int32Array.of(5, 6, 7, 8), 0, 2)).toEqual([5, 6]);
  });

  it("rows are the prompt then the greedy continuation, targets only on the continuation; made once, lazily", () => {
    const corpus = text(FIXTURE, { context: 6, name: "book" });
    const vocab = corpus.tokenizer!.vocabSize;
    const model = transformer("teacher", { vocab, dim: 8, layers: 1, heads: 2, context: 10 }, 4);
    const split = generated(corpus.train, model, { name: "gen", maxNewTokens: 4, temperature: 0, topK: 0, seed: 1, promptTokens: 3, batch: 2 }).train;
    expect([split.name, split.size, split.context, split.vocab]).toEqual(["gen.train", corpus.train.size, 7, vocab]);
    const fingerprint = split.fingerprint;
    const first = corpus.train.batches(corpus.train.size, 0, 0)[Symbol.iterator]().next().value!;
    const inputs: number[][] = first.input.arraySync();
    disposeBatch(first);
    // Rows follow the prompt split's own order (a seeded batch order is over the same rows).
    const row0 = split.row(0);
    const prompt = Array.from(row0.tokens.slice(0, 3));
    expect(inputs.some((r) => r.slice(0, 3).join() === prompt.join())).toBe(true);
    const continuation = referenceGreedy(model as never, prompt, 4, 3);
    expect(Array.from(row0.tokens.slice(3, 3 + continuation.length))).toEqual(continuation);
    expect(Array.from(row0.targets.slice(0, 3))).toEqual([IGNORE, IGNORE, IGNORE]);
    expect(Array.from(row0.targets.slice(3, 3 + continuation.length))).toEqual(continuation);
    expect(split.materialize()).toBe(split.materialize());
    expect(split.fingerprint).toBe(fingerprint);
    const batch = split.batches(2, 0, 0)[Symbol.iterator]().next().value!;
    expect(batch.input.shape).toEqual([2, 7]);
    disposeBatch(batch);
    model.dispose();
  });
});
