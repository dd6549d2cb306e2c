// evaluate() with the new metrics on synthetic splits (cpu): KL to a teacher equals the KD loss's
// batchmean KL, perplexity on a token split equals exp of the token-mean next-token CE, preference
// metrics on a preference split follow the sequence log-probabilities; wrong splits fail clearly.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import * as kd from "../../runtime/index.js";
import { evaluate } from "../../runtime/evaluate.js";
import { preferenceAccuracyOf, rewardMarginOf, sequenceLogProbs } from "../../runtime/metrics.js";
import { TinyNet, TokenNet, nextTokenCe, preferenceSplit, tokenSplit, vectorSplit } from "./train-fixtures.js";

beforeAll(async () => {
  await kd.selectBackend("cpu");
});

/** All of a split in one batch (disposed by the caller). */
const whole = (split: kd.Split) => [...split.batches(split.size, 0, 0)][0]!;

describe("evaluate", () => {
  it("computes KL to a teacher as the batchmean KL of the kd loss without T², agreement alongside", () => {
    const split = vectorSplit("v", { rows: 30, features: 6, classes: 4, seed: 1, labelled: false });
    const s = new TinyNet("s", [6, 5, 4], 1);
    const t = new TinyNet("t", [6, 9, 4], 2);
    const values = evaluate(s, { split, everyEpochs: 1, metrics: [kd.metrics.klToTeacher(t, { T: 2 }), kd.metrics.agreement(t)] }, 7);
    const batch = whole(split);
    const expected = tf.tidy(() => kd.losses.kd(s.forward(batch.input, false).logits, t.forward(batch.input, false).logits, { T: 2, t2: false }).dataSync()[0]!);
    kd.data.disposeBatch(batch);
    expect(Object.keys(values)).toEqual(["kl(t, T=2)", "agreement(t)"]);
    expect(values["kl(t, T=2)"]).toBeCloseTo(expected, 5);
    s.dispose();
    t.dispose();
  });

  it("computes perplexity on a token split as exp of the token-mean next-token cross-entropy", () => {
    const split = tokenSplit("t", { rows: 12, context: 7, vocab: 9, seed: 4 });
    const m = new TokenNet("lm", 9, 5, 3);
    const values = evaluate(m, { split, everyEpochs: 1, metrics: [kd.metrics.perplexity(), kd.metrics.accuracy()] }, 5);
    const batch = whole(split);
    const ce = tf.tidy(() => nextTokenCe(m.forward(batch.input, false).tokenLogits!, batch.targets!).dataSync()[0]!);
    // Accuracy per next token: the argmax at position t against the target at t + 1, −100 skipped.
    const logits = tf.tidy(() => m.forward(batch.input, false).tokenLogits!.arraySync());
    const targets = batch.targets!.arraySync();
    let hits = 0;
    let scored = 0;
    for (const [b, row] of logits.entries())
      for (let t = 0; t + 1 < row.length; t++) {
        const y = targets[b]![t + 1]!;
        if (y === -100) continue;
        scored++;
        if (row[t]!.indexOf(Math.max(...row[t]!)) === y) hits++;
      }
    kd.data.disposeBatch(batch);
    expect(values.perplexity).toBeCloseTo(Math.exp(ce), 4);
    expect(scored).toBeGreaterThan(0);
    expect(values.accuracy).toBeCloseTo(hits / scored, 10);
    m.dispose();
  });

  it("computes preference accuracy and reward margin from policy and reference log-probabilities", () => {
    const split = preferenceSplit("p", { pairs: 10, context: 6, vocab: 7, seed: 5 });
    const policy = new TokenNet("policy", 7, 4, 1);
    const reference = new TokenNet("ref", 7, 4, 2);
    const values = evaluate(policy, { split, everyEpochs: 1, metrics: [kd.metrics.preferenceAccuracy(reference), kd.metrics.rewardMargin(reference, { beta: 0.5 })] }, 3);
    const batch = whole(split);
    const lp = (m: kd.Model) => {
      const logits = tf.tidy(() => m.forward(batch.input, false).logits);
      const values = sequenceLogProbs(logits.dataSync(), batch.targets!.dataSync(), 20, 6, 7);
      logits.dispose();
      return values;
    };
    const [p, r] = [lp(policy), lp(reference)];
    kd.data.disposeBatch(batch);
    const pairs = { policyChosen: p.slice(0, 10), policyRejected: p.slice(10), referenceChosen: r.slice(0, 10), referenceRejected: r.slice(10) };
    expect(values.preference_accuracy).toBeCloseTo(preferenceAccuracyOf(pairs), 12);
    expect(values["reward_margin(beta=0.5)"]).toBeCloseTo(rewardMarginOf(pairs, 0.5), 4);
    // Against itself every reward is 0: no pair is won, the margin is 0.
    const self = evaluate(policy, { split, everyEpochs: 1, metrics: [kd.metrics.preferenceAccuracy(policy), kd.metrics.rewardMargin(policy)] });
    expect(self).toEqual({ preference_accuracy: 0, reward_margin: 0 });
    policy.dispose();
    reference.dispose();
    expect(tf.memory().numTensors).toBe(0);
  });

  it("refuses metrics the split cannot support", () => {
    const vectors = vectorSplit("v", { rows: 4, features: 6, classes: 3, seed: 1 });
    const tokens = tokenSplit("t", { rows: 4, context: 5, vocab: 6, seed: 1 });
    const m = new TinyNet("m", [6, 3], 1);
    expect(() => evaluate(m, { split: vectors, everyEpochs: 1, metrics: [kd.metrics.perplexity()] })).toThrow("cannot compute perplexity on 'v': it is not a token split");
    expect(() => evaluate(m, { split: tokens, everyEpochs: 1, metrics: [kd.metrics.rewardMargin(m)] })).toThrow("cannot compute reward_margin on 't': it has no preference pairs");
    m.dispose();
  });
});
