import * as tf from "@tensorflow/tfjs";
import { checkLambda, taidRows } from "./divergences.js";
import { checkLogitPair } from "./internal.js";

/**
 * TAID (temporally adaptive interpolated distillation), mean over rows:
 *
 *   p_λ  = softmax((1−λ)·stopgrad(s) + λ·t)      interpolation in logit space, no temperature
 *   loss = (1/B) Σ_b −Σ_c p_λ,bc · log_softmax(s_b)_c
 *
 * student, teacher [B, C]; λ in [0, 1] (from a `TaidController`). The target p_λ is a constant:
 * gradients reach the student only through log q, and are (q − p_λ)/B. λ = 1 is cross-entropy
 * on the teacher's soft targets; λ = 0 is the student's own entropy with a zero gradient.
 * For token-level logits see `tokenTaid`.
 */
export function taid(student: tf.Tensor2D, teacher: tf.Tensor2D, lambda: number): tf.Scalar {
  checkLambda("taid", lambda);
  checkLogitPair("taid", student, teacher);
  return tf.tidy(() => tf.mean(taidRows(student, teacher, lambda)) as tf.Scalar);
}

export interface TaidControllerOptions {
  /** λ0, the starting value and the start of the linear floor; default 0.4. */
  readonly lambdaStart?: number;
  /** λ1, the final value and the cap; default 1. */
  readonly lambdaEnd?: number;
  /** α, the step size of the adaptive increase; default 5e-4. */
  readonly alpha?: number;
  /** β, the momentum of the relative loss change; default 0.99. */
  readonly beta?: number;
}

/** A TaidController's whole state as plain numbers (JSON-safe: no Infinity). */
export interface TaidControllerState {
  readonly lambdaStart: number;
  readonly lambdaEnd: number;
  readonly alpha: number;
  readonly beta: number;
  readonly lambda: number;
  readonly momentum: number;
  /** The loss seen at the previous update; null before the first one. */
  readonly prevLoss: number | null;
}

/**
 * TAID's adaptive λ schedule (Shing et al. 2025, as their reference implementation). Call
 * `update(loss, step, totalSteps)` once after each optimizer step with that step's loss and its
 * 0-based index (`Progress.step`), and use `lambda` for the next step. Per update:
 *
 *   first update: only remember L_prev = L (λ and m unchanged)
 *   δ     = (L_prev − L) / (L_prev + 1e-15)
 *   m     ← β·m + (1−β)·δ
 *   λ_lin = λ0 + (λ1 − λ0)·step/N
 *   λ     ← min(λ1, max(λ_lin, λ + α·σ(m)·(1 − λ)))
 *   L_prev ← L
 *
 * A non-finite loss is ignored (the state does not change). The state is plain numbers:
 * `toJSON()` / `TaidController.fromJSON()` round-trip it exactly, for checkpoints.
 */
export class TaidController {
  readonly lambdaStart: number;
  readonly lambdaEnd: number;
  readonly alpha: number;
  readonly beta: number;
  private lambdaValue: number;
  private momentumValue = 0;
  private prevLossValue: number | null = null;

  constructor(options: TaidControllerOptions = {}) {
    this.lambdaStart = options.lambdaStart ?? 0.4;
    this.lambdaEnd = options.lambdaEnd ?? 1;
    this.alpha = options.alpha ?? 5e-4;
    this.beta = options.beta ?? 0.99;
    if (!(this.lambdaStart >= 0 && this.lambdaStart <= this.lambdaEnd && this.lambdaEnd <= 1)) {
      throw new RangeError(`TaidController: need 0 ≤ lambdaStart ≤ lambdaEnd ≤ 1, got ${this.lambdaStart} and ${this.lambdaEnd}`);
    }
    if (!(this.alpha >= 0 && this.alpha <= 1)) throw new RangeError(`TaidController: alpha must be in [0, 1], got ${this.alpha}`);
    if (!(this.beta >= 0 && this.beta < 1)) throw new RangeError(`TaidController: beta must be in [0, 1), got ${this.beta}`);
    this.lambdaValue = this.lambdaStart;
  }

  /** The current interpolation weight λ. */
  get lambda(): number {
    return this.lambdaValue;
  }

  get momentum(): number {
    return this.momentumValue;
  }

  get prevLoss(): number | null {
    return this.prevLossValue;
  }

  /** Updates λ after the step with 0-based index `step` of `totalSteps` produced `loss`; returns the new λ. */
  update(loss: number, step: number, totalSteps: number): number {
    if (!(totalSteps > 0)) throw new RangeError(`TaidController.update: totalSteps must be positive, got ${totalSteps}`);
    if (!Number.isFinite(loss)) return this.lambdaValue;
    if (this.prevLossValue === null) {
      this.prevLossValue = loss;
      return this.lambdaValue;
    }
    const delta = (this.prevLossValue - loss) / (this.prevLossValue + 1e-15);
    this.momentumValue = this.beta * this.momentumValue + (1 - this.beta) * delta;
    const linear = this.lambdaStart + ((this.lambdaEnd - this.lambdaStart) * step) / totalSteps;
    const adaptive = this.lambdaValue + this.alpha * sigmoid(this.momentumValue) * (1 - this.lambdaValue);
    this.lambdaValue = Math.min(this.lambdaEnd, Math.max(linear, adaptive));
    this.prevLossValue = loss;
    return this.lambdaValue;
  }

  toJSON(): TaidControllerState {
    return {
      lambdaStart: this.lambdaStart,
      lambdaEnd: this.lambdaEnd,
      alpha: this.alpha,
      beta: this.beta,
      lambda: this.lambdaValue,
      momentum: this.momentumValue,
      prevLoss: this.prevLossValue,
    };
  }

  static fromJSON(state: TaidControllerState): TaidController {
    const c = new TaidController(state);
    c.load(state);
    return c;
  }

  /**
   * Restores λ, the momentum and the previous loss from `toJSON()` (a checkpoint); the options
   * must be this controller's, so a recipe changed between runs is not silently resumed.
   */
  load(state: TaidControllerState): void {
    const s = state as Partial<TaidControllerState> | null;
    if (
      !s ||
      !(typeof s.lambda === "number" && s.lambda >= 0 && s.lambda <= 1) ||
      !Number.isFinite(s.momentum) ||
      !(s.prevLoss === null || Number.isFinite(s.prevLoss))
    ) {
      throw new RangeError(`TaidController: invalid state ${JSON.stringify(state)}`);
    }
    if (s.lambdaStart !== this.lambdaStart || s.lambdaEnd !== this.lambdaEnd || s.alpha !== this.alpha || s.beta !== this.beta) {
      throw new RangeError(`TaidController: the saved state has other options (${JSON.stringify(state)}) than this controller`);
    }
    this.lambdaValue = s.lambda;
    this.momentumValue = s.momentum!;
    this.prevLossValue = s.prevLoss!;
  }
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
