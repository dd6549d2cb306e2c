// The models a recipe can declare. Each is a function (name, config, seed) → Model (docs/models.md).
export { mlp, type MlpConfig, type Activation, type Mlp } from "./mlp.js";
export { cnn, type CnnConfig, type Cnn } from "./cnn.js";
export { resnet, type ResnetConfig, type Resnet } from "./resnet.js";
export { transformer, type TransformerConfig, type Transformer } from "./transformer.js";
export { decode, type DecodeOptions } from "./decode.js";
export { moe, type MoeConfig, type MoeOutputs, type Moe } from "./moe.js";
export { load, describeSavedModel, type LoadConfig, type LoadedLayersModel } from "./load.js";
export { describeModelJson, type SavedModelInfo } from "./saved-model-info.js";
