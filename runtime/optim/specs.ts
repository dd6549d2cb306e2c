// Optimizer specs: the data the compiler emits, with PyTorch's defaults filled in, and the rule for
// which variables weight decay skips. The update rules themselves are in rules.ts.
import type { OptimizerSpec, Schedule } from "../program.js";
import { asSchedule } from "../schedules.js";
import { KdcRuntimeError } from "../errors.js";

/** Which variables weight decay skips: exact names, or a predicate of a variable's name and shape. */
export type DecayExclusion = NonNullable<OptimizerSpec["excludeFromDecay"]>;

/** PyTorch's Adam defaults. tfjs would default ε to 1e-7 (its float32 backend epsilon); kdc uses 1e-8. */
export const ADAM_DEFAULTS = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;

/** torch.optim.AdamW's defaults: Adam's, with decoupled weight decay 0.01. */
export const ADAMW_DEFAULTS = { ...ADAM_DEFAULTS, weightDecay: 1e-2 } as const;

/** torch.optim.RMSprop's defaults (tfjs's rmsprop would use decay 0.9 and ε 1e-7 inside the square root). */
export const RMSPROP_DEFAULTS = { alpha: 0.99, epsilon: 1e-8, momentum: 0, centered: false } as const;

/**
 * kdc's default for AdamW (the others decay every variable, as torch does with one parameter group):
 * skip a variable whose rank is at most 1 (biases, norm scales and offsets, scalars), or whose
 * name has a `/`- or `.`-separated segment that is `bias`, contains `norm` (`layer_norm`,
 * `LayerNorm`, `batchnorm`), or is `ln`/`bn` optionally followed by `_` or a digit (`ln_f`, `bn1`).
 * This is timm's rule (ndim ≤ 1) together with Hugging Face Trainer's (bias and LayerNorm names).
 */
export function excludedFromDecayByDefault(name: string, shape: readonly number[]): boolean {
  if (shape.length <= 1) return true;
  return name
    .toLowerCase()
    .split(/[/.]/)
    .some((segment) => segment === "bias" || segment.includes("norm") || /^(ln|bn)(_|\d|$)/.test(segment));
}

/** Whether weight decay skips a variable under `spec` (its `excludeFromDecay`, else the kind's default). */
export function isExcludedFromDecay(spec: OptimizerSpec, name: string, shape: readonly number[]): boolean {
  const rule = spec.excludeFromDecay;
  if (rule === undefined) return spec.kind === "adamw" && excludedFromDecayByDefault(name, shape);
  return typeof rule === "function" ? rule(name, shape) : rule.includes(name);
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new KdcRuntimeError(`optimizer: ${what}`);
}

function checkDecay(weightDecay: number | undefined): void {
  if (weightDecay !== undefined) check(weightDecay >= 0, `weight decay must be at least 0, got ${weightDecay}`);
}

function checkBetas(beta1: number, beta2: number, epsilon: number): void {
  check(beta1 >= 0 && beta1 < 1, `beta1 must be in [0, 1), got ${beta1}`);
  check(beta2 >= 0 && beta2 < 1, `beta2 must be in [0, 1), got ${beta2}`);
  check(epsilon >= 0, `epsilon must be at least 0, got ${epsilon}`);
}

/** Weight-decay fields, present only when given (so a spec states only what the recipe said). */
function decayFields(o: { weightDecay?: number; excludeFromDecay?: DecayExclusion }): { weightDecay?: number; excludeFromDecay?: DecayExclusion } {
  checkDecay(o.weightDecay);
  return {
    ...(o.weightDecay ? { weightDecay: o.weightDecay } : {}),
    ...(o.excludeFromDecay !== undefined ? { excludeFromDecay: o.excludeFromDecay } : {}),
  };
}

export interface DecayOptions {
  /** Weight decay (coupled L2 for sgd, adam, rmsprop; decoupled for adamw). */
  readonly weightDecay?: number;
  /** Variables decay skips: names (as the optimizer is given them) or a predicate. */
  readonly excludeFromDecay?: DecayExclusion;
}

export interface SgdOptions extends DecayOptions {
  readonly lr: Schedule | number;
  /** Heavy-ball momentum as in torch.optim.SGD (no dampening); default 0. */
  readonly momentum?: number;
  /** Nesterov momentum as torch.optim.SGD defines it; needs momentum > 0. Default false. */
  readonly nesterov?: boolean;
}

/** torch.optim.SGD (dampening 0). Weight decay is L2 added to the gradient before momentum. */
export function sgd(options: SgdOptions): OptimizerSpec {
  const momentum = options.momentum ?? 0;
  check(momentum >= 0, `momentum must be at least 0, got ${momentum}`);
  check(!options.nesterov || momentum > 0, "Nesterov momentum needs a momentum above 0");
  return {
    kind: "sgd",
    lr: asSchedule(options.lr),
    ...(momentum ? { momentum } : {}),
    ...(options.nesterov ? { nesterov: true } : {}),
    ...decayFields(options),
  };
}

export interface AdamOptions extends DecayOptions {
  readonly lr: Schedule | number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
}

