// The live optimizer the training loop drives: one spec bound to one model's variables, with a
// learning rate set before every step and state that checkpoints under stable names.
import * as tf from "@tensorflow/tfjs";
import type { OptimizerSpec } from "../program.js";
import { KdcRuntimeError } from "../errors.js";
import { ruleFor, type Rule } from "./rules.js";
import { isExcludedFromDecay, weightDecayOf } from "./specs.js";

/** One piece of optimizer state, copied out of the backend. */
export interface OptimizerSlot {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: "float32" | "int32";
  readonly values: Float32Array | Int32Array;
}

/**
 * An update rule (rules.ts) bound to a model's variables. Per-variable state is created at a
 * variable's first update (zeros, as PyTorch's lazy state), so a variable that never gets a
 * gradient has none. Every method is leak-free: `tf.memory().numTensors` is flat across steps.
 */
export class StageOptimizer {
  readonly kind: OptimizerSpec["kind"];
  /** The names weight decay and messages see: the `names` given, else the tfjs variable names. */
  readonly names: readonly string[];
  /** Per variable: whether weight decay applies to it (false for all when the decay is 0). */
  readonly decays: readonly boolean[];
  private readonly rule: Rule;
  private readonly slots: (tf.Variable[] | undefined)[];
  private readonly indexOf: ReadonlyMap<string, number>;
  private learningRate = 0; // set before every step
  private updates = 0;

  /**
   * `names` are the variables' stable names (`dense_0/kernel`, as models' `variableNames`), which
   * `excludeFromDecay` matches; without them the tfjs variable names are used, and the default
   * exclusion still catches biases and norms by rank.
   */
  constructor(
    readonly spec: OptimizerSpec,
    readonly variables: readonly tf.Variable[],
    names?: readonly string[],
  ) {
    if (names && names.length !== variables.length) throw new Error(`optimizer: ${names.length} names for ${variables.length} variables`);
    this.kind = spec.kind;
    this.rule = ruleFor(spec);
    this.names = names ?? variables.map((v) => v.name);
    const decay = weightDecayOf(spec) > 0;
    this.decays = variables.map((v, i) => decay && !isExcludedFromDecay(spec, this.names[i]!, v.shape));
    this.slots = variables.map(() => undefined);
    this.indexOf = new Map(variables.map((v, i) => [v.name, i]));
  }

