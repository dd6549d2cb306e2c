// Optimizer specs (data the compiler emits) and the live optimizers the training loop drives.
// Learning rates are Schedules evaluated in JS before every step and pushed into the tfjs
// optimizer, so a schedule changes the step size from the very next update.
import * as tf from "@tensorflow/tfjs";
import type { OptimizerSpec, Schedule } from "./program.js";
import { asSchedule } from "./schedules.js";

/** One piece of optimizer state, copied out of the backend. */
export interface OptimizerSlot {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: "float32" | "int32";
  readonly values: Float32Array | Int32Array;
}

/** PyTorch's Adam defaults. tfjs would default ε to 1e-7 (its float32 backend epsilon); kdc uses 1e-8. */
export const ADAM_DEFAULTS = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;

export interface AdamOptions {
  readonly lr: Schedule | number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
}

export function adam(options: AdamOptions): OptimizerSpec {
  return {
    kind: "adam",
    lr: asSchedule(options.lr),
    beta1: options.beta1 ?? ADAM_DEFAULTS.beta1,
    beta2: options.beta2 ?? ADAM_DEFAULTS.beta2,
    epsilon: options.epsilon ?? ADAM_DEFAULTS.epsilon,
  };
}

export interface SgdOptions {
  readonly lr: Schedule | number;
  /** Heavy-ball momentum as in torch.optim.SGD (no dampening, no Nesterov); default 0. */
  readonly momentum?: number;
}

export function sgd(options: SgdOptions): OptimizerSpec {
  return options.momentum ? { kind: "sgd", lr: asSchedule(options.lr), momentum: options.momentum } : { kind: "sgd", lr: asSchedule(options.lr) };
}

/** A tfjs optimizer bound to one model's variables, with a settable learning rate and portable state. */
export class StageOptimizer {
  readonly kind: OptimizerSpec["kind"];
  private readonly optimizer: tf.Optimizer;
  private learningRate: number;

  constructor(
    readonly spec: OptimizerSpec,
    readonly variables: readonly tf.Variable[],
  ) {
    this.kind = spec.kind;
    this.learningRate = 0; // set before every step
    if (spec.kind === "adam") {
      this.optimizer = tf.train.adam(
        0,
        spec.beta1 ?? ADAM_DEFAULTS.beta1,
        spec.beta2 ?? ADAM_DEFAULTS.beta2,
        spec.epsilon ?? ADAM_DEFAULTS.epsilon,
      );
    } else {
      this.optimizer = spec.momentum ? tf.train.momentum(0, spec.momentum, false) : tf.train.sgd(0);
    }
  }

  get lr(): number {
    return this.learningRate;
  }

  setLearningRate(lr: number): void {
    this.learningRate = lr;
    if (this.kind === "sgd") {
      (this.optimizer as tf.SGDOptimizer).setLearningRate(lr); // also covers MomentumOptimizer
    } else {
      // AdamOptimizer reads its (protected) learningRate field on every applyGradients.
      (this.optimizer as unknown as { learningRate: number }).learningRate = lr;
    }
  }

  /** One update; returns the loss (the caller disposes it). */
  minimize(loss: () => tf.Scalar): tf.Scalar {
    const cost = this.optimizer.minimize(loss, true, this.variables as tf.Variable[]);
    if (!cost) throw new Error("optimizer returned no cost");
    return cost;
  }

  /**
   * A copy of the optimizer's state with names that do not depend on tfjs variable ids: `iter`,
   * and per variable i of `variables` the slots `m/i`, `v/i` (Adam) or `momentum/i` (momentum SGD).
   * Plain arrays, so nobody has to dispose anything.
   */
  async getState(): Promise<OptimizerSlot[]> {
    const byName = new Map(this.variables.map((v, i) => [v.name, i]));
    const weights = await this.optimizer.getWeights();
    const slots: OptimizerSlot[] = [];
    for (const { name, tensor } of weights) {
      const values = (await tensor.data()) as Float32Array | Int32Array;
      const entry = { shape: tensor.shape, dtype: tensor.dtype as OptimizerSlot["dtype"], values: values.slice() };
      if (name === "iter") {
        tensor.dispose(); // tfjs makes a fresh scalar for the iteration count on every call
        slots.push({ name, ...entry });
        continue;
      }
      const slash = name.lastIndexOf("/");
      const index = byName.get(name.slice(0, slash));
      if (index === undefined) throw new Error(`optimizer slot '${name}' belongs to no trained variable`);
      slots.push({ name: `${name.slice(slash + 1)}/${index}`, ...entry });
    }
    return slots;
  }

  /** Restores state from `getState` (possibly from another process, whose variable ids differ). */
  async setState(state: readonly OptimizerSlot[]): Promise<void> {
    const weights = state.map(({ name, shape, dtype, values }) => {
      const tensor = tf.tensor(values, [...shape], dtype);
      if (name === "iter") return { name, tensor };
      const [slot, index] = name.split("/") as [string, string];
      const variable = this.variables[Number(index)];
      if (!variable) throw new Error(`optimizer slot '${name}' refers to a variable this model lacks`);
      return { name: `${variable.name}/${slot}`, tensor };
    });
    try {
      await this.optimizer.setWeights(weights);
    } finally {
      // The optimizer wraps each tensor in a variable sharing its data; our handles can go.
      tf.dispose(weights.map((w) => w.tensor));
    }
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