/** torch.optim.Adam (amsgrad off). Weight decay, if any, is L2 added to the gradient. */
export function adam(options: AdamOptions): OptimizerSpec {
  const beta1 = options.beta1 ?? ADAM_DEFAULTS.beta1;
  const beta2 = options.beta2 ?? ADAM_DEFAULTS.beta2;
  const epsilon = options.epsilon ?? ADAM_DEFAULTS.epsilon;
  checkBetas(beta1, beta2, epsilon);
  return { kind: "adam", lr: asSchedule(options.lr), beta1, beta2, epsilon, ...decayFields(options) };
}

/**
 * torch.optim.AdamW: p ← p·(1 − lr·wd) before the Adam step. Default weight decay 0.01; by default
 * biases and norms are not decayed (excludedFromDecayByDefault), unlike torch with one parameter
 * group and like Hugging Face's Trainer. `excludeFromDecay: []` decays everything.
 */
export function adamw(options: AdamOptions): OptimizerSpec {
  const beta1 = options.beta1 ?? ADAMW_DEFAULTS.beta1;
  const beta2 = options.beta2 ?? ADAMW_DEFAULTS.beta2;
  const epsilon = options.epsilon ?? ADAMW_DEFAULTS.epsilon;
  const weightDecay = options.weightDecay ?? ADAMW_DEFAULTS.weightDecay;
  checkBetas(beta1, beta2, epsilon);
  checkDecay(weightDecay);
  return {
    kind: "adamw",
    lr: asSchedule(options.lr),
    beta1,
    beta2,
    epsilon,
    weightDecay,
    ...(options.excludeFromDecay !== undefined ? { excludeFromDecay: options.excludeFromDecay } : {}),
  };
}

export interface RmspropOptions extends DecayOptions {
  readonly lr: Schedule | number;
  /** Smoothing constant of the squared-gradient average; default 0.99. */
  readonly alpha?: number;
  /** Added to the root mean square (outside the square root); default 1e-8. */
  readonly epsilon?: number;
  /** Momentum on the normalised gradient; default 0. */
  readonly momentum?: number;
  /** Normalise by the estimated variance instead of the second moment; default false. */
  readonly centered?: boolean;
}

/** torch.optim.RMSprop with its defaults (α 0.99, ε 1e-8, momentum 0, centered false). */
export function rmsprop(options: RmspropOptions): OptimizerSpec {
  const alpha = options.alpha ?? RMSPROP_DEFAULTS.alpha;
  const epsilon = options.epsilon ?? RMSPROP_DEFAULTS.epsilon;
  const momentum = options.momentum ?? RMSPROP_DEFAULTS.momentum;
  const centered = options.centered ?? RMSPROP_DEFAULTS.centered;
  check(alpha >= 0 && alpha < 1, `alpha must be in [0, 1), got ${alpha}`);
  check(epsilon >= 0, `epsilon must be at least 0, got ${epsilon}`);
  check(momentum >= 0, `momentum must be at least 0, got ${momentum}`);
  return { kind: "rmsprop", lr: asSchedule(options.lr), alpha, epsilon, momentum, centered, ...decayFields(options) };
}

/** One line for `kdc explain` and logs: the rule, every hyper-parameter in effect, and the decay. */
export function describeOptimizer(spec: OptimizerSpec): string {
  const parts = [`lr ${spec.lr.describe}`];
  switch (spec.kind) {
    case "sgd":
      if (spec.momentum) parts.push(`momentum ${spec.momentum}${spec.nesterov ? " (Nesterov)" : ""}`);
      break;
    case "adam":
    case "adamw":
      parts.push(
        `beta1 ${spec.beta1 ?? ADAM_DEFAULTS.beta1}`,
        `beta2 ${spec.beta2 ?? ADAM_DEFAULTS.beta2}`,
        `epsilon ${spec.epsilon ?? ADAM_DEFAULTS.epsilon}`,
      );
      break;
    case "rmsprop":
      parts.push(
        `alpha ${spec.alpha ?? RMSPROP_DEFAULTS.alpha}`,
        `epsilon ${spec.epsilon ?? RMSPROP_DEFAULTS.epsilon}`,
        `momentum ${spec.momentum ?? RMSPROP_DEFAULTS.momentum}`,
        ...(spec.centered ? ["centered"] : []),
      );
      break;
  }
  const decay = weightDecayOf(spec);
  if (decay > 0) {
    const rule = spec.excludeFromDecay;
    const skip =
      rule === undefined
        ? spec.kind === "adamw"
          ? ", not biases or norms"
          : ""
        : typeof rule === "function"
          ? "kinds" in rule && Array.isArray(rule.kinds)
            ? rule.kinds.length
              ? `, not ${(rule.kinds as string[]).map((k) => (k === "bias" ? "biases" : `${k}s`)).join(", ")}`
              : ""
            : ", not where the given predicate says"
          : rule.length
            ? `, not ${rule.join(", ")}`
            : "";
    parts.push(`${spec.kind === "adamw" ? "decoupled" : "L2"} weight decay ${decay}${skip}`);
  }
  return `${spec.kind}(${parts.join(", ")})`;
}

/** The weight decay in effect: the spec's, else 0.01 for adamw and 0 for the others. */
export function weightDecayOf(spec: OptimizerSpec): number {
  return spec.weightDecay ?? (spec.kind === "adamw" ? ADAMW_DEFAULTS.weightDecay : 0);
}
