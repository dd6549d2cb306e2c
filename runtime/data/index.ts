// The datasets a recipe can declare. Each returns its named splits. Tokenizers live in
// runtime/tokenizers and are re-exported here (kd.data.charTokenizer, kd.data.trainBpe, …).
export { mnist, type MnistOptions, type MnistSplits } from "./mnist.js";
export { spamAssassin, SPAM_CLASSES, SPAM_GROUPS, type SpamAssassinOptions, type SpamAssassinSplits, type SpamGroup } from "./spam-assassin.js";
export { mobyDick, type MobyDickOptions, type MobyDickSplits } from "./moby-dick.js";
export { csv, type CsvOptions } from "./csv.js";
export { jsonl, type JsonlOptions } from "./jsonl.js";
export { text, type TextOptions } from "./text-file.js";
export { preferences, type PreferenceOptions } from "./preferences.js";
export { mixture, type MixtureOptions, type MixtureSource, type MixtureSplits } from "./mixture.js";
export { transformed, AugmentedSplit, type Transform, type TransformOptions } from "./transforms.js";
export type { FileSplits, FileSplitOptions, TextInputOptions } from "./files.js";
export type { TokenizerChoice } from "./text.js";
export { disposeBatch, IGNORE } from "./memory-split.js";
export * from "../tokenizers/index.js";
export { generated, GeneratedSplit, promptOf, type GeneratedOptions, type GeneratedSplits } from "./generated.js";
