// Trainable modules a recipe applies to taps (`project(x, like: y)`); list them in a stage's
// `modules` to train them with the student. Each has `apply` and `variables`.
export { linear, LinearAdapter } from "./linear.js";
// Pipelines of layers: auxiliary `module`s and structured adapters (`project(…, via: …)`).
export { sequential, Sequential, type LayerSpec } from "./sequential.js";
