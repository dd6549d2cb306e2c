// Types a saved TensorFlow.js layers model from its model.json, so that a loaded teacher is checked
// like a declared one: input width, hidden widths and class count. Supports Sequential stacks of
// Dense layers (what kdc's own `export` writes for an mlp, and what Keras converts for an MLP).
import type { ModelDeclaration } from "../../grammar/ast.js";
import type { ModelInfo } from "./types.js";

/** `model t = load("dir")`: it arrives trained, and the runtime keeps it frozen. */
export function isLoadedModel(model: ModelDeclaration): boolean {
  const v = model.value;
  return v.kind === "CallExpression" && v.callee.kind === "Identifier" && v.callee.name === "load";
}

export type TopologyResult = { readonly info: ModelInfo } | { readonly problem: string };

interface LayerJson {
  readonly class_name?: string;
  readonly config?: { readonly units?: number; readonly batch_input_shape?: readonly (number | null)[]; readonly batchInputShape?: readonly (number | null)[] };
}

const IGNORED = new Set(["Dropout", "InputLayer", "Activation", "Flatten"]);

export function modelInfoFromTopology(name: string, text: string): TopologyResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { problem: "its model.json is not valid JSON" };
  }
  const topology = (json as { modelTopology?: { class_name?: string; config?: unknown; model_config?: unknown } }).modelTopology;
  const model = (topology?.model_config ?? topology) as { class_name?: string; config?: { layers?: LayerJson[] } | LayerJson[] } | undefined;
  if (!model) return { problem: "its model.json has no `modelTopology` (is it a graph model? only layers models can be loaded)" };
  if (model.class_name !== "Sequential") return { problem: `its topology is a \`${model.class_name ?? "?"}\`; only Sequential models can be loaded so far` };
  const layers = Array.isArray(model.config) ? model.config : model.config?.layers ?? [];
  const dense: number[] = [];
  let input: number | undefined;
  for (const layer of layers) {
    const shape = layer.config?.batch_input_shape ?? layer.config?.batchInputShape;
    if (shape && input === undefined) {
      if (shape.length !== 2 || typeof shape[1] !== "number") return { problem: `its input shape [${shape.map((d) => d ?? "null").join(", ")}] is not [batch, features]` };
      input = shape[1];
    }
    if (layer.class_name === "Dense") {
      if (typeof layer.config?.units !== "number") return { problem: "a Dense layer has no `units`" };
      dense.push(layer.config.units);
    } else if (!IGNORED.has(layer.class_name ?? "")) {
      return { problem: `it has a \`${layer.class_name ?? "?"}\` layer; only Dense stacks can be loaded so far` };
    }
  }
  if (input === undefined) return { problem: "its first layer declares no input shape" };
  if (dense.length === 0) return { problem: "it has no Dense layer" };
  return { info: { name, builtin: "load", input, classes: dense[dense.length - 1]!, hidden: dense.slice(0, -1) } };
}
