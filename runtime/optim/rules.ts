// The update rules, written from PyTorch's definitions (torch.optim.SGD, Adam, AdamW, RMSprop) in
// the same order of operations, on tensors. tfjs's own optimizers are not used: its RMSProp puts ε
// inside the square root and the learning rate inside the momentum buffer (so a changing lr acts
// differently), defaults decay to 0.9 and ε to 1e-7, and none of them has weight decay.
//
// A rule is called once per optimizer step inside a tf.tidy: `begin(lr, t)` makes the step's
// scalars (t counts updates from 1, as PyTorch's state['step'] after its increment) and returns the
// per-variable update, which returns the new parameter and slot values for the caller to assign.
import * as tf from "@tensorflow/tfjs";
import type { OptimizerSpec } from "../program.js";
import { KdcRuntimeError } from "../errors.js";
import { ADAM_DEFAULTS, RMSPROP_DEFAULTS, weightDecayOf } from "./specs.js";

/** New values for one variable: the parameter, then its slots in the rule's order. */
export interface Updated {
  readonly param: tf.Tensor;
  readonly slots: readonly tf.Tensor[];
}

/** `decay`: whether weight decay applies to this variable (false when the decay is 0). */
export type Update = (param: tf.Tensor, grad: tf.Tensor, slots: readonly tf.Tensor[], decay: boolean) => Updated;

export interface Rule {
  /** Per-variable state, in checkpoint order (`m`, `v`; `momentum`; `square_avg`, `grad_avg`, `momentum`). */
  readonly slots: readonly string[];
  begin(lr: number, t: number): Update;
}

export function ruleFor(spec: OptimizerSpec): Rule {
  const weightDecay = weightDecayOf(spec);
  switch (spec.kind) {
    case "sgd":
      return sgdRule(spec.momentum ?? 0, spec.nesterov ?? false, weightDecay);
    case "adam":
    case "adamw":
      return adamRule(
        spec.beta1 ?? ADAM_DEFAULTS.beta1,
        spec.beta2 ?? ADAM_DEFAULTS.beta2,
        spec.epsilon ?? ADAM_DEFAULTS.epsilon,
        weightDecay,
        spec.kind === "adamw",
      );
    case "rmsprop":
      return rmspropRule(
        spec.alpha ?? RMSPROP_DEFAULTS.alpha,
        spec.epsilon ?? RMSPROP_DEFAULTS.epsilon,
        spec.momentum ?? RMSPROP_DEFAULTS.momentum,
        spec.centered ?? RMSPROP_DEFAULTS.centered,
        weightDecay,
      );
    default:
      throw new KdcRuntimeError(`unknown optimizer '${(spec as { kind: string }).kind}' (kdc knows sgd, adam, adamw and rmsprop)`);
  }
}

/**
 * torch.optim.SGD, dampening 0: g ← g + wd·p; b ← μ·b + g (b starts at 0, so b₁ = g₁ as torch's
 * clone); d = g + μ·b (Nesterov) or b (else) or g (μ = 0); p ← p − lr·d.
 */
function sgdRule(momentum: number, nesterov: boolean, weightDecay: number): Rule {
  return {
    slots: momentum > 0 ? ["momentum"] : [],
    begin(lr) {
      const lrT = tf.scalar(lr);
      const mu = tf.scalar(momentum);
      const wd = tf.scalar(weightDecay);
      return (p, g0, [buf], decay) => {
        const g = decay ? tf.add(g0, tf.mul(p, wd)) : g0;
        if (!buf) return { param: tf.sub(p, tf.mul(g, lrT)), slots: [] };
        const b = tf.add(tf.mul(buf, mu), g);
        const d = nesterov ? tf.add(g, tf.mul(b, mu)) : b;
        return { param: tf.sub(p, tf.mul(d, lrT)), slots: [b] };
      };
    },
  };
}

/**
 * torch.optim.Adam / AdamW (amsgrad off). Adam: g ← g + wd·p. AdamW: p ← p·(1 − lr·wd) first.
 * m ← m + (1−β₁)(g − m); v ← β₂·v + (1−β₂)·g²; p ← p − (lr/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε).
 */
function adamRule(beta1: number, beta2: number, epsilon: number, weightDecay: number, decoupled: boolean): Rule {
  return {
    slots: ["m", "v"],
    begin(lr, t) {
      const stepSize = tf.scalar(lr / (1 - beta1 ** t));
      const bc2Sqrt = tf.scalar(Math.sqrt(1 - beta2 ** t));
      const oneMinusBeta1 = tf.scalar(1 - beta1);
      const b2 = tf.scalar(beta2);
      const oneMinusBeta2 = tf.scalar(1 - beta2);
      const eps = tf.scalar(epsilon);
      const wd = tf.scalar(decoupled ? 1 - lr * weightDecay : weightDecay);
      return (p0, g0, [m0, v0], decay) => {
        const p = decay && decoupled ? tf.mul(p0, wd) : p0;
        const g = decay && !decoupled ? tf.add(g0, tf.mul(p0, wd)) : g0;
        const m = tf.add(m0!, tf.mul(tf.sub(g, m0!), oneMinusBeta1));
        const v = tf.add(tf.mul(v0!, b2), tf.mul(tf.square(g), oneMinusBeta2));
        const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), eps);
        return { param: tf.sub(p, tf.mul(tf.div(m, denom), stepSize)), slots: [m, v] };
      };
    },
  };
}

/**
 * torch.optim.RMSprop: g ← g + wd·p; s ← α·s + (1−α)·g²; centered: a ← a + (1−α)(g − a),
 * r = √max(s − a², 0) + ε, else r = √s + ε; momentum μ > 0: b ← μ·b + g/r, p ← p − lr·b;
 * else p ← p − lr·g/r. (torch takes √(s − a²) without the clamp: it is NaN where rounding makes
 * s − a² negative, which kdc avoids.)
 */
function rmspropRule(alpha: number, epsilon: number, momentum: number, centered: boolean, weightDecay: number): Rule {
  return {
    slots: ["square_avg", ...(centered ? ["grad_avg"] : []), ...(momentum > 0 ? ["momentum"] : [])],
    begin(lr) {
      const lrT = tf.scalar(lr);
      const a = tf.scalar(alpha);
      const oneMinusAlpha = tf.scalar(1 - alpha);
      const eps = tf.scalar(epsilon);
      const mu = tf.scalar(momentum);
      const wd = tf.scalar(weightDecay);
      return (p, g0, slots, decay) => {
        const g = decay ? tf.add(g0, tf.mul(p, wd)) : g0;
        const s = tf.add(tf.mul(slots[0]!, a), tf.mul(tf.square(g), oneMinusAlpha));
        const next: tf.Tensor[] = [s];
        let r: tf.Tensor;
        if (centered) {
          const avg0 = slots[1]!;
          const avg = tf.add(avg0, tf.mul(tf.sub(g, avg0), oneMinusAlpha));
          next.push(avg);
          r = tf.add(tf.sqrt(tf.relu(tf.sub(s, tf.square(avg)))), eps);
        } else {
          r = tf.add(tf.sqrt(s), eps);
        }
        if (momentum > 0) {
          const b = tf.add(tf.mul(slots[next.length]!, mu), tf.div(g, r));
          next.push(b);
          return { param: tf.sub(p, tf.mul(b, lrT)), slots: next };
        }
        return { param: tf.sub(p, tf.mul(tf.div(g, r), lrT)), slots: next };
      };
    },
  };
}
