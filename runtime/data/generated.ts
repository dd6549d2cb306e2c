// Teacher-generated data for sequence-level KD (Kim & Rush, 2016): a token split whose rows are a
// model's decoded continuations of the rows of a prompt split. The rows are made on the first
// `batches()` call, i.e. when the first stage that reads the split starts, after the stages before
// it trained the generator; size, context and vocabulary are known up front. Decoding is seeded,
// so a resumed run (which restores the generator's trained weights) makes the same rows again.
import { createHash } from "node:crypto";
import { KdcRuntimeError } from "../errors.js";
import type { Batch, Model, Split } from "../program.js";
import { decode, modelContext } from "../models/decode.js";
import { EOS } from "../tokenizers/tokenizer.js";
import { IGNORE, TableSplit, type TokenTable } from "./memory-split.js";

export interface GeneratedOptions {
  /** `generated`: the dataset's name (`distilled`, whose split is `distilled.train`); a GeneratedSplit's: the split's. */
  readonly name: string;
  readonly maxNewTokens: number;
  /** 0: greedy decoding; > 0: sampling. */
  readonly temperature: number;
  /** Sampling from the k most likely tokens; 0 = all. */
  readonly topK: number;
  readonly seed: number;
  /** Keep at most this many tokens of each prompt; 0 = the whole prompt. */
  readonly promptTokens: number;
  /** Prompts decoded together (memory bound). */
  readonly batch: number;
}

/**
 * The prompt of a token row: its leading masked tokens when the row has a masked prompt
 * (`<bos> prompt`, jsonl `prompt:`), otherwise its real tokens without a final <eos> (text rows,
 * language-modelling windows); then at most `keep` tokens of it (0: all).
 */
export function promptOf(tokens: Int32Array, targets: Int32Array, pad: number, keep: number): number[] {
  let masked = 0;
  while (masked < tokens.length && targets[masked] === IGNORE && tokens[masked] !== pad) masked++;
  let prompt: number[];
  if (masked > 1) prompt = Array.from(tokens.subarray(0, masked));
  else {
    let end = tokens.length;
    while (end > 0 && tokens[end - 1] === pad) end--;
    if (end > 1 && tokens[end - 1] === EOS) end--;
    prompt = Array.from(tokens.subarray(0, end));
  }
  return keep > 0 ? prompt.slice(0, keep) : prompt;
}

export class GeneratedSplit implements Split {
  readonly kind = "tokens" as const;
  readonly hasLabels = false;
  readonly classes = 0;
  readonly size: number;
  readonly context: number;
  readonly features: number;
  readonly vocab: number;
  /** Of the recipe (prompts, generator, options), not of the rows: manifests are written before they exist. */
  readonly fingerprint: string;
  private rows: TableSplit | undefined;

  constructor(
    readonly prompts: Split,
    readonly generator: Model,
    readonly options: GeneratedOptions,
  ) {
    const where = `split '${options.name}'`;
    if (!(prompts instanceof TableSplit) || prompts.kind !== "tokens") throw new KdcRuntimeError(`${where}: its prompts '${prompts.name}' must be a token split made by kd.data`);
    const vocab = (generator as { config?: { vocab?: unknown } }).config?.vocab;
    const generatorContext = modelContext(generator);
    if (typeof vocab !== "number" || generatorContext === undefined) throw new KdcRuntimeError(`${where}: the generator '${generator.name}' is not a language model`);
    const promptLength = options.promptTokens > 0 ? Math.min(options.promptTokens, prompts.features) : prompts.features;
    this.size = prompts.size;
    this.context = this.features = promptLength + options.maxNewTokens;
    this.vocab = vocab;
    const o = options;
    this.fingerprint = createHash("sha256")
      .update(`generated\n${prompts.fingerprint}\n${generator.name}\n${o.maxNewTokens} ${o.temperature} ${o.topK} ${o.seed} ${o.promptTokens}`)
      .digest("hex");
  }

  get name(): string {
    return this.options.name;
  }

  /** The rows, decoded now if not yet (the generator must be trained by then). */
  materialize(): TableSplit {
    if (this.rows) return this.rows;
    const prompts = this.prompts as TableSplit;
    const T = this.context;
    const promptRows: number[][] = [];
    let pad = 0;
    let tokenizer = "";
    for (const { table, indices } of prompts.parts) {
      const t = table as TokenTable;
      pad = t.padId;
      tokenizer = t.tokenizer;
      const width = t.context;
      for (const i of indices) promptRows.push(promptOf(t.tokens.subarray(i * width, (i + 1) * width), t.targets.subarray(i * width, (i + 1) * width), t.padId, this.options.promptTokens));
    }
    const continuations = decode(this.generator, promptRows, {
      maxNewTokens: this.options.maxNewTokens,
      temperature: this.options.temperature,
      topK: this.options.topK,
      seed: this.options.seed,
      batch: this.options.batch,
      pad,
    });
    const tokens = new Int32Array(this.size * T).fill(pad);
    const targets = new Int32Array(this.size * T).fill(IGNORE);
    promptRows.forEach((prompt, r) => {
      const continuation = continuations[r]!;
      tokens.set(prompt, r * T);
      tokens.set(continuation, r * T + prompt.length);
      // Only the teacher's continuation is learnt: the prompt and the padding are −100.
      targets.set(continuation, r * T + prompt.length);
    });
    const table: TokenTable = { kind: "tokens", id: `generated:${this.fingerprint}`, rows: this.size, classes: 0, labels: undefined, context: T, vocab: this.vocab, padId: pad, tokenizer, tokens, targets };
    this.rows = new TableSplit(this.name, [{ table, indices: Int32Array.from({ length: this.size }, (_, i) => i) }], false);
    return this.rows;
  }

  /** Row r's tokens and targets (materialising the split), for tests and tools. */
  row(r: number): { tokens: Int32Array; targets: Int32Array } {
    const table = this.materialize().parts[0]!.table as TokenTable;
    return { tokens: table.tokens.slice(r * this.context, (r + 1) * this.context), targets: table.targets.slice(r * this.context, (r + 1) * this.context) };
  }

  batches(batchSize: number, seed: number, epoch: number): Iterable<Batch> {
    return this.materialize().batches(batchSize, seed, epoch);
  }
}

export interface GeneratedSplits {
  readonly train: GeneratedSplit;
}

/**
 * `kd.data.generated(prompts, generator, { name: "distilled", maxNewTokens: 32, … })`: one row per
 * prompt, `prompt ++ continuation` right-padded to prompt length + maxNewTokens, targets −100 on
 * the prompt and the padding.
 */
export function generated(prompts: Split, generator: Model, options: GeneratedOptions): GeneratedSplits {
  if (!Number.isInteger(options.maxNewTokens) || options.maxNewTokens < 1) throw new KdcRuntimeError(`generated '${options.name}': maxNewTokens must be a positive integer, got ${options.maxNewTokens}`);
  return { train: new GeneratedSplit(prompts, generator, { ...options, name: `${options.name}.train` }) };
}
