// A tiny causal language model (GPT-2 shaped): token + learned position embeddings, pre-norm
// blocks (layer norm → causal multi-head self-attention → residual; layer norm → MLP with GELU, or
// a mixture of experts → residual), a final layer norm, and an output projection to the vocabulary
// (tied to the token embedding by default).
//
// wasm speed: every projection is a plain 2-D product on [B·T, D] rows through the
// custom-gradient dense layer (explicit transposes in the backward pass); only attention's
// q·kᵀ and p·v are batched products, which wasm runs in its slower loop (small at tiny T).
import * as tf from "@tensorflow/tfjs";
import type { Model, Outputs } from "../program.js";
import { KdcRuntimeError } from "../errors.js";
import { RawModel, checkPositiveInts, checkRate } from "./base.js";
import { dense } from "./dense.js";
import { saveKdcModel } from "./kdc-format.js";
import { MoeLayer } from "./moe.js";
import { dropoutAny, gelu, layerNorm, linear } from "./ops.js";

export interface TransformerConfig {
  readonly vocab: number;
  /** Model width D; a multiple of heads. */
  readonly dim: number;
  readonly layers: number;
  readonly heads: number;
  /** The longest sequence T the position embedding covers. */
  readonly context: number;
  /** MLP hidden width as a multiple of dim; default 4. */
  readonly mlpRatio?: number;
  /** Dropout on the embeddings, attention probabilities and both residual branches (training only); default 0. */
  readonly dropout?: number;
  /** Output projection = token embeddingᵀ (GPT-2); default true. false: a separate `head/kernel` [D, vocab]. */
  readonly tied?: boolean;
  /** Replace the MLP of every `every`-th block (default every block) by a mixture of experts. */
  readonly moe?: { readonly experts: number; readonly topK?: number; readonly every?: number };
}

interface Norm {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
}

interface Block {
  readonly ln1: Norm;
  readonly qkv: { readonly kernel: tf.Variable; readonly bias: tf.Variable };
  readonly proj: { readonly kernel: tf.Variable; readonly bias: tf.Variable };
  readonly ln2: Norm;
  readonly mlp: { readonly fc: { readonly kernel: tf.Variable; readonly bias: tf.Variable }; readonly out: { readonly kernel: tf.Variable; readonly bias: tf.Variable } } | undefined;
  readonly moe: MoeLayer | undefined;
}

/** Large enough that exp underflows to exactly 0 after softmax's max subtraction, finite so no inf·0. */
const MASKED = -1e9;

export class Transformer extends RawModel implements Model {
  readonly kind = "transformer";
  readonly mlpHidden: number;
  readonly headDim: number;
  private readonly tokens: tf.Variable;
  private readonly positions: tf.Variable;
  private readonly blocks: readonly Block[];
  private readonly lnF: Norm;
  private readonly head: tf.Variable | undefined;

  constructor(name: string, readonly config: TransformerConfig, seed: number) {
    super(name, seed);
    const { vocab, dim, layers, heads, context } = config;
    checkPositiveInts(name, "vocab, dim, layers, heads and context", [vocab, dim, layers, heads, context]);
    if (dim % heads !== 0) throw new KdcRuntimeError(`model '${name}': dim (${dim}) must be a multiple of heads (${heads})`);
    checkRate(name, "dropout", config.dropout);
    this.mlpHidden = Math.round((config.mlpRatio ?? 4) * dim);
    checkPositiveInts(name, "mlpRatio·dim", [this.mlpHidden]);
    this.headDim = dim / heads;
    const every = config.moe?.every ?? 1;
    if (config.moe) checkPositiveInts(name, "moe every", [every]);

    const p = this.params;
    // Embeddings N(0, 0.02²) as GPT-2 (torch's N(0, 1) would make tied logits huge); linear layers
    // U(±1/√fan_in) as torch's nn.Linear; norms γ = 1, β = 0.
    this.tokens = p.normal("tok_emb", [vocab, dim], 0.02);
    this.positions = p.normal("pos_emb", [context, dim], 0.02);
    const linearParams = (prefix: string, fanIn: number, fanOut: number) => ({
      kernel: p.uniform(`${prefix}/kernel`, [fanIn, fanOut], 1 / Math.sqrt(fanIn)),
      bias: p.uniform(`${prefix}/bias`, [fanOut], 1 / Math.sqrt(fanIn)),
    });
    const norm = (prefix: string): Norm => ({ gamma: p.fill(`${prefix}/gamma`, [dim], 1), beta: p.fill(`${prefix}/beta`, [dim], 0) });
    this.blocks = Array.from({ length: layers }, (_, i) => {
      const at = `block_${i}`;
      const ln1 = norm(`${at}/ln_1`);
      const qkv = linearParams(`${at}/attn/qkv`, dim, 3 * dim);
      const proj = linearParams(`${at}/attn/proj`, dim, dim);
      const ln2 = norm(`${at}/ln_2`);
      const useMoe = config.moe !== undefined && i % every === every - 1;
      return {
        ln1,
        qkv,
        proj,
        ln2,
        mlp: useMoe ? undefined : { fc: linearParams(`${at}/mlp/fc`, dim, this.mlpHidden), out: linearParams(`${at}/mlp/proj`, this.mlpHidden, dim) },
        moe: useMoe ? new MoeLayer(p, `${at}/moe`, { dim, hidden: this.mlpHidden, experts: config.moe!.experts, topK: config.moe!.topK ?? 1 }, name) : undefined,
      };
    });
    this.lnF = norm("ln_f");
    this.head = config.tied === false ? p.uniform("head/kernel", [dim, vocab], 1 / Math.sqrt(dim)) : undefined;
  }

