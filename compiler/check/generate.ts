// `dataset distilled = generate(big, prompts: book.train, max_new_tokens: 32, temperature: 0, seed: 1)`:
// teacher-generated data for sequence-level KD (Kim & Rush, 2016). Its one split, `distilled.train`,
// holds a row per prompt, `prompt ++ the generator's continuation`, with the prompt masked (−100)
// in the targets, so `lm_ce(small)` learns only the teacher's outputs. The rows are decoded when
// the first stage that reads the split starts; rules/generated-after-generator.ts checks that a
// stage training the generator runs before every such stage (KD3089).
import type { DatasetDeclaration } from "../../grammar/ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Builtin } from "./builtins.js";
import { intAtLeast, knownArg } from "./builtins-models.js";
import type { CheckState } from "./state.js";
import { errorType, type SplitInfo } from "./types.js";
import { isNumber } from "./values.js";

export const generateBuiltin: Builtin = {
  name: "generate",
  category: "dataset",
  doc: "Teacher-generated data for sequence-level KD: `generate(big, prompts: book.train, max_new_tokens: 32)` decodes, for every row of the token split `prompts`, up to `max_new_tokens` tokens from the language model `big` (a transformer trained by an earlier stage) and gives the split `train` of rows `prompt ++ continuation` (stopping at <eos>, right-padded to the prompt length + `max_new_tokens`), the prompt masked (−100) in the targets. The prompt of a row is its masked prompt (jsonl `prompt:`) or, otherwise, the row without its final <eos>; `prompt_tokens: N` keeps its first N tokens. `temperature: 0` decodes greedily; above 0 it samples, from the `top_k` most likely tokens (0: all), seeded by `seed`. `batch` prompts are decoded together. The rows are made when the first stage reading them starts, the same on every run.",
  params: [
    { name: "teacher", type: "model" },
    { name: "prompts", type: "split" },
    { name: "max_new_tokens", type: "int" },
    { name: "temperature", type: "number", default: 0 },
    { name: "top_k", type: "int", default: 0 },
    { name: "seed", type: "int", default: 0 },
    { name: "prompt_tokens", type: "int", default: 0 },
    { name: "batch", type: "int", default: 32 },
  ],
  result(args, ctx) {
    const maxNew = intAtLeast(args, "max_new_tokens", 1, ctx);
    const topK = intAtLeast(args, "top_k", 0, ctx);
    intAtLeast(args, "seed", 0, ctx);
    const promptTokens = intAtLeast(args, "prompt_tokens", 0, ctx);
    intAtLeast(args, "batch", 1, ctx);
    const temperature = knownArg(args, "temperature", ctx);
    const temperatureSpan = args.get("temperature")!.node?.span ?? ctx.call.span;
    if (isNumber(temperature) && temperature < 0)
      ctx.report(diagnostic("KD3008", temperatureSpan, { what: "`temperature`", value: `0 (greedy decoding) or positive (sampling), not ${temperature}` }));
    const teacher = args.get("teacher")!;
    const prompts = args.get("prompts")!;
    const teacherSpan = teacher.node?.span ?? ctx.call.span;
    const promptsSpan = prompts.node?.span ?? ctx.call.span;
    if (teacher.type.kind !== "model" || prompts.type.kind !== "split" || maxNew === undefined || topK === undefined || promptTokens === undefined) return { type: errorType };
    const model = teacher.type.info;
    const split = prompts.type.info;
    if (!model) return { type: errorType };
    const cannot = (why: string) => {
      ctx.report(diagnostic("KD3087", teacherSpan, { model: model.name, prompts: split.name, why }));
      return { type: errorType };
    };
    if (model.reads !== "tokens") return cannot(`\`${model.name}\` is not a language model (a \`transformer\`)`);
    // A transformer without a known context had its own error reported.
    if (model.context === undefined) return { type: errorType };
    if (split.kind !== "tokens") return cannot(`\`${split.name}\` holds ${split.kind ?? "feature vectors"}, not token rows`);
    // The runtime decodes from rows held in memory; these exist only batch by batch, or later.
    if (split.generator !== undefined || split.augmented) {
      ctx.report(diagnostic("KD4002", promptsSpan, { what: `generating from the ${split.augmented ? "augmented" : "generated"} split \`${split.name}\`` }));
      return { type: errorType };
    }
    if (split.vocab !== undefined && model.classes !== undefined && split.vocab > model.classes)
      return cannot(`\`${split.name}\` has token ids below ${split.vocab}, more than the vocabulary (${model.classes}) of \`${model.name}\``);
    if (split.context === undefined) return { type: errorType };
    const promptLength = promptTokens > 0 ? Math.min(promptTokens, split.context) : split.context;
    const context = promptLength + maxNew;
    if (context > model.context) {
      ctx.report(
        diagnostic("KD3088", args.get("max_new_tokens")!.node?.span ?? ctx.call.span, {
          model: model.name,
          context: model.context,
          prompt: promptLength,
          maxNew,
          room: model.context - promptLength,
        }),
      );
      return { type: errorType };
    }
    const dataset = ctx.declaredName ?? "generate";
    const info: SplitInfo = {
      name: `${dataset}.train`,
      dataset,
      split: "train",
      size: split.size,
      features: context,
      classes: 0,
      hasLabels: false,
      kind: "tokens",
      context,
      // The teacher's ids: everything it can emit.
      ...(model.classes !== undefined ? { vocab: model.classes } : {}),
      tokenizer: split.tokenizer ?? { owner: split.dataset, bpe: false },
      generator: model.name,
    };
    return { type: { kind: "dataset", splits: [info] } };
  },
};

/**
 * After a `dataset … = generate(m, …)` declaration is checked: a generator declared further down
 * is not typed yet (declarations are checked in order), so say so instead of failing silently (KD3090).
 */
export function checkGeneratorDeclaredFirst(decl: DatasetDeclaration, state: CheckState, report: (d: Diagnostic) => void): void {
  const call = decl.value;
  if (call.kind !== "CallExpression" || call.callee.kind !== "Identifier" || call.callee.name !== "generate") return;
  const first = call.args.find((a) => !a.name || a.name.name === "teacher")?.value;
  if (first?.kind !== "Identifier") return;
  const symbol = state.symbols.get(first);
  // A model declared earlier but missing from state.models failed its own check (already reported).
  if (symbol?.kind === "model" && !state.models.has(symbol.decl) && symbol.decl.span.start > decl.span.start)
    report(diagnostic("KD3090", first.span, { model: first.name, dataset: decl.name.name }));
}
