// Seeded parameters on raw tf.Variables, collected in creation order with stable names
// (`block_0/conv/kernel`) for checkpoints, weight-decay rules and export.
import * as tf from "@tensorflow/tfjs";
import { Rng, mixSeeds } from "../rng.js";

export class Params {
  readonly variables: tf.Variable[] = [];
  readonly names: string[] = [];
  private readonly byName = new Map<string, tf.Variable>();

  /** Parameter k (in creation order) is drawn from its own generator seeded by (seed, k): its values do not depend on the sizes of the parameters before it. */
  constructor(private readonly seed: number) {}

  /** U(−bound, bound), PyTorch's default for nn.Linear and nn.Conv2d with bound = 1/√fan_in. */
  uniform(name: string, shape: readonly number[], bound: number): tf.Variable {
    const rng = this.rng();
    return this.add(name, shape, (n) => {
      const v = new Float32Array(n);
      for (let i = 0; i < n; i++) v[i] = rng.uniform(-bound, bound);
      return v;
    });
  }

  /** N(0, std²) (Box–Muller on the seeded generator). */
  normal(name: string, shape: readonly number[], std: number): tf.Variable {
    const rng = this.rng();
    return this.add(name, shape, (n) => gaussian(n, std, rng));
  }

  /** A constant fill: norms' scales (1) and shifts (0), batch-norm running statistics. */
  fill(name: string, shape: readonly number[], value: number, trainable = true): tf.Variable {
    return this.add(name, shape, (n) => new Float32Array(n).fill(value), trainable);
  }

  get(name: string): tf.Variable {
    const v = this.byName.get(name);
    if (!v) throw new Error(`no parameter '${name}'`);
    return v;
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }

  private rng(): Rng {
    return new Rng(mixSeeds(this.seed, this.variables.length));
  }

  private add(name: string, shape: readonly number[], values: (n: number) => Float32Array, trainable = true): tf.Variable {
    if (this.byName.has(name)) throw new Error(`duplicate parameter '${name}'`);
    const n = shape.reduce((a, b) => a * b, 1);
    // Unnamed variables: tfjs names must be unique per process, and tests build models twice.
    const initial = tf.tensor(values(n), [...shape], "float32");
    const v = tf.variable(initial, trainable);
    initial.dispose(); // the variable keeps the data
    this.variables.push(v);
    this.names.push(name);
    this.byName.set(name, v);
    return v;
  }
}

/** n draws from N(0, std²). */
export function gaussian(n: number, std: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - rng.next(); // (0, 1]
    const r = std * Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * rng.next();
    out[i] = r * Math.cos(theta);
    if (i + 1 < n) out[i + 1] = r * Math.sin(theta);
  }
  return out;
}
