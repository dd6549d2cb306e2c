// `freeze m.part`: the variables of a model part, named by the tap those weights compute. The
// parts follow each architecture's variable names (docs/models.md):
//
//   mlp          hidden[i] → dense_<i>/…            logits → the last dense layer
//   cnn          block[i]  → block_<i>/conv/…       hidden[i] → hidden_<i>/…     logits → logits/…
//   resnet       block[i]  → stage_<i>/… (every residual block of stage i)       logits → logits/…
//   transformer  embedding → tok_emb, pos_emb       block[i] → block_<i>/…
//                attention[i] → block_<i>/attn/…    logits → ln_f/…, head/… (tied: the output
//                                                   projection is tok_emb, frozen with `embedding`)
import type * as tf from "@tensorflow/tfjs";
import type { Model, ModelPart, StageSpec } from "../program.js";
import { KdcRuntimeError } from "../errors.js";
import { variableNamesOf } from "./holders.js";

export function partLabel(part: ModelPart): string {
  return part.index === undefined ? part.tap : `${part.tap}[${part.index}]`;
}

/** Name prefixes (ending in `/`) or exact names of a part's variables, or undefined for a part the kind lacks. */
function namesOf(model: Model, names: readonly string[], part: ModelPart): string[] | undefined {
  const i = part.index;
  const listed = (prefix: string) => (i === undefined ? undefined : [`${prefix}_${i}/`]);
  switch (model.kind) {
    case "mlp": {
      const layers = names.filter((n) => n.endsWith("/kernel")).length;
      if (part.tap === "hidden") return i !== undefined && i < layers - 1 ? [`dense_${i}/`] : undefined;
      if (part.tap === "logits") return [`dense_${layers - 1}/`];
      return undefined;
    }
    case "cnn":
      if (part.tap === "block") return listed("block");
      if (part.tap === "hidden") return listed("hidden");
      if (part.tap === "logits") return ["logits/"];
      return undefined;
    case "resnet":
      if (part.tap === "block") return listed("stage");
      if (part.tap === "logits") return ["logits/"];
      return undefined;
    case "transformer":
      if (part.tap === "embedding") return ["tok_emb", "pos_emb"];
      if (part.tap === "block") return listed("block");
      if (part.tap === "attention") return i === undefined ? undefined : [`block_${i}/attn/`];
      if (part.tap === "logits") return ["ln_f/", "head/"];
      return undefined;
    default:
      return undefined;
  }
}

/** The variables of `part` of `model` (trainable or not); an error when it names nothing. */
export function partVariables(model: Model, part: ModelPart): tf.Variable[] {
  const names = variableNamesOf(model);
  const wanted = namesOf(model, names, part);
  const found = wanted ? model.variables.filter((_, k) => wanted.some((w) => (w.endsWith("/") ? names[k]!.startsWith(w) : names[k] === w))) : [];
  if (found.length === 0) {
    throw new KdcRuntimeError(`cannot freeze '${model.name}.${partLabel(part)}': a ${model.kind} model has no such part`, "see docs/models.md for each architecture's taps");
  }
  return found;
}

/** Every variable of the stage's trained model that `freeze` keeps out of the optimizer. */
export function frozenVariablesOf(stage: StageSpec): Set<tf.Variable> {
  return new Set((stage.freeze ?? []).flatMap((part) => partVariables(stage.train, part)));
}
