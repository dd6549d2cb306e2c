// Gradient accumulation over micro-batches, weighted so that the result is the gradient of the
// large batch's mean loss.
import * as tf from "@tensorflow/tfjs";
import { KdcRuntimeError } from "../errors.js";

/**
 * Sums gradients over k micro-batches and returns their weighted mean: result = Σᵢ wᵢ·gᵢ / Σᵢ wᵢ.
 * If micro-batch i's loss is a mean over nᵢ items (examples, or tokens for a token-mean loss) and
 * wᵢ = nᵢ, that is exactly the gradient of the mean over all Σ nᵢ items, uneven last batch
 * included. A name missing from one micro-batch counts as a zero gradient there (as torch's .grad
 * accumulation does for a parameter without a gradient).
 *
 * The running sums are kept (tf.keep), so `accumulate` may be called inside a tf.tidy; they are
 * freed by `reset`. The caller keeps ownership of the gradients it passes in.
 */
export class GradientAccumulator {
  private readonly sums = new Map<string, tf.Tensor>();
  private totalWeight = 0;
  private count = 0;

  /** Σ wᵢ so far. */
  get weight(): number {
    return this.totalWeight;
  }

  /** Micro-batches accumulated since the last reset. */
  get microBatches(): number {
    return this.count;
  }

  /** Adds weight·grads to the running sums. `weight` is the micro-batch's example or token count. */
  accumulate(grads: tf.NamedTensorMap, weight: number): void {
    if (!(weight >= 0) || !Number.isFinite(weight)) throw new KdcRuntimeError(`gradient accumulation needs a finite weight of at least 0, got ${weight}`);
    for (const [name, grad] of Object.entries(grads)) {
      if (!grad) continue;
      const old = this.sums.get(name);
      const next = tf.keep(tf.tidy(() => (old ? tf.add(old, tf.mul(grad, tf.scalar(weight))) : tf.mul(grad, tf.scalar(weight)))));
      old?.dispose();
      this.sums.set(name, next);
    }
    this.totalWeight += weight;
    this.count++;
  }

  /**
   * Σ wᵢ·gᵢ / Σ wᵢ per name: new tensors the caller disposes (or a tidy does). Empty when nothing
   * was accumulated; zeros (not NaN) when every weight was 0.
   */
  result(): tf.NamedTensorMap {
    const total = this.totalWeight;
    return tf.tidy(() => {
      const out: tf.NamedTensorMap = {};
      for (const [name, sum] of this.sums) out[name] = total > 0 ? tf.div(sum, tf.scalar(total)) : tf.zerosLike(sum);
      return out;
    });
  }

  /** Frees the sums and starts over (call after each optimizer step). */
  reset(): void {
    tf.dispose([...this.sums.values()]);
    this.sums.clear();
    this.totalWeight = 0;
    this.count = 0;
  }

  dispose(): void {
    this.reset();
  }
}