  get lr(): number {
    return this.learningRate;
  }

  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }

  /** Updates applied so far (PyTorch's state['step']). */
  get iterations(): number {
    return this.updates;
  }

  /**
   * The loss and its gradients for the trained variables, keyed by tfjs variable name (a variable
   * the loss does not reach has no entry). The caller disposes both (or runs this inside a tidy).
   */
  gradients(loss: () => tf.Scalar): { value: tf.Scalar; grads: tf.NamedTensorMap } {
    return tf.variableGrads(loss, this.variables as tf.Variable[]);
  }

  /**
   * One update from `grads`, keyed by tfjs variable name as `gradients` and tf.variableGrads give
   * them. A variable without an entry is skipped (no update, no decay, no state change, as PyTorch
   * skips a parameter whose grad is None); a key naming no trained variable is an error. The
   * caller keeps ownership of `grads`.
   */
  applyGradients(grads: tf.NamedTensorMap): void {
    for (const name of Object.keys(grads)) {
      if (!this.indexOf.has(name)) throw new Error(`optimizer: a gradient for '${name}', which is not a trained variable`);
    }
    const t = this.updates + 1;
    tf.tidy(() => {
      const update = this.rule.begin(this.learningRate, t);
      this.variables.forEach((variable, i) => {
        const grad = grads[variable.name];
        if (!grad) return;
        const slots = (this.slots[i] ??= this.rule.slots.map(() => zerosVariable(variable.shape)));
        const next = update(variable, grad, slots, this.decays[i]!);
        variable.assign(next.param);
        next.slots.forEach((value, k) => slots[k]!.assign(value));
      });
    });
    this.updates = t;
  }

  /** One update from the gradients of `loss`; returns the loss (the caller disposes it). */
  minimize(loss: () => tf.Scalar): tf.Scalar {
    const { value, grads } = this.gradients(loss);
    try {
      this.applyGradients(grads);
    } finally {
      tf.dispose(Object.values(grads).filter((g) => g != null));
    }
    return value;
  }

  /**
   * A copy of the state with names that do not depend on tfjs variable ids: `iter` (int32, the
   * updates so far), then per variable i of `variables` that has state, its slots as `<slot>/i`:
   * `m/i`, `v/i` (Adam, AdamW), `momentum/i` (SGD with momentum), `square_avg/i`, `grad_avg/i`
   * (centered), `momentum/i` (RMSProp with momentum). Plain arrays, so nobody has to dispose anything.
   */
  async getState(): Promise<OptimizerSlot[]> {
    const state: OptimizerSlot[] = [{ name: "iter", shape: [], dtype: "int32", values: Int32Array.of(this.updates) }];
    for (const [i, slots] of this.slots.entries()) {
      if (!slots) continue;
      for (const [k, slot] of slots.entries()) {
        const values = ((await slot.data()) as Float32Array).slice(); // cpu hands out its own buffer
        state.push({ name: `${this.rule.slots[k]}/${i}`, shape: slot.shape, dtype: "float32", values });
      }
    }
    return state;
  }

  /**
   * Replaces the state with one from `getState` (possibly of another process, whose tfjs variable
   * ids differ). Checks every name and shape before changing anything; a variable absent from
   * `state` is left without state (zeros at its next update).
   */
  async setState(state: readonly OptimizerSlot[]): Promise<void> {
    let iterations = 0;
    const incoming = new Map<number, (OptimizerSlot | undefined)[]>();
    for (const entry of state) {
      if (entry.name === "iter") {
        iterations = Number(entry.values[0] ?? 0);
        continue;
      }
      const slash = entry.name.lastIndexOf("/");
      const k = this.rule.slots.indexOf(entry.name.slice(0, slash));
      const index = Number(entry.name.slice(slash + 1));
      const variable = this.variables[index];
      if (slash < 0 || k < 0 || !Number.isInteger(index) || !variable) {
        throw new KdcRuntimeError(`optimizer state '${entry.name}' does not fit this ${this.kind} optimizer of ${this.variables.length} variables`);
      }
      if (!tf.util.arraysEqual([...entry.shape], variable.shape)) {
        throw new KdcRuntimeError(`optimizer state '${entry.name}' has shape [${entry.shape}], but variable ${index} ('${this.names[index]}') has [${variable.shape}]`);
      }
      const row = incoming.get(index) ?? this.rule.slots.map(() => undefined);
      row[k] = entry;
      incoming.set(index, row);
    }
    for (const [index, row] of incoming) {
      const missing = this.rule.slots.filter((_, k) => !row[k]);
      if (missing.length) throw new KdcRuntimeError(`optimizer state for variable ${index} lacks ${missing.map((s) => `'${s}/${index}'`).join(", ")}`);
    }
    this.variables.forEach((_, i) => {
      const row = incoming.get(i);
      if (!row) {
        tf.dispose(this.slots[i]);
        this.slots[i] = undefined;
        return;
      }
      const slots = (this.slots[i] ??= this.rule.slots.map(() => zerosVariable(this.variables[i]!.shape)));
      row.forEach((entry, k) => {
        const values = entry!.values instanceof Float32Array ? entry!.values : Float32Array.from(entry!.values);
        const tensor = tf.tensor(values, [...entry!.shape], "float32");
        slots[k]!.assign(tensor);
        tensor.dispose();
      });
    });
    this.updates = iterations;
  }

  dispose(): void {
    for (const slots of this.slots) tf.dispose(slots);
    this.slots.fill(undefined);
  }
}

/** A non-trainable float32 variable of zeros (its own tensor only, whatever tidy it is made in). */
function zerosVariable(shape: readonly number[]): tf.Variable {
  const zeros = tf.zeros([...shape]);
  const variable = tf.variable(zeros, false);
  zeros.dispose();
  return variable;
}
