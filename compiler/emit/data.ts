// Dataset pieces of the trainer: options that are not plain constants (a declared tokenizer,
// `preprocess` / `augment` transforms) and `mixture(…)`. Every argument is spelt out.
import type { IrConstant, IrDataset, IrSpec } from "../lower/ir.js";
import { camel, number } from "./expressions.js";
import { stringLiteral } from "./names.js";

function scalar(v: number | string | boolean): string {
  return typeof v === "string" ? stringLiteral(v) : typeof v === "number" ? number(v) : String(v);
}

const isSpec = (v: IrConstant): v is IrSpec => typeof v === "object" && !Array.isArray(v);

/**
 * `bpe(vocab: 512)` → the runtime's TokenizerChoice `{ kind: "bpe", vocabSize: 512, minFrequency: 2 }`;
 * `corpus.tokenizer` → the Tokenizer object that dataset fitted (`ref` names its trainer variable).
 */
export function tokenizerChoice(spec: IrSpec, ref: (dataset: string) => string): string {
  const a = spec.args;
  if (spec.spec === "shared") return `${ref(String(a.dataset))}.tokenizer!`;
  if (spec.spec === "bpe") return `{ kind: "bpe", vocabSize: ${scalar(a.vocab!)}, minFrequency: ${scalar(a.min_frequency!)} }`;
  const cap = a.max_vocab !== undefined && a.max_vocab !== 0 ? `maxVocab: ${scalar(a.max_vocab)}, ` : "";
  return `{ kind: "char", ${cap}minCount: ${scalar(a.min_count!)} }`;
}

/** A transform as the runtime's Transform object: `{ kind: "standardize", mean: 0.1307, std: 0.3081 }`. */
function transform(spec: IrSpec): string {
  const fields = Object.entries(spec.args).map(([k, v]) => `${camel(k)}: ${scalar(v)}`);
  return `{ ${[`kind: ${stringLiteral(spec.spec)}`, ...fields].join(", ")} }`;
}

/**
 * The option a dataset argument becomes, or none: a tokenizer spec, `max_vocab` (the char
 * tokenizer's cap), and plain constants ("" and 0 stand for options left out, except `seed`).
 * `preprocess` and `augment` are emitted by `withTransforms`.
 */
export function datasetOption(key: string, value: IrConstant, file: boolean, ref: (dataset: string) => string): string[] {
  if (key === "preprocess" || key === "augment") return [];
  if (key === "tokenizer") return isSpec(value) ? [`tokenizer: ${tokenizerChoice(value, ref)}`] : [];
  if (key === "max_vocab") return value === 0 ? [] : [`tokenizer: { kind: "char", maxVocab: ${scalar(value as number)} }`];
  if (file && (value === "" || (value === 0 && key !== "seed"))) return [];
  return [`${camel(key)}: ${constantText(value)}`];
}

function constantText(v: IrConstant): string {
  if (Array.isArray(v)) return `[${v.map((x) => constantText(x as IrConstant)).join(", ")}]`;
  if (isSpec(v as IrConstant)) return transform(v as IrSpec);
  return scalar(v as number | string | boolean);
}

/** `loader` wrapped in kd.data.transformed when the dataset has `preprocess` or `augment` steps. */
export function withTransforms(d: IrDataset, loader: string): string {
  const list = (key: string): IrSpec[] => (Array.isArray(d.args[key]) ? (d.args[key] as readonly IrConstant[]).filter(isSpec) : []);
  const preprocess = list("preprocess");
  const augment = list("augment");
  if (preprocess.length === 0 && augment.length === 0) return loader;
  const image = d.builtin === "mnist" ? "image: [28, 28, 1], " : "";
  return `kd.data.transformed(${loader}, { ${image}preprocess: [${preprocess.map(transform).join(", ")}], augment: [${augment.map(transform).join(", ")}] })`;
}

/** `mixture(a.train, b.train, weights: […])` → kd.data.mixture over the sources' splits. */
export function mixtureCall(d: IrDataset, splitOf: (dataset: string, split: string) => string): string {
  const sources = (d.sources ?? []).map((s) => `{ split: ${splitOf(s.dataset, s.split)}, weight: ${number(s.weight)} }`);
  const options = [`name: ${stringLiteral(d.name)}`, `seed: ${scalar(d.args.seed as number)}`];
  if (d.args.held_out !== 0) options.push(`heldOut: ${scalar(d.args.held_out as number)}`, `heldOutName: "held_out"`);
  if (d.args.size !== 0) options.push(`size: ${scalar(d.args.size as number)}`);
  return `kd.data.mixture([${sources.join(", ")}], { ${options.join(", ")} })`;
}

/**
 * `generate(big, prompts: book.train, …)` → kd.data.generated over the prompt split and the
 * generator model (emitted after the models; the rows are decoded when a stage first reads them).
 */
export function generatedCall(d: IrDataset, splitOf: (dataset: string, split: string) => string, modelOf: (model: string) => string): string {
  const a = d.args;
  const options = [
    `name: ${stringLiteral(d.name)}`,
    `maxNewTokens: ${scalar(a.max_new_tokens as number)}`,
    `temperature: ${scalar(a.temperature as number)}`,
    `topK: ${scalar(a.top_k as number)}`,
    `seed: ${scalar(a.seed as number)}`,
    `promptTokens: ${scalar(a.prompt_tokens as number)}`,
    `batch: ${scalar(a.batch as number)}`,
  ];
  return `kd.data.generated(${splitOf(d.prompts!.dataset, d.prompts!.split)}, ${modelOf(d.generator!)}, { ${options.join(", ")} })`;
}
