// The datasets a recipe can declare. Each returns its named splits.
export { mnist, type MnistOptions, type MnistSplits } from "./mnist.js";