  /** Token ids [B, T] (int32; floats are truncated), T ≤ context. */
  forward(input: tf.Tensor, training: boolean): Outputs {
    const { dim, heads, context, vocab } = this.config;
    if (input.rank !== 2) throw new KdcRuntimeError(`model '${this.name}' reads token ids [B, T], got a tensor of shape [${input.shape}]`);
    const [b, t] = input.shape as [number, number];
    if (t > context) throw new KdcRuntimeError(`model '${this.name}': sequences of ${t} tokens exceed its context of ${context}`);
    const ids = input.dtype === "int32" ? input : tf.cast(input, "int32");
    const rate = training ? (this.config.dropout ?? 0) : 0;
    const drop = <T extends tf.Tensor>(x: T): T => (rate > 0 ? dropoutAny(x, rate, this.nextDropoutSeed()) : x);

    const embedding = tf.add(tf.gather(this.tokens, ids), tf.slice(this.positions, [0, 0], [t, dim])) as tf.Tensor3D;
    let x = drop(tf.reshape(embedding, [b * t, dim]) as tf.Tensor2D);
    const causal = causalMask(t);
    const block: tf.Tensor3D[] = [];
    const attention: tf.Tensor4D[] = [];
    const aux: tf.Scalar[] = [];
    for (const layer of this.blocks) {
      const { output, probs } = this.attend(layerNorm(x, layer.ln1.gamma, layer.ln1.beta), layer, b, t, heads, causal, drop);
      x = tf.add(x, drop(output));
      const h = layerNorm(x, layer.ln2.gamma, layer.ln2.beta);
      let m: tf.Tensor2D;
      if (layer.moe) {
        const routed = layer.moe.forward(h);
        m = routed.output;
        aux.push(routed.auxLoss);
      } else {
        const mlp = layer.mlp!;
        m = dense(gelu(dense(h, mlp.fc.kernel as tf.Tensor2D, mlp.fc.bias as tf.Tensor1D)), mlp.out.kernel as tf.Tensor2D, mlp.out.bias as tf.Tensor1D);
      }
      x = tf.add(x, drop(m));
      block.push(tf.reshape(x, [b, t, dim]));
      attention.push(probs);
    }
    const final = layerNorm(x, this.lnF.gamma, this.lnF.beta);
    const logits = linear(final, (this.head ?? tf.transpose(this.tokens)) as tf.Tensor2D);
    const outputs: Outputs = {
      logits,
      hidden: [],
      tokenLogits: tf.reshape(logits, [b, t, vocab]),
      embedding,
      block,
      attention,
      ...(aux.length > 0 ? { auxLoss: aux.length === 1 ? aux[0]! : (tf.div(tf.addN(aux), aux.length) as tf.Scalar) } : {}),
    };
    return outputs;
  }

  /** Causal multi-head self-attention on rows [B·T, D]; probabilities [B, heads, T, T]. */
  private attend(h: tf.Tensor2D, layer: Block, b: number, t: number, heads: number, causal: tf.Tensor2D, drop: <T extends tf.Tensor>(x: T) => T): { output: tf.Tensor2D; probs: tf.Tensor4D } {
    const hd = this.headDim;
    const qkv = dense(h, layer.qkv.kernel as tf.Tensor2D, layer.qkv.bias as tf.Tensor1D); // [B·T, 3D]
    const split = tf.transpose(tf.reshape(qkv, [b, t, 3 * heads, hd]), [0, 2, 1, 3]); // [B, 3H, T, hd]
    const part = (i: number) => tf.reshape(tf.slice(split, [0, i * heads, 0, 0], [b, heads, t, hd]), [b * heads, t, hd]) as tf.Tensor3D;
    const q = part(0);
    const k = part(1);
    const v = part(2);
    const scores = tf.add(tf.mul(tf.matMul(q, tf.transpose(k, [0, 2, 1])), 1 / Math.sqrt(hd)), causal);
    const probs = tf.softmax(scores) as tf.Tensor3D; // [B·H, T, T]
    const attended = tf.matMul(drop(probs), v); // [B·H, T, hd]
    const merged = tf.reshape(tf.transpose(tf.reshape(attended, [b, heads, t, hd]), [0, 2, 1, 3]), [b * t, heads * hd]) as tf.Tensor2D;
    return {
      output: dense(merged, layer.proj.kernel as tf.Tensor2D, layer.proj.bias as tf.Tensor1D),
      probs: tf.reshape(probs, [b, heads, t, t]),
    };
  }

  /**
   * kdc's model format (kdc-format.ts): tf.layers has no attention layer, so the architecture
   * cannot be written as a layers model. `load(dir)` reads it back.
   */
  async exportTo(dir: string): Promise<void> {
    const { vocab, dim, layers, heads, context } = this.config;
    await saveKdcModel(dir, this, this.variableNames, this.variables, `kdc runtime (transformer vocab ${vocab}, dim ${dim}, ${layers} layers, ${heads} heads, context ${context})`);
  }
}

/** 0 on and below the diagonal, −1e9 above: position t attends to positions ≤ t. */
function causalMask(t: number): tf.Tensor2D {
  const values = new Float32Array(t * t);
  for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) values[i * t + j] = MASKED;
  return tf.tensor2d(values, [t, t]);
}

/** `transformer(name, { vocab, dim, layers, heads, context, mlpRatio = 4, dropout = 0, tied = true, moe? }, seed)`. */
export function transformer(name: string, config: TransformerConfig, seed: number): Transformer {
  return new Transformer(name, config, seed);
}
