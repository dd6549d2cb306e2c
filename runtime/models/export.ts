// Export to the TensorFlow.js layers format (model.json + weights.bin), readable by
// tf.loadLayersModel and tensorflowjs_converter. Our models train on raw variables; for export we
// build the equivalent tf.sequential, copy the weights in, and let tfjs serialise the topology.
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { writeFileAtomic } from "../fs-atomic.js";

export const MODEL_JSON = "model.json";
export const WEIGHTS_BIN = "weights.bin";

/**
 * Serialises a layers model into `dir`: model.json then weights.bin, each written atomically.
 * `metadata` goes to model.json's `userDefinedMetadata` (kdc records its taps there, see load.ts).
 */
export async function saveLayersModel(model: tf.LayersModel, dir: string, generatedBy: string, metadata?: Record<string, {}>): Promise<void> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  if (!artifacts?.modelTopology || !artifacts.weightSpecs || artifacts.weightData === undefined) {
    throw new Error("tfjs produced no model artifacts");
  }
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology,
    format: "layers-model",
    generatedBy,
    convertedBy: null,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs }],
    ...(metadata ? { userDefinedMetadata: metadata } : {}),
  };
  // Weights first: a reader that finds model.json also finds the weights it points at.
  await writeFileAtomic(join(dir, WEIGHTS_BIN), weights);
  await writeFileAtomic(join(dir, MODEL_JSON), JSON.stringify(modelJson));
}
