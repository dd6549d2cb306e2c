// Test fixture: a recipe in canonical form that uses every construct of the grammar, the newer
// ones (recipes, stage instantiation, modules, run blocks, trainable teachers, references,
// clip/steps/accumulate/freeze, several evaluation splits, best checkpoints, `>>`, `10%`,
// comprehensions) included. print(parse(EVERY_CONSTRUCT)) must give it back byte for byte.
export const EVERY_CONSTRUCT = `// Every construct of the .kd grammar.
import { hinton, fitnet } from "std/kd"

/// Execution settings for the whole recipe.
run { backend: wasm, threads: 2, precision: float32 }

/// Distillation temperature.
param T: float = 4

dataset digits = mnist(train: 8000, test: 2000, seed: 7)

dataset prefs = preferences("data/prefs.jsonl")

model big = mlp(input: 784, hidden: [1200, 1200], classes: 10, dropout: 0.3)

model small = mlp(input: 784, hidden: [32], classes: 10)

/// A trainable adapter: a 1×1 convolution, then batch norm and ReLU.
module adapter = conv(kernel: 1) >> batchnorm >> relu

loss layers(s: model, t: model, n: int = 3) =
  sum over i in 0..n { fitnet(s.block[i], project(t.block[i], like: s.block[i], via: adapter)) }

/// A reusable stage body: add epochs, optimizer and so on where it is used.
recipe distill_with(student: model, teacher: model, data: split, T: scalar = 4) {
  train student on data
  teacher teacher
  minimize hinton(student, teacher, T: T)
}

recipe empty() {}

stage teach {
  train big on digits.train
  steps 500
  batch 128
  seed 1
  clip 1.0
  accumulate 8 by tokens
  run { threads: 1, precision: float16 }
  optimizer adam(lr: cosine(from: 1e-3, to: 1e-5, warmup: 10%))
  minimize ce(big.logits, batch.label)
  evaluate on digits.val, digits.test every 1 epoch { accuracy(top: 5), ece }
  checkpoint best by accuracy on digits.val keep 2
}

/// Instantiates the recipe without adding to it.
stage quick after teach = distill_with(small, big, digits.train)

stage distill after teach, quick = distill_with(small, big, digits.train, T: T) {
  teacher big trainable, other
  epochs 20
  batch 128
  accumulate 4 by examples
  freeze small.hidden[0]
  let w = min(epoch / 20, 1) * mean over j in 0..2 { T ^ j } + step / 3 epochs
  evaluate on digits.test every 5 epochs { accuracy, agreement(big) }
  checkpoint every 1 epoch best by ece on digits.val min keep 3
}

stage prefer after distill {
  train small on prefs.train
  reference ref = small
  epochs 1
  batch 32
  accumulate 2
  freeze small
  optimizer adam(lr: 1e-4)
  minimize dpo(small, ref, beta: 0.1)
  checkpoint best by reward_margin on prefs.val max
}

stage free after distill {
  train small on prefs.train
  reference none
  epochs 1
  batch 32
  optimizer adam(lr: 1e-4)
  minimize simpo(small, beta: 2)
  export small to "student"
}
`;
