// kdc's own save format, for architectures tf.layers cannot express (tfjs 4.22 has no attention
// layer): the same two files as the layers format, model.json + weights.bin, with
//
//   { "format": "kdc-model", "formatVersion": 1, "generatedBy": "...",
//     "kdcModel": { "kind": "transformer", "name": "lm", "config": { ...the builder's config } },
//     "weightsManifest": [{ "paths": ["weights.bin"], "weights": [{ "name", "shape", "dtype" }, ...] }] }
//
// weights.bin holds every variable (the model's `variableNames`, in order) as little-endian
// float32, exactly as tf.io.encodeWeights lays them out. `load(dir)` rebuilds the model from kind
// and config and assigns the weights by name.
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { writeFileAtomic } from "../fs-atomic.js";
import { MODEL_JSON, WEIGHTS_BIN } from "./export.js";

export const KDC_MODEL_FORMAT = "kdc-model";

export interface KdcModelJson {
  readonly format: typeof KDC_MODEL_FORMAT;
  readonly formatVersion: 1;
  readonly generatedBy: string;
  readonly kdcModel: { readonly kind: string; readonly name: string; readonly config: unknown };
  readonly weightsManifest: tf.io.WeightsManifestConfig;
}

/** Writes weights.bin then model.json (each atomically) for a model in kdc's format. */
export async function saveKdcModel(
  dir: string,
  model: { readonly kind: string; readonly name: string; readonly config: unknown },
  names: readonly string[],
  variables: readonly tf.Variable[],
  generatedBy: string,
): Promise<void> {
  const { data, specs } = await tf.io.encodeWeights(variables.map((tensor, i) => ({ name: names[i]!, tensor })));
  const json: KdcModelJson = {
    format: KDC_MODEL_FORMAT,
    formatVersion: 1,
    generatedBy,
    kdcModel: { kind: model.kind, name: model.name, config: model.config },
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: specs }],
  };
  await writeFileAtomic(join(dir, WEIGHTS_BIN), new Uint8Array(data));
  await writeFileAtomic(join(dir, MODEL_JSON), JSON.stringify(json));
}
