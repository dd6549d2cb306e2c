// The models a recipe can declare. Each is a function (name, config, seed) → Model.
export { mlp, type MlpConfig, type Activation, type Mlp } from "./mlp.js";
