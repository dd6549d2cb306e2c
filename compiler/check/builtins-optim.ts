// The optimisers a recipe can name: sgd, adam, adamw and rmsprop, with every argument of the
// runtime's builders (runtime/optim/specs.ts) under PyTorch's names and defaults. Ranges are
// checked here (KD3008); Nesterov without momentum and the decay exclusions have their own rules.
import { diagnostic } from "../diagnostics/diagnostic.js";
import type { Builtin, BuiltinContext } from "./builtins.js";
import { checkDecayExclusions } from "./rules/decay-exclusions.js";
import { checkNesterovMomentum } from "./rules/nesterov-momentum.js";
import type { BoundArgument, SignatureParam } from "./signature.js";
import { isNumber, range } from "./values.js";

type Args = ReadonlyMap<string, BoundArgument>;

const arg = (args: Args, name: string): BoundArgument => args.get(name)!;

function positiveLearningRate(args: Args, ctx: BuiltinContext): void {
  const lr = arg(args, "lr");
  const r = range(lr.value);
  if (r && (r.max <= 0 || r.min < 0))
    ctx.report(diagnostic("KD3008", lr.node?.span ?? ctx.call.span, { what: "the learning rate", value: `non-negative and not always 0` }));
}

/** A number the optimizer needs within [min, 1) (`below1`) or at least `min`. */
function within(args: Args, name: string, ctx: BuiltinContext, below1: boolean): void {
  const a = arg(args, name);
  if (!isNumber(a.value)) return;
  const ok = a.value >= 0 && (!below1 || a.value < 1);
  if (!ok) ctx.report(diagnostic("KD3008", a.node?.span ?? ctx.call.span, { what: `\`${name}\``, value: below1 ? `in [0, 1), not ${a.value}` : `at least 0, not ${a.value}` }));
}

const lr = (value?: number): SignatureParam => (value === undefined ? { name: "lr", type: "scalar" } : { name: "lr", type: "scalar", default: value });
const num = (name: string, value: number): SignatureParam => ({ name, type: "number", default: value });
const flag = (name: string): SignatureParam => ({ name, type: "bool", default: false });

/** The runtime's default exclusions (biases and norms) for adamw; the others decay everything. */
export const ADAMW_EXCLUDED = ["bias", "norm"] as const;

const decay = (weightDecay: number, excluded: readonly string[]): SignatureParam[] => [
  num("weight_decay", weightDecay),
  { name: "exclude_from_decay", type: "string-list", default: [...excluded] },
];

/** Checks shared by every optimizer: the learning rate, ε, weight decay and its exclusions. */
function common(args: Args, ctx: BuiltinContext, name: string): void {
  positiveLearningRate(args, ctx);
  if (args.has("epsilon")) within(args, "epsilon", ctx, false);
  within(args, "weight_decay", ctx, false);
  checkDecayExclusions(arg(args, "exclude_from_decay"), arg(args, "weight_decay"), name, ctx);
}

const sgd: Builtin = {
  name: "sgd",
  category: "optimizer",
  doc: "Stochastic gradient descent as torch.optim.SGD (dampening 0): optional heavy-ball or Nesterov momentum, coupled L2 weight decay (added to the gradient). `lr` may be a schedule.",
  params: [lr(), num("momentum", 0), flag("nesterov"), ...decay(0, [])],
  result(args, ctx) {
    common(args, ctx, "sgd");
    within(args, "momentum", ctx, true);
    checkNesterovMomentum(arg(args, "nesterov"), arg(args, "momentum"), ctx);
    return { type: { kind: "optimizer" } };
  },
};

const adamLike = (name: "adam" | "adamw", weightDecay: number, excluded: readonly string[], doc: string): Builtin => ({
  name,
  category: "optimizer",
  doc,
  params: [lr(1e-3), num("beta1", 0.9), num("beta2", 0.999), num("epsilon", 1e-8), ...decay(weightDecay, excluded)],
  result(args, ctx) {
    common(args, ctx, name);
    within(args, "beta1", ctx, true);
    within(args, "beta2", ctx, true);
    return { type: { kind: "optimizer" } };
  },
});

const rmsprop: Builtin = {
  name: "rmsprop",
  category: "optimizer",
  doc: "RMSprop as torch.optim.RMSprop: squared-gradient average with smoothing `alpha`, ε added outside the square root, optional momentum, `centered` (normalise by the variance estimate), coupled L2 weight decay.",
  params: [lr(1e-2), num("alpha", 0.99), num("epsilon", 1e-8), num("momentum", 0), flag("centered"), ...decay(0, [])],
  result(args, ctx) {
    common(args, ctx, "rmsprop");
    within(args, "alpha", ctx, true);
    within(args, "momentum", ctx, true);
    return { type: { kind: "optimizer" } };
  },
};

export const optimizerBuiltins: readonly Builtin[] = [
  sgd,
  adamLike("adam", 0, [], "Adam (Kingma & Ba) as torch.optim.Adam: β1 0.9, β2 0.999, ε 1e-8; `weight_decay` is coupled L2 (added to the gradient). `lr` may be a schedule."),
  adamLike(
    "adamw",
    0.01,
    ADAMW_EXCLUDED,
    "AdamW (Loshchilov & Hutter) as torch.optim.AdamW: decoupled weight decay p ← p·(1 − lr·wd) before the Adam step, default 0.01, skipping the kinds in `exclude_from_decay` (biases and norms by default).",
  ),
  rmsprop,
];
