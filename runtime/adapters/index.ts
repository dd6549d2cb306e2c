// Trainable modules a recipe applies to taps (`project(x, like: y)`); list them in a stage's
// `modules` to train them with the student. Each has `apply` and `variables`.
export { linear, LinearAdapter } from "./linear.js";
