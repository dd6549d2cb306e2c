// The catalogue: every diagnostic code, its severity, message, help and long explanation.
// Codes are stable: KD0xxx lexer, KD1xxx parser, KD2xxx names, KD3xxx types and shapes,
// KD4xxx lowering, KD9xxx tool. Never reuse a retired code.

type Severity = "error" | "warning";

interface Entry<A> {
  readonly severity: Severity;
  /** A few words, for the generated reference (docs/diagnostics.md). */
  readonly title: string;
  readonly message: (args: A) => string;
  readonly help?: (args: A) => string | undefined;
  /** What `kdc explain CODE` prints: why this is a mistake and how to fix it, with an example. */
  readonly explanation: string;
}

const entry = <A = Record<string, never>>(e: Entry<A>): Entry<A> => e;

const didYouMean = (s: string | undefined): string | undefined => (s ? `did you mean \`${s}\`?` : undefined);

export const catalogue = {
  // ── lexer ──
  KD0001: entry<{ text: string }>({
    severity: "error",
    title: "unexpected character",
    message: (a) => `unexpected character \`${a.text}\``,
    help: () => "remove it; `.kd` uses `//` and `/* */` for comments",
    explanation: `The lexer found a character that cannot start any token of the language.

    model m = mlp(input: 784, hidden: [32], classes: 10) @

Remove the character. Comments start with \`//\` (or \`///\` for documentation) or are
enclosed in \`/* … */\`.`,
  }),
  KD0002: entry({
    severity: "error",
    title: "unterminated string",
    message: () => "this string is never closed",
    help: () => 'close it with `"` on the same line',
    explanation: `A string literal must end with a double quote on the same line.

    export small to "runs/mnist/student      // missing closing quote

Use \\n inside the string for a line break.`,
  }),
  KD0003: entry({
    severity: "error",
    title: "unterminated block comment",
    message: () => "this block comment is never closed",
    help: () => "close it with `*/`",
    explanation: `A \`/*\` comment runs until the next \`*/\`. None was found before the end of the file.`,
  }),

  // ── parser ──
  KD1001: entry<{ expected: string; found: string }>({
    severity: "error",
    title: "unexpected token",
    message: (a) => `expected ${a.expected}, found ${a.found}`,
    explanation: `The parser expected one kind of token and found another. The message names both.

    stage distill after {        // expected a stage name after \`after\`

Check the line for a missing name, comma, bracket or keyword. The language reference
(docs/language.md) shows the form of every construct.`,
  }),
  KD1002: entry<{ what: string }>({
    severity: "error",
    title: "unclosed bracket",
    message: (a) => `this ${a.what} is never closed`,
    explanation: `An opening \`(\`, \`[\` or \`{\` has no matching closing bracket.`,
  }),

  // ── names ──
  KD2001: entry<{ name: string; what: string; suggestion?: string }>({
    severity: "error",
    title: "unknown name",
    message: (a) => `unknown ${a.what} \`${a.name}\``,
    help: (a) => didYouMean(a.suggestion),
    explanation: `A name is used that no declaration, import or built-in provides.

    minimize hintom(small, big)    // unknown loss \`hintom\`; did you mean \`hinton\`?

Declare it, import it (\`import { hinton } from "std/kd"\`), or fix the spelling.`,
  }),
  KD2002: entry<{ name: string }>({
    severity: "error",
    title: "duplicate declaration",
    message: (a) => `\`${a.name}\` is declared more than once`,
    help: () => "rename one of them",
    explanation: `Two declarations in one scope have the same name. Every model, dataset, param, loss,
stage and import in a file shares one namespace; a \`let\` shares its stage's.

    model small = mlp(input: 784, hidden: [32], classes: 10)
    model small = mlp(input: 784, hidden: [64], classes: 10)   // error`,
  }),
  KD2008: entry<{ name: string; what: string }>({
    severity: "error",
    title: "cannot be imported",
    message: (a) => `\`${a.name}\` is a ${a.what}; only \`loss\` and \`recipe\` definitions can be imported`,
    help: () => "declare datasets, models, params and stages in the recipe that trains them",
    explanation: `A recipe library shares objectives (\`loss\` definitions) and reusable stage bodies
(\`recipe\` definitions). Datasets, models and stages belong to the recipe that runs them.`,
  }),
  KD2003: entry<{ path: string }>({
    severity: "error",
    title: "import not found",
    message: (a) => `cannot find the recipe library \`${a.path}\``,
    help: () =>
      "`std/…` names the library shipped with kdc, `./…` a file relative to this one, and a bare name a package in node_modules",
    explanation: `An import names a file that does not exist.

    import { hinton } from "std/kdd"     // std/kdd.kd does not exist

\`std/NAME\` resolves to recipes/std/NAME.kd inside kdc; \`./x\` and \`../x\` to x.kd relative
to the importing file.`,
  }),
  KD2004: entry<{ name: string; path: string; suggestion?: string }>({
    severity: "error",
    title: "name not exported",
    message: (a) => `\`${a.path}\` has no declaration \`${a.name}\``,
    help: (a) => didYouMean(a.suggestion),
    explanation: `An import asks for a name that the imported file does not declare.

    import { hintn } from "std/kd"`,
  }),
  KD2005: entry<{ cycle: string }>({
    severity: "error",
    title: "import cycle",
    message: (a) => `import cycle: ${a.cycle}`,
    help: () => "move the shared declarations into a third file that both import",
    explanation: `Files import each other in a loop, so neither can be resolved first.`,
  }),
  KD2006: entry<{ name: string; suggestion?: string }>({
    severity: "error",
    title: "unknown stage",
    message: (a) => `\`after\` names \`${a.name}\`, which is not a stage`,
    help: (a) => didYouMean(a.suggestion),
    explanation: `\`stage B after A\` requires a stage \`A\` in the same recipe.`,
  }),
  KD2007: entry<{ name: string; owner: string; available: string; suggestion?: string }>({
    severity: "error",
    title: "unknown member",
    message: (a) => `\`${a.owner}\` has no member \`${a.name}\``,
    help: (a) => didYouMean(a.suggestion) ?? `available: ${a.available}`,
    explanation: `A member access names something the value does not have. Models have taps
(\`m.logits\`, \`m.hidden[i]\`), datasets have splits (\`digits.train\`), and the batch has
fields (\`batch.label\`).`,
  }),

  // ── types and shapes ──
  KD3001: entry<{ name: string; callee: string; signature: string; suggestion?: string }>({
    severity: "error",
    title: "unknown argument",
    message: (a) => `\`${a.callee}\` takes no argument \`${a.name}\``,
    help: (a) => (a.suggestion ? `did you mean \`${a.suggestion}\`? ` : "") + `the signature is \`${a.signature}\``,
    explanation: `A call passes a named argument that the function does not take. kdc never
ignores an argument silently: a misspelt \`alpah: 0.5\` would otherwise leave \`alpha\` at
its default and change the experiment without a word.`,
  }),
  KD3002: entry<{ name: string; callee: string; signature: string }>({
    severity: "error",
    title: "missing argument",
    message: (a) => `\`${a.callee}\` needs the argument \`${a.name}\``,
    help: (a) => `the signature is \`${a.signature}\``,
    explanation: `A required argument of a call was not given, by position or by name.`,
  }),
  KD3003: entry<{ callee: string; expected: number; found: number; signature: string }>({
    severity: "error",
    title: "too many arguments",
    message: (a) => `\`${a.callee}\` takes ${a.expected} argument${a.expected === 1 ? "" : "s"}, but ${a.found} were given`,
    help: (a) => `the signature is \`${a.signature}\``,
    explanation: `A call passes more positional arguments than the function has parameters.`,
  }),
  KD3004: entry<{ expected: string; found: string; context: string }>({
    severity: "error",
    title: "type mismatch",
    message: (a) => `${a.context} expects ${a.expected}, found ${a.found}`,
    explanation: `A value of one type is used where another is required.

    train digits on small        // \`train\` expects a model, found a dataset

Every value in a recipe has a type the checker knows: model, dataset, split, tensor with a
shape, scalar, schedule, duration (\`200 steps\`), string, list, loss.`,
  }),
  KD3005: entry<{ student: string; teacher: string; studentClasses: string; teacherClasses: string }>({
    severity: "error",
    title: "class count mismatch",
    message: (a) =>
      `the student's logits have ${a.studentClasses} classes but the teacher's have ${a.teacherClasses}`,
    help: () => "distil between models with the same `classes`, or compare intermediate features through `project(…)`",
    explanation: `A distillation loss compares the student's and the teacher's class distributions
element by element, so both must have the same number of classes.

    model big   = mlp(input: 784, hidden: [1200], classes: 1000)
    model small = mlp(input: 784, hidden: [32], classes: 10)
    minimize kd(small.logits, big.logits)     // 10 against 1000`,
  }),
  KD3006: entry<{ split: string }>({
    severity: "error",
    title: "no labels",
    message: (a) => `\`${a.split}\` has no labels, so \`batch.label\` is not available`,
    help: () => "train on a labelled split, or use a label-free objective such as `kd(…)` against a teacher",
    explanation: `Cross-entropy against \`batch.label\` needs a split whose examples carry labels. An
unlabelled transfer split (for example \`mnist(…, unlabeled: 5000).unlabeled\`) has inputs only:
distil on it with a teacher instead.`,
  }),
  KD3007: entry<{ context: string; expected: string; found: string }>({
    severity: "error",
    title: "shape mismatch",
    message: (a) => `${a.context}: expected a tensor of shape ${a.expected}, found ${a.found}`,
    explanation: `Tensor shapes are checked symbolically: \`[B, 10]\` is a batch of 10-vectors. Two
tensors combined element by element must have the same shape.`,
  }),
  KD3008: entry<{ what: string; value: string }>({
    severity: "error",
    title: "value out of range",
    message: (a) => `${a.what} must be ${a.value}`,
    explanation: `A number is outside the range that makes sense for it: a temperature must be positive,
an epoch count at least 1, a dropout rate in [0, 1).`,
  }),
  KD3009: entry<{ stage: string; setting: string }>({
    severity: "error",
    title: "missing stage setting",
    message: (a) => `stage \`${a.stage}\` has no \`${a.setting}\``,
    help: (a) => `add ${/^[aeiou]/.test(a.setting) ? "an" : "a"} \`${a.setting}\` line to the stage`,
    explanation: `Every stage needs \`train MODEL on SPLIT\`, its length (\`epochs N\` or \`steps N\`), \`batch N\`,
\`optimizer …\` and \`minimize OBJECTIVE\`.`,
  }),
  KD3010: entry<{ setting: string }>({
    severity: "error",
    title: "setting given twice",
    message: (a) => `\`${a.setting}\` is given more than once in this stage`,
    help: () => "keep one",
    explanation: `A stage setting such as \`epochs\` or \`optimizer\` may appear once per stage.`,
  }),
  KD3011: entry<{ cycle: string }>({
    severity: "error",
    title: "stage cycle",
    message: (a) => `stages depend on each other in a cycle: ${a.cycle}`,
    explanation: `\`after\` must form a pipeline: a stage cannot run after itself, directly or through
other stages.`,
  }),
  KD3012: entry<{ model: string }>({
    severity: "error",
    title: "teacher is the student",
    message: (a) => `\`${a.model}\` is both trained and used as a frozen teacher in this stage`,
    explanation: `A stage's teacher is frozen while the trained model changes, so one model cannot be both.`,
  }),
  KD3013: entry<{ name: string; expected: string; found: string }>({
    severity: "error",
    title: "bad parameter override",
    message: (a) => `\`--set ${a.name}\` expects ${a.expected}, found \`${a.found}\``,
    explanation: `A \`--set name=value\` on the command line must name a \`param\` of the recipe and give
a value of its declared type.`,
  }),
  KD3014: entry<{ model: string }>({
    severity: "warning",
    title: "unused teacher",
    message: (a) => `teacher \`${a.model}\` is never used by this stage's objective or metrics`,
    help: () => "remove it from `teacher`, or use it in `minimize`",
    explanation: `A teacher that nothing reads still costs a forward pass per step (unless kdc drops
it) and usually means the objective does not say what was intended.`,
  }),
  KD3015: entry<{ model: string; stage: string }>({
    severity: "error",
    title: "model not trained by an earlier stage",
    message: (a) => `stage \`${a.stage}\` uses \`${a.model}\` as a teacher, but no earlier stage trains it`,
    help: (a) => `add \`after\` naming the stage that trains \`${a.model}\`, or load trained weights`,
    explanation: `A teacher must be trained before a stage distils from it: some stage that this stage
runs after (directly or through others) must \`train\` it.`,
  }),
  KD3016: entry<{ name: string; expected: string; found: string }>({
    severity: "error",
    title: "param default of the wrong type",
    message: (a) => `param \`${a.name}\` is declared ${a.expected} but its value is ${a.found}`,
    explanation: `A \`param\`'s default value must have its declared type (\`int\`, \`float\`, \`bool\`, \`string\`).`,
  }),

  KD3017: entry<{ model: string; stage: string }>({
    severity: "error",
    title: "model not in the stage",
    message: (a) => `\`${a.model}\` is neither trained nor a teacher in stage \`${a.stage}\``,
    help: (a) => `add \`teacher ${a.model}\` to the stage`,
    explanation: `An objective or metric may read only the stage's trained model and its declared
teachers. Declaring a teacher is what makes kdc freeze it and keep its forward pass off the
gradient tape.

    stage distill after teach {
      train small on digits.train
      minimize kd(small.logits, big.logits)    // \`big\` needs \`teacher big\``,
  }),
  KD3018: entry<{ what: string; length: string; stage: string; stageSteps: number }>({
    severity: "error",
    title: "longer than its stage",
    message: (a) => `${a.what} lasts ${a.length}, but stage \`${a.stage}\` has only ${a.stageSteps} steps`,
    help: () => "shorten it, or train the stage for longer",
    explanation: `A warm-up or schedule that does not finish before its stage ends never reaches its
target value: with a 500-step warm-up in a 300-step stage the learning rate never peaks.
Stage length is epochs × ceil(split size / batch).`,
  }),
  KD3019: entry<{ name: string; callee: string }>({
    severity: "error",
    title: "argument given twice",
    message: (a) => `the argument \`${a.name}\` of \`${a.callee}\` is given more than once`,
    explanation: `Each parameter takes one argument, by position or by name, not both.`,
  }),
  KD3020: entry<{ name: string }>({
    severity: "error",
    title: "recursive loss",
    message: (a) => `the loss \`${a.name}\` calls itself`,
    explanation: `Loss definitions are expanded where they are used, so they cannot call themselves,
directly or through other losses.`,
  }),
  KD3021: entry<{ name: string; place: string }>({
    severity: "error",
    title: "built-in used in the wrong place",
    message: (a) => `\`${a.name}\` can only be used in ${a.place}`,
    explanation: `Each built-in belongs to one kind of place: datasets such as \`mnist(…)\` in a
\`dataset\` declaration, models such as \`mlp(…)\` in a \`model\` declaration, optimisers in
\`optimizer\`, metrics in \`evaluate\`, loss primitives in objectives.`,
  }),
  KD3022: entry<{ name: string; types: string }>({
    severity: "error",
    title: "unknown type",
    message: (a) => `unknown type \`${a.name}\``,
    help: (a) => `the types are ${a.types}`,
    explanation: `A \`param\` or \`loss\` parameter names a type the language does not have.`,
  }),
  KD3023: entry<{ what: string; expected: string }>({
    severity: "error",
    title: "wrong unit",
    message: (a) => `${a.what} must be ${a.expected}`,
    explanation: `Durations carry units (\`200 steps\`, \`2 epochs\`), and some settings accept only
one of them: \`evaluate … every\` and \`checkpoint every\` count whole epochs or steps, never a
fraction or a share of the stage (\`%\`).`,
  }),

  KD3024: entry<{ path: string; problem: string }>({
    severity: "error",
    title: "cannot load model",
    message: (a) => `cannot load the model at \`${a.path}\`: ${a.problem}`,
    help: () => "point `load(…)` at a folder written by `export` (model.json + weights.bin), relative to this recipe",
    explanation: `\`load("dir")\` reads a saved TensorFlow.js layers model when the recipe is checked, so a
loaded teacher is typed like a declared one (its input width, hidden widths and class count come
from model.json). The folder must exist when you run \`kdc check\`, and its topology must be one kdc
can type: today, a Sequential stack of Dense layers (what \`export\` writes for an \`mlp\`).

    model teacher = load("../runs/mnist-hinton/student")`,
  }),

  KD3025: entry<{ name: string; expected: string }>({
    severity: "error",
    title: "recipe argument of the wrong kind",
    message: (a) => `the recipe parameter \`${a.name}\` is used where ${a.expected} is required`,
    help: () => "pass a name (a model, a split) for parameters used in `train`, `teacher` or `export`",
    explanation: `A \`recipe\` is expanded into the stage that uses it, its parameters replaced by the
arguments. A parameter used as \`train student on data\` must receive a model name and a split.`,
  }),
  KD3026: entry<{ setting: string; value: string; reason: string }>({
    severity: "error",
    title: "setting the runtime cannot honour",
    message: (a) => `\`${a.setting}: ${a.value}\` cannot be honoured by the TensorFlow.js runtime: ${a.reason}`,
    explanation: `\`run { … }\` settings are checked against what the selected runtime can do. A setting
it cannot honour is an error rather than a silent no-op, so a recipe written for another runtime
(mixed precision, data parallelism) says clearly what would change here.`,
  }),
  KD3027: entry<{ name: string; available: string; suggestion?: string }>({
    severity: "error",
    title: "unknown run setting",
    message: (a) => `\`run\` has no setting \`${a.name}\``,
    help: (a) => (a.suggestion ? `did you mean \`${a.suggestion}\`?` : `the settings are ${a.available}`),
    explanation: `\`run { … }\` takes: backend (wasm, cpu, tensorflow), threads, precision (float32,
float16, bfloat16, mixed), strategy (single, data_parallel), devices.`,
  }),
  KD3028: entry<{ split: string }>({
    severity: "warning",
    title: "model selection on the test split",
    message: (a) => `the best checkpoint is chosen on \`${a.split}\`, a test split`,
    help: () => "choose on a validation split; a test score used for selection no longer measures generalisation",
    explanation: `Selecting the best checkpoint by a metric on the test split leaks the test set into
training decisions: the reported test score becomes optimistic.`,
  }),

  KD3029: entry<{ detail: string }>({
    severity: "error",
    title: "model does not fit its data",
    message: (a) => a.detail,
    help: () => "match the model's input (`input`, `context`, `vocab`) to the split it reads",
    explanation: `A model reads the batches of the split it is trained or evaluated on, and of the split
its student trains on when it is a teacher. An mlp or cnn reads feature vectors of its \`input\`
width; a transformer reads token ids, whose sequences must fit its \`context\` and whose ids must
be below its \`vocab\`.

    model m = mlp(input: 784, classes: 10)
    stage s { train m on text.train … }       // token ids, not 784 features`,
  }),

  KD3030: entry<{ split: string; callee: string }>({
    severity: "error",
    title: "no preference pairs",
    message: (a) => `\`${a.split}\` has no preference pairs, which \`${a.callee}\` needs`,
    help: () => "train on a `preferences(…)` split (prompt, chosen, rejected)",
    explanation: `The preference losses (\`dpo\`, \`simpo\`, \`adpo\`) compare the policy's log-probabilities of a chosen and a rejected
response to one prompt, so its batches must come from a preference split.`,
  }),
  KD3031: entry<Record<string, never>>({
    severity: "error",
    title: "preference loss without a reference",
    message: () => "`dpo` has no reference model",
    help: () => "declare one in the stage (`reference ref = policy`) and pass it (`dpo(policy, ref)`), or write `reference none` for reference-free DPO",
    explanation: `DPO measures the policy against a frozen reference. Dropping the reference changes the
objective (reference-free DPO, as SimPO-like methods do), so kdc accepts it only when written:

    stage align {
      train policy on prefs.train
      reference ref = policy           // a frozen snapshot taken when the stage starts
      minimize dpo(policy, ref, beta: 0.1)
    }`,
  }),

  KD3032: entry<{ split: string; callee: string }>({
    severity: "error",
    title: "no token sequences",
    message: (a) => `\`${a.callee}\` needs token sequences, but \`${a.split}\` has none`,
    help: () => "train on a token split such as `moby_dick(…)` or `text(…)`",
    explanation: `Next-token losses (\`lm_ce\`, \`token_kd\`, \`token_reverse_kl\`, \`token_jsd\`, \`token_tvd\`) compare each position's prediction with the
following token of the batch, so the stage must train on a split of token sequences.`,
  }),

  // ── tensor operations and schedules (KD3047–KD3053) ──
  KD3047: entry<{ axis: string; callee: string; problem: string; shape: string; rank: number }>({
    severity: "error",
    title: "bad axis",
    message: (a) => `the axis ${a.axis} of \`${a.callee}\` ${a.problem}`,
    help: (a) =>
      a.rank === 0
        ? `${a.shape} is a scalar and has no axes`
        : `a tensor ${a.shape} has axes 0..${a.rank - 1}, or -${a.rank}..-1 counted from the end`,
    explanation: `Tensor operations that reduce or normalise along an axis (\`mean\`, \`sum\`, \`normalize\`,
\`pearson\`) take the axis by position: 0 is the batch axis, -1 the last. The axis must exist in the
tensor's shape, which the checker knows symbolically, and a list of axes must not repeat one.

    loss l(s: model, t: model) = mse(normalize(s.hidden[0], axis: 2), t.hidden[0])   // [B, 32] has axes 0 and 1

Use \`axis: -1\` for the feature axis, or leave \`axis\` out of \`mean\` and \`sum\` to reduce every axis.`,
  }),
  KD3048: entry<{ callee: string; options: string }>({
    severity: "error",
    title: "exactly one of these arguments",
    message: (a) => `\`${a.callee}\` takes exactly one of ${a.options}`,
    help: () => "keep the one that states what you mean and remove the others",
    explanation: `Some built-ins can be described in two equivalent ways and take exactly one of them:
\`exp(from: 1e-3, to: 1e-5)\` (the value at the end of the stage) or \`exp(from: 1e-3, gamma: 0.99)\`
(the factor per step). Giving both would be contradictory, giving neither leaves the schedule
undefined.`,
  }),
  // Modules and structured adapters (pipelines of layers): KD3054–KD3060.
  KD3054: entry<{ name: string; layers: string; suggestion?: string }>({
    severity: "error",
    title: "unknown layer",
    message: (a) => `unknown layer \`${a.name}\``,
    help: (a) => didYouMean(a.suggestion) ?? `the layers are ${a.layers}`,
    explanation: `A \`module\`'s value and \`project\`'s \`via:\` are pipelines of layers joined by \`>>\`:

    module head = linear(out: 64) >> relu >> linear(out: 10)
    project(s.block[0], like: t.block[0], via: conv(kernel: 1) >> batchnorm >> relu)

Each step must be one of the built-in layers (written bare, \`relu\`, or called with its arguments,
\`linear(out: 64)\`).`,
  }),
  KD3055: entry<{ layer: string; expected: string; found: string }>({
    severity: "error",
    title: "layer applied to the wrong rank",
    message: (a) => `\`${a.layer}\` reads ${a.expected}, but here it gets ${a.found}`,
    help: (a) =>
      a.layer === "linear"
        ? "flatten first (`flatten >> linear(…)`), or use `conv(kernel: 1, …)` on [B, H, W, C] taps"
        : "conv and pooling layers read images [B, H, W, C]; dense layers (`linear`) read [B, F]",
    explanation: `Shapes are inferred layer by layer from the tensor a pipeline is applied to. \`linear\`
reads feature rows [B, F]; \`conv\` and \`avg_pool\` read images [B, H, W, C]; \`batchnorm\` reads
either; activations and \`flatten\` read anything.`,
  }),
  KD3056: entry<{ layer: string; why: string }>({
    severity: "error",
    title: "layer width cannot be inferred",
    message: (a) => `\`${a.layer}\` needs \`out\`: ${a.why}`,
    help: (a) => `write it, e.g. \`${a.layer === "conv" ? "conv(kernel: 1, out: 64)" : "linear(out: 64)"}\``,
    explanation: `Only the last weighted layer of an adapter (\`project(x, like: y, via: …)\`) may leave \`out\`
out: it receives \`y\`'s width. A \`module\` has no target, so every \`linear\` and \`conv\` in it
states its \`out\`.`,
  }),
  KD3057: entry<Record<string, never>>({
    severity: "error",
    title: "pipeline outside a module",
    message: () => "a pipeline of layers (`>>`) can only be a `module`'s value or `project`'s `via:`",
    help: () => "declare it, `module m = linear(out: 64) >> relu`, and apply it in an objective: `m(s.hidden[0])`",
    explanation: `\`>>\` composes layers into a trainable network. It means nothing on numbers, schedules or
losses, so it is accepted only where a network is expected.`,
  }),
  KD3058: entry<{ module: string; stage: string }>({
    severity: "error",
    title: "module not trained before",
    message: (a) => `stage \`${a.stage}\` applies the module \`${a.module}\`, which neither it nor an earlier stage trains`,
    help: (a) => `train it here (\`train MODEL, ${a.module} on …\`), or in a stage that \`${a.stage}\` runs after`,
    explanation: `A module is trained by the stages that list it after their model (\`train small, proj on
digits.train\`); a later stage that applies it without listing it reads it frozen. Reading a module
no stage trained would apply random weights.`,
  }),
  KD3059: entry<{ module: string; stage: string }>({
    severity: "warning",
    title: "trained module never applied",
    message: (a) => `stage \`${a.stage}\` trains the module \`${a.module}\`, but its objective never applies it`,
    help: (a) => `apply it in \`minimize\` (\`${a.module}(…)\`), or remove it from \`train\``,
    explanation: `Only what the objective reads receives gradients: a module listed in \`train\` but not
applied would stay as initialised.`,
  }),
  KD3033: entry<{ stage: string }>({
    severity: "error",
    title: "both epochs and steps",
    message: (a) => `stage \`${a.stage}\` gives both \`epochs\` and \`steps\``,
    help: () => "keep one: `epochs N` trains N full passes over the split, `steps N` exactly N optimizer steps",
    explanation: `A stage's length is given once, either in epochs (full passes over the training split)
or in optimizer steps:

    epochs 20        // or
    steps 5000       // crosses epoch boundaries; \`epoch\` is still step / steps per epoch

Giving both would leave it unclear which one ends the stage.`,
  }),
  KD3034: entry<{ model: string; trained: string }>({
    severity: "error",
    title: "freezing a model the stage does not train",
    message: (a) => `\`freeze\` names \`${a.model}\`, but this stage trains \`${a.trained}\``,
    help: (a) => `freeze a part of \`${a.trained}\`; teachers are frozen already (unless \`trainable\`)`,
    explanation: `\`freeze m.part\` keeps part of the stage's trained model out of the optimizer. Only the
trained model is updated by a stage, so freezing any other model changes nothing:

    train small on digits.train
    freeze small.hidden[0]      // not: freeze big.hidden[0] (a teacher never trains)`,
  }),
  KD3035: entry<{ target: string; reason: string; suggestion?: string }>({
    severity: "error",
    title: "not a freezable part",
    message: (a) => `\`${a.target}\` cannot be frozen: ${a.reason}`,
    help: (a) => didYouMean(a.suggestion) ?? "freeze a tap with weights of its own: `m.hidden[i]`, `m.block[i]`, `m.embedding`, `m.attention[i]` or `m.logits`",
    explanation: `\`freeze\` names a part of the trained model by the tap that part produces: the weights
that compute that tap are left out of the optimizer.

    freeze small.hidden[0]      // mlp: dense layer 0; cnn: head layer 0
    freeze small.block[1]       // cnn: conv block 1; resnet: stage 1; transformer: block 1
    freeze lm.embedding         // transformer: token and position embeddings
    freeze lm.attention[0]      // transformer: block 0's attention projections
    freeze small.logits         // the output layer

A list tap needs an index (\`small.hidden[0]\`, not \`small.hidden\`), and a tap computed without
weights of its own (\`pooled\`) names nothing to freeze.`,
  }),
  KD3036: entry<{ model: string }>({
    severity: "error",
    title: "everything frozen",
    message: (a) => `every part of \`${a.model}\` is frozen, so the stage would not train it`,
    help: () => "leave at least one part trainable, or make it a teacher instead of training it",
    explanation: `A stage trains its model; freezing each of its parts leaves the optimizer nothing to
update. Remove one \`freeze\` line, or use the model as a (frozen) \`teacher\` of another stage.`,
  }),
  KD3037: entry<{ metric: string }>({
    severity: "error",
    title: "best checkpoint without a direction",
    message: (a) => `kdc does not know whether a higher or a lower \`${a.metric}\` is better`,
    help: () => "write `min` or `max` after the split: `checkpoint best by METRIC on SPLIT max`",
    explanation: `\`checkpoint best by METRIC on SPLIT\` keeps the weights where the metric was best. For
the built-in metrics kdc knows the direction (accuracy and agreement: higher is better; ece, kl,
perplexity and loss: lower is better); for any other metric say it:

    checkpoint best by my_score on digits.val max`,
  }),
  // ── optimisers and evaluation metrics (KD3073–KD3079) ──
  KD3073: entry<{ name: string; available: string; suggestion?: string }>({
    severity: "error",
    title: "unknown decay exclusion",
    message: (a) => `\`exclude_from_decay\` has no kind of parameter \`${a.name}\``,
    help: (a) => (a.suggestion ? `did you mean \`"${a.suggestion}"\`? ` : "") + `the kinds are ${a.available}`,
    explanation: `\`exclude_from_decay\` lists the kinds of parameters weight decay skips:

    optimizer adamw(lr: 1e-3, weight_decay: 0.05, exclude_from_decay: ["bias", "norm"])

The kinds are \`"bias"\` (every bias vector), \`"norm"\` (the scales and offsets of layer and batch
norms) and \`"embedding"\` (a transformer's token and position embeddings, and so its tied output
projection). \`[]\` decays every parameter. A misspelt kind would otherwise leave those parameters
decayed without a word.`,
  }),
  KD3074: entry<{ momentum: string }>({
    severity: "error",
    title: "Nesterov without momentum",
    message: (a) => `Nesterov momentum needs a momentum above 0, but \`momentum\` is ${a.momentum}`,
    help: () => "give a momentum (`sgd(lr: 0.1, momentum: 0.9, nesterov: true)`) or drop `nesterov`",
    explanation: `Nesterov's update looks ahead along the momentum buffer; with no momentum there is no
buffer and the option would silently be plain SGD. PyTorch's \`torch.optim.SGD\` refuses it too.

    optimizer sgd(lr: 0.1, momentum: 0.9, nesterov: true)`,
  }),
  KD3075: entry<{ optimizer: string }>({
    severity: "warning",
    title: "decay exclusions without decay",
    message: (a) => `\`exclude_from_decay\` has no effect: \`${a.optimizer}\` has no weight decay here`,
    help: () => "give a `weight_decay` above 0, or drop `exclude_from_decay`",
    explanation: `Excluding parameters from weight decay only matters when there is weight decay.
sgd, adam and rmsprop default to \`weight_decay: 0\`; adamw to 0.01.

    optimizer sgd(lr: 0.1, weight_decay: 5e-4, exclude_from_decay: ["bias", "norm"])`,
  }),
  KD3076: entry<{ metric: string; model: string; why: string }>({
    severity: "error",
    title: "metric needs a teacher",
    message: (a) => `\`${a.metric}\` compares with a teacher, but \`${a.model}\` ${a.why}`,
    help: () => "name one of the stage's teachers (`teacher big` in the stage, then `kl(big)`)",
    explanation: `\`agreement(t)\` and \`kl(t, T)\` measure how close the evaluated model is to a teacher of
the stage. Against the trained model itself they are trivially perfect, and a model that is not
a teacher is not run by the stage.

    stage distill after teach {
      train small on digits.train
      teacher big
      evaluate on digits.test { agreement(big), kl(big, T: 2) }
    }`,
  }),
  KD3077: entry<{ metric: string; split: string; needs: string }>({
    severity: "error",
    title: "metric does not apply to this split",
    message: (a) => `\`${a.metric}\` needs ${a.needs}, but \`${a.split}\` has none`,
    help: () => "evaluate it on a split that has them, or drop it from this `evaluate`",
    explanation: `Some metrics read more than inputs and labels: \`perplexity\` scores next tokens, so it needs
a split of token sequences; \`preference_accuracy\` and \`reward_margin\` compare chosen and
rejected responses, so they need a preference split.

    evaluate on corpus.test { perplexity }
    evaluate on prefs.test { preference_accuracy(ref), reward_margin(ref, beta: 0.1) }`,
  }),
  KD3078: entry<{ label: string }>({
    severity: "warning",
    title: "metric listed twice",
    message: (a) => `\`${a.label}\` is listed twice in this \`evaluate\``,
    help: () => "remove the repetition",
    explanation: `Each metric of an \`evaluate\` list becomes one column of the report under its label
(\`accuracy\`, \`accuracy@5\`, \`kl(big, T=2)\`). Two entries with the same label compute the same
number twice; \`accuracy\` and \`accuracy(top: 1)\` are the same metric.`,
  }),
  KD3079: entry<{ split: string; problem: string }>({
    severity: "error",
    title: "evaluation loss cannot run on this split",
    message: (a) => `\`loss\` evaluates the stage's objective on \`${a.split}\`, which cannot work: ${a.problem}`,
    help: () => "evaluate `loss` on a split like the one the stage trains on, or drop it from this `evaluate`",
    explanation: `The \`loss\` metric is the stage's own objective (\`minimize …\`) computed on the evaluation
split in inference mode, its teachers included. So the evaluation split must give the objective
what it reads: labels for \`ce\`, token sequences for \`lm_ce\`, preference pairs for \`dpo\`, and
inputs every model of the stage can read.

    stage teach {
      train big on digits.train
      minimize ce(big.logits, batch.label)
      evaluate on digits.test { loss, accuracy }      // digits.unlabeled has no labels for ce
    }`,
  }),

  // ── losses (KD3040–KD3046) ──
  KD3040: entry<{ callee: string }>({
    severity: "error",
    title: "anchored preference loss without a reference",
    message: (a) => `\`${a.callee}\` needs a reference model`,
    help: (a) => `declare one in the stage (\`reference ref = policy\`) and pass it (\`${a.callee}(policy, ref, …)\`); \`reference none\` does not apply to it`,
    explanation: `ADPO scores each candidate by the policy's log-probability relative to a frozen
reference, (ℓ − ℓ_ref)/τ: the reference is part of the definition, so even a stage that says
\`reference none\` must declare and pass one. For a reference-free preference loss use
\`simpo(policy, …)\`.

    stage align {
      train policy on prefs.train
      reference ref = policy
      minimize adpo(policy, ref, tau: 10)
    }`,
  }),

  KD3041: entry<{ split: string }>({
    severity: "error",
    title: "no route column",
    message: (a) => `\`${a.split}\` has no route column, so \`batch.route\` is not available`,
    help: () => "name one in the dataset: `csv(\"data.csv\", label: \"y\", route: \"domain\")`",
    explanation: `\`batch.route\` holds each example's route id, read from a data column of non-negative
integers that the dataset declares; \`ensemble(a.logits, b.logits, route: batch.route)\` then serves
example b from teacher route_b. The column is not an input feature.

    dataset mixed = csv("mixed.csv", label: "label", route: "domain")`,
  }),
  KD3042: entry<{ split: string; routes: number; teachers: number }>({
    severity: "error",
    title: "route ids beyond the teachers",
    message: (a) => `the route ids of \`${a.split}\` go up to ${a.routes - 1}, but the ensemble has ${a.teachers} teachers (ids 0 to ${a.teachers - 1})`,
    help: () => "list one teacher per route id, in id order",
    explanation: `With \`route: batch.route\`, an example whose route id is i is served by the ensemble's
i-th tensor (counting from 0), so every id in the data's route column must name one: the file was
read when the recipe was checked, and its largest id needs that many teachers.`,
  }),
  // ── data: tokenizers, text columns, mixtures, preprocess / augment (KD3066–KD3072) ──
  KD3066: entry<{ column: string; path: string; available: string; suggestion: string | undefined }>({
    severity: "error",
    title: "no such column",
    message: (a) => `\`${a.path}\` has no column \`${a.column}\``,
    help: (a) => (a.suggestion ? `did you mean \`${a.suggestion}\`? (columns: ${a.available})` : `the columns are ${a.available}`),
    explanation: `A \`csv\` or \`jsonl\` dataset names the columns (fields) it reads: \`text\`, \`prompt\`,
\`label\`, \`input\`. The file is read when the recipe is checked, so a misspelt name is caught before
anything trains.

    dataset mail = jsonl("mail.jsonl", text: "bdy", label: "spam")   // the field is \`body\``,
  }),

  KD3067: entry<{ column: string; path: string; expected: string; found: string; line: number }>({
    severity: "error",
    title: "column of the wrong type",
    message: (a) => `\`${a.column}\` of \`${a.path}\` must hold ${a.expected}, but line ${a.line} holds ${a.found}`,
    help: () => "name a column of text for `text` and `prompt`, of numbers for `input`",
    explanation: `A text column (\`text\`, \`prompt\`) is tokenized, so every row must hold a string there; a
numeric column (\`input\`) must hold numbers.

    dataset mail = jsonl("mail.jsonl", text: "spam", label: "body")   // swapped: spam is a boolean`,
  }),

  KD3068: entry<{ source: string; first: string; what: string; expected: string; found: string }>({
    severity: "error",
    title: "mixture sources disagree",
    message: (a) => `\`${a.source}\` cannot be mixed with \`${a.first}\`: its ${a.what} is ${a.found}, not ${a.expected}`,
    help: () => "mix splits of one kind, width, vocabulary and classes (give token sources one tokenizer)",
    explanation: `A mixture draws its batches from several splits at once, so every source must hold the same
kind of rows (vectors, tokens or preference pairs), of the same width (features or context), with
the same classes (or all without labels) and, for tokens, ids from the same tokenizer: two
tokenizers fitted on different files give the same id to different tokens.

    dataset mix = mixture(a.train, b.train, weights: [0.7, 0.3])   // a: 4 features, b: 5`,
  }),

  KD3069: entry<{ problem: string }>({
    severity: "error",
    title: "tokenizer cannot apply",
    message: (a) => a.problem,
    help: () => "give `tokenizer:` only to text data, and either `tokenizer:` or `max_vocab:`, not both",
    explanation: `A tokenizer turns text into token ids; numeric data has none. \`max_vocab: N\` is shorthand for
\`tokenizer: char(max_vocab: N)\`, so a dataset takes one or the other.

    dataset d = jsonl("x.jsonl", input: "x", tokenizer: bpe(vocab: 512))   // no text to tokenize`,
  }),

  KD3070: entry<{ transform: string; list: "preprocess" | "augment"; why: string }>({
    severity: "error",
    title: "transform in the wrong list",
    message: (a) => `\`${a.transform}\` cannot be in \`${a.list}\`: ${a.why}`,
    help: (a) => (a.list === "preprocess" ? "move random transforms to `augment`" : "move deterministic transforms to `preprocess`"),
    explanation: `\`preprocess\` holds deterministic transforms: they are applied once, the same for every
epoch and every split, so a frozen teacher sees the same inputs each epoch and its outputs may
be cached. \`augment\` holds random transforms, drawn again per (seed, epoch) on the train split
only: the inputs change each epoch, so teacher outputs are never cached there. Keeping the two
apart is what makes the caching decision provable.

    dataset digits = mnist(train: 512, test: 128, preprocess: [flip()])   // flip is random`,
  }),

  KD3071: entry<{ transform: string; data: string; needs: string }>({
    severity: "error",
    title: "transform does not fit the data",
    message: (a) => `\`${a.transform}\` needs ${a.needs}, but this dataset gives ${a.data}`,
    help: () => "use `random_crop` and `flip` on images such as `mnist`, `noise` and `normalize` on feature vectors, `token_dropout` on token rows",
    explanation: `Transforms act on the rows a dataset gives: \`random_crop\` and \`flip\` need images of a known
height and width (\`mnist\`: 28×28), \`normalize\` and \`noise\` need feature vectors, and
\`token_dropout\` needs token rows (a \`jsonl\` or \`csv\` text column).

    dataset d = csv("flowers.csv", label: "species", augment: [flip()])   // rows, not images`,
  }),
  // Adaptive schedules (a controller updated from the stage's loss): KD3091–KD3094.
  KD3091: entry<{ name: string }>({
    severity: "error",
    title: "adaptive schedule outside a stage `let`",
    message: (a) => `\`${a.name}\` must be the whole value of a stage \`let\``,
    help: (a) => `declare it in the stage, \`let lam = ${a.name}(…)\`, and use \`lam\` where you need the value`,
    explanation: `An adaptive schedule such as \`taid_lambda\` is state, not a formula of the step: a controller
that the stage updates once after each optimizer step from that step's total loss and that
checkpoints keep. It needs a stage (its loss and its length) and a name (one controller, read
wherever the name is used), so it is declared as the whole value of a stage \`let\`:

    stage distill after teach {
      …
      let lam = taid_lambda(start: 0.4, end: 1)
      minimize lam * kd(small.logits, big.logits, T: 2) + (1 - lam) * ce(small.logits, batch.label)
    }

Written inside another expression, in a loss definition, in a top-level declaration or directly
in \`optimizer adam(lr: …)\`, it is refused.`,
  }),
  KD3092: entry<{ callee: string }>({
    severity: "error",
    title: "`taid` with `lambda:` and its own controller's options",
    message: (p) => `\`${p.callee}\` takes \`lambda:\` or the options of its own adaptive λ (\`lambda_start\`, \`lambda_end\`, \`alpha\`, \`beta\`), not both`,
    help: () => "put the options in the schedule, `let lam = taid_lambda(start: …, end: …, alpha: …, beta: …)`, and keep `lambda: lam`; or drop `lambda:`",
    explanation: `\`taid(s, t)\` makes its own adaptive λ from \`lambda_start\`, \`lambda_end\`, \`alpha\` and \`beta\`.
\`taid(s, t, lambda: lam)\` reads λ from a scalar instead (a \`taid_lambda\` let, any schedule or a number in
[0, 1]), so those options would configure nothing. \`token_taid(student, teacher, …)\` takes the same two forms:

    let lam = taid_lambda(start: 0.2, alpha: 0.01)
    minimize taid(small.logits, big.logits, lambda: lam)`,
  }),

  // ── teacher-generated data, `generate(…)` (KD3087–KD3090) ──
  KD3087: entry<{ model: string; prompts: string; why: string }>({
    severity: "error",
    title: "generator cannot continue the prompts",
    message: (a) => `\`${a.model}\` cannot generate from \`${a.prompts}\`: ${a.why}`,
    help: () => "generate with a `transformer` whose vocabulary covers the prompts' tokenizer, from a split of token rows",
    explanation: `\`generate(teacher, prompts: split, max_new_tokens: N)\` decodes, token by token, the teacher's
continuation of every prompt row, so the teacher must be a language model (a \`transformer\`:
it gives next-token logits) and the prompts must be token rows whose ids the teacher can read (its
vocabulary at least the prompts' tokenizer size).

    model big = mlp(input: 784, hidden: [64], classes: 10)
    dataset gen = generate(big, prompts: book.train, max_new_tokens: 16)   // an mlp cannot decode`,
  }),

  KD3088: entry<{ model: string; context: number; prompt: number; maxNew: number; room: number }>({
    severity: "error",
    title: "generated rows exceed the generator's context",
    message: (a) => `prompts of ${a.prompt} tokens plus ${a.maxNew} new tokens exceed the context (${a.context}) of \`${a.model}\``,
    help: (a) => (a.room > 0 ? `use \`max_new_tokens: ${a.room}\` or less, or keep fewer prompt tokens with \`prompt_tokens: N\`` : "keep fewer prompt tokens with `prompt_tokens: N`, or give the teacher a longer context"),
    explanation: `A generated row is the prompt followed by up to \`max_new_tokens\` tokens, and the teacher reads the
whole row to predict each next token, so the prompt length (the prompt split's context, or
\`prompt_tokens\`) plus \`max_new_tokens\` must fit the teacher's \`context\`. kdc does not silently
cut the continuations short: say how many prompt tokens to keep instead.

    model big = transformer(vocab: 64, dim: 32, layers: 2, heads: 2, context: 32)
    dataset gen = generate(big, prompts: book.train, max_new_tokens: 32)   // book: context 16`,
  }),

  KD3089: entry<{ split: string; model: string; stage: string }>({
    severity: "error",
    title: "generated data read before its generator is trained",
    message: (a) => `stage \`${a.stage}\` reads \`${a.split}\`, generated by \`${a.model}\`, but runs after no stage that trains \`${a.model}\``,
    help: (a) => `add \`after <the stage training ${a.model}>\` to stage \`${a.stage}\``,
    explanation: `The rows of a generated split are decoded by its teacher when the first stage reading the split
starts. Generated from an untrained teacher they would be noise, so every stage that trains or
evaluates on the split must run after a stage that trains the teacher (\`after teach\`), as a
stage that distils from a teacher must.

    stage teach { train big on book.train … }
    stage distill { train small on gen.train … }   // needs \`after teach\``,
  }),

  KD3090: entry<{ model: string; dataset: string }>({
    severity: "error",
    title: "generator declared after its dataset",
    message: (a) => `\`${a.dataset}\` generates with \`${a.model}\`, which is declared further down`,
    help: (a) => `move \`model ${a.model} = …\` above \`dataset ${a.dataset} = …\``,
    explanation: `Declarations are checked in order, and a generated dataset's rows are typed from its teacher
(its vocabulary and context), so the teacher's \`model\` declaration must come first.`,
  }),

  KD3083: entry<{ model: string }>({
    severity: "warning",
    title: "teacher mode that changes nothing",
    message: (a) => `\`${a.model}\` has no dropout and no batch norm: \`mode train\` runs it exactly as inference mode`,
    help: () => "remove `mode train`, or give the model dropout",
    explanation: `\`teacher big mode train\` runs a frozen teacher in training mode: its dropout is on (and a
resnet's batch norms use batch statistics), so its outputs are noisy, as with PyTorch's
\`teacher.train()\`. A model with neither behaves identically in both modes, so the statement only
costs the teacher-output cache (which training mode forbids).`,
  }),
  KD3084: entry<{ model: string }>({
    severity: "error",
    title: "mode on a trainable teacher",
    message: (a) => `\`${a.model}\` is a trainable teacher: it always runs in training mode, on the gradient tape`,
    help: () => "drop `mode …`; `mode train` is for frozen teachers",
    explanation: `\`teacher m trainable\` trains \`m\` with the student (online distillation), which is
training mode by definition; \`mode\` chooses the mode of a frozen teacher only:

    teacher big mode train      // frozen, dropout on
    teacher peer trainable      // trained, training mode`,
  }),

  // ── lowering ──
  KD4001: entry<{ what: string }>({
    severity: "error",
    title: "not computable before training",
    message: (a) => `${a.what} must be known when the recipe is compiled`,
    explanation: `Some values (epochs, batch size, model sizes) fix the shape of the program and must
be constants or params, not schedules or tensors.`,
  }),

  KD4002: entry<{ what: string }>({
    severity: "error",
    title: "not supported yet",
    message: (a) => `${a.what} is not supported by this version of kdc yet`,
    help: () => "see docs/language.md for what runs today; the recipe is otherwise checked",
    explanation: `The language parses and checks more than the runtime can execute today. Rather than
ignore a construct, kdc stops with this error, so a recipe never trains differently from what it
says.`,
  }),

  // ── tool ──
  KD9001: entry<{ detail: string }>({
    severity: "error",
    title: "internal compiler error",
    message: (a) => `internal compiler error: ${a.detail}`,
    help: () => "this is a bug in kdc; please report it with the recipe that triggers it (run with --debug for a stack trace)",
    explanation: `kdc itself failed. Nothing about your recipe is known to be wrong.`,
  }),
  KD9002: entry<{ path: string }>({
    severity: "error",
    title: "file not found",
    message: (a) => `cannot read \`${a.path}\``,
    explanation: `The file named on the command line does not exist or cannot be read.`,
  }),
  KD9003: entry<{ text: string }>({
    severity: "error",
    title: "malformed --set",
    message: (a) => `\`--set ${a.text}\` is not of the form name=value`,
    explanation: `Override a recipe's \`param\` with \`--set NAME=VALUE\`, for example \`--set T=8\`.`,
  }),
  KD9004: entry<{ shown: number; total: number }>({
    severity: "error",
    title: "too many diagnostics",
    message: (a) => `${a.total - a.shown} more diagnostics were not shown (limit ${a.shown})`,
    explanation: `kdc stops listing after 100 diagnostics; fix the first ones and run again.`,
  }),
  KD9005: entry<{ name: string; available: string; suggestion?: string }>({
    severity: "error",
    title: "unknown param override",
    message: (a) => `\`--set ${a.name}\` names no param of this recipe`,
    help: (a) => didYouMean(a.suggestion) ?? (a.available ? `params: ${a.available}` : "this recipe declares no params"),
    explanation: `\`--set NAME=VALUE\` must name a \`param\` declared in the recipe file.`,
  }),
} as const;

export type Code = keyof typeof catalogue;
export type MessageArgs<C extends Code> = Parameters<(typeof catalogue)[C]["message"]>[0];

export function isCode(text: string): text is Code {
  return Object.prototype.hasOwnProperty.call(catalogue, text);
}
