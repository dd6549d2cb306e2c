// A mixture-of-experts MLP block (Shazeer et al. 2017; Switch Transformer, Fedus et al. 2022):
// a linear router picks the top-k of E expert MLPs (D → hidden → D, GELU) per token, and a
// load-balancing auxiliary loss pushes the router towards using every expert equally.
//
// Routing: p = softmax(x·W_r) [N, E]; the top-k experts of each token get gate p_e (top-1, as
// Switch) or p_e renormalised over the chosen k (k > 1, as GShard and Mixtral); the others 0.
// Output: Σ_e gate_e · expert_e(x).
//
// The experts are evaluated densely, as two plain 2-D matMuls over all experts at once:
// h = GELU(x·W_1 + b_1) with W_1 [D, E·hidden], then (h ⊙ gates)·W_2 + gates·B_2 with
// W_2 [E·hidden, D], B_2 [E, D]. That equals sparse dispatch exactly and costs E/k times its
// FLOPs, which at the sizes tfjs trains is cheaper than gathering and scattering tokens.
//
// Auxiliary loss (Switch eq. 4): aux = E · Σ_e f_e · P_e, f_e the fraction of the N·k routing
// assignments that went to e (a constant), P_e the mean router probability of e. 1 when balanced.
import * as tf from "@tensorflow/tfjs";
import { KdcRuntimeError } from "../errors.js";
import { checkPositiveInts } from "./base.js";
import { dense } from "./dense.js";
import { gelu, linear, offTape } from "./ops.js";
import { Params } from "./params.js";

export interface MoeConfig {
  /** Width of the tokens in and out. */
  readonly dim: number;
  /** Hidden width of each expert; default 4·dim. */
  readonly hidden?: number;
  readonly experts: number;
  /** Experts per token; default 1. */
  readonly topK?: number;
}

export interface MoeOutputs {
  /** [N, dim]. */
  readonly output: tf.Tensor2D;
  /** The load-balancing loss of this batch (scalar, 1 at perfect balance). */
  readonly auxLoss: tf.Scalar;
  /** Router probabilities [N, experts]. */
  readonly router: tf.Tensor2D;
}

/** The block inside a model: its parameters live in the model's Params under `<prefix>/…`. */
export class MoeLayer {
  readonly experts: number;
  readonly topK: number;
  readonly hidden: number;
  private readonly router: tf.Variable;
  private readonly w1: tf.Variable;
  private readonly b1: tf.Variable;
  private readonly w2: tf.Variable;
  private readonly b2: tf.Variable;

  constructor(params: Params, prefix: string, readonly config: MoeConfig, owner = prefix) {
    const { dim, experts } = config;
    this.experts = experts;
    this.topK = config.topK ?? 1;
    this.hidden = config.hidden ?? 4 * dim;
    checkPositiveInts(owner, "moe dim, hidden, experts and topK", [dim, this.hidden, experts, this.topK]);
    if (this.topK > experts) throw new KdcRuntimeError(`model '${owner}': moe topK (${this.topK}) cannot exceed experts (${experts})`);
    const at = (name: string) => (prefix ? `${prefix}/${name}` : name);
    const inBound = 1 / Math.sqrt(dim);
    const outBound = 1 / Math.sqrt(this.hidden);
    // PyTorch nn.Linear init per expert: the concatenated matrices have the same fan-ins.
    this.router = params.uniform(at("router/kernel"), [dim, experts], inBound);
    this.w1 = params.uniform(at("experts/fc/kernel"), [dim, experts * this.hidden], inBound);
    this.b1 = params.uniform(at("experts/fc/bias"), [experts * this.hidden], inBound);
    this.w2 = params.uniform(at("experts/proj/kernel"), [experts * this.hidden, dim], outBound);
    this.b2 = params.uniform(at("experts/proj/bias"), [experts, dim], outBound);
  }

  forward(x: tf.Tensor2D): MoeOutputs {
    const n = x.shape[0];
    const { experts: e, topK: k, hidden } = this;
    const router = tf.softmax(linear(x, this.router as tf.Tensor2D)) as tf.Tensor2D;
    // Which experts each token uses: ops without gradients (TopK, OneHot), so off the tape.
    const chosen = offTape([router], () => tf.sum(tf.cast(tf.oneHot(tf.topk(router, k).indices, e), "float32"), 1) as tf.Tensor2D);
    let gates = tf.mul(router, chosen) as tf.Tensor2D;
    if (k > 1) gates = tf.div(gates, tf.sum(gates, -1, true));
    const h = gelu(dense(x, this.w1 as tf.Tensor2D, this.b1 as tf.Tensor1D));
    const gated = tf.reshape(tf.mul(tf.reshape(h, [n, e, hidden]), tf.expandDims(gates, 2)), [n, e * hidden]) as tf.Tensor2D;
    const output = tf.add(linear(gated, this.w2 as tf.Tensor2D), linear(gates, this.b2 as tf.Tensor2D)) as tf.Tensor2D;
    const fraction = tf.div(tf.mean(chosen, 0), k);
    const auxLoss = tf.mul(tf.sum(tf.mul(fraction, tf.mean(router, 0))), e) as tf.Scalar;
    return { output, auxLoss, router };
  }
}

/** A standalone MoE block (an auxiliary module: name, kind, variables, variableNames, dispose). */
export class Moe {
  readonly kind = "moe";
  private readonly params: Params;
  private readonly layer: MoeLayer;

  constructor(readonly name: string, readonly config: MoeConfig, readonly seed: number) {
    this.params = new Params(seed);
    this.layer = new MoeLayer(this.params, "", config, name);
  }

  get variables(): readonly tf.Variable[] {
    return this.params.variables;
  }

  get variableNames(): readonly string[] {
    return this.params.names;
  }

  /** x [N, dim] → output [N, dim], auxLoss, router probabilities [N, experts]. */
  forward(x: tf.Tensor2D): MoeOutputs {
    return this.layer.forward(x);
  }

  dispose(): void {
    this.params.dispose();
  }
}

/** `moe(name, { dim, hidden = 4·dim, experts, topK = 1 }, seed)`; transformers take `{ moe: { experts, topK } }` instead. */
export function moe(name: string, config: MoeConfig, seed: number): Moe {
  return new Moe(name, config, seed);
}
