// The preference losses (`dpo`, `simpo`, `adpo`): one table of what each takes, so the checker
// (expressions.ts), lowering (one IR `preference` node) and the docs treat them alike. Their
// policy and reference are models of the stage, not plain values, so the expression checker
// binds their arguments itself; this table is the part that differs from loss to loss.
import { isNumber, type Value } from "./values.js";

export interface PreferenceOption {
  readonly name: string;
  /** Absent: required. */
  readonly default?: number | string;
  /** What a valid value is, for KD3008; undefined when `value` is fine. `options` holds the others as given. */
  readonly check: (value: Value | undefined, options: ReadonlyMap<string, Value | undefined>) => string | undefined;
}

export interface PreferenceLoss {
  readonly name: "dpo" | "simpo" | "adpo";
  /**
   * `optional`: required unless the stage says `reference none` (KD3031); `required`: anchored to a
   * reference always (KD3040); `none`: reference-free by definition, so there is no such argument.
   */
  readonly reference: "optional" | "required" | "none";
  readonly options: readonly PreferenceOption[];
  readonly doc: string;
}

const positive = (v: Value | undefined): string | undefined => (isNumber(v) && v > 0 ? undefined : "a positive number known before training");

export const DPO_VARIANTS = ["sigmoid", "ipo", "hinge"];

export const PREFERENCE_LOSSES: ReadonlyMap<string, PreferenceLoss> = new Map(
  (
    [
      {
        name: "dpo",
        reference: "optional",
        doc: "Direct preference optimisation on a preference split: h = (π_c − π_r) − (ref_c − ref_r) from summed token log-probs; sigmoid −(1−ε)·logσ(βh) − ε·logσ(−βh), IPO (h − 1/(2β))² on length-averaged log-probs, or hinge relu(1 − βh); batch mean.",
        options: [
          { name: "beta", default: 0.1, check: positive },
          {
            name: "variant",
            default: "sigmoid",
            check: (v) => (typeof v === "string" && DPO_VARIANTS.includes(v) ? undefined : `one of ${DPO_VARIANTS.map((x) => `"${x}"`).join(", ")} known before training`),
          },
          {
            name: "label_smoothing",
            default: 0,
            check: (v, o) => {
              const variant = o.get("variant");
              return isNumber(v) && v >= 0 && v <= 0.5 && (v === 0 || variant === undefined || variant === "sigmoid") ? undefined : "in [0, 0.5], and 0 unless the variant is sigmoid";
            },
          },
        ],
      },
      {
        name: "simpo",
        reference: "none",
        doc: "SimPO (reference-free): −logσ(β·(avg_c − avg_r) − γ) with the policy's length-averaged log-probs of the chosen and rejected responses, γ in reward units; batch mean.",
        options: [
          { name: "beta", default: 2, check: positive },
          { name: "gamma", default: 0.5, check: (v) => (isNumber(v) && Number.isFinite(v) ? undefined : "a finite number known before training") },
        ],
      },
      {
        name: "adpo",
        reference: "required",
        doc: "Anchored preference optimisation: each pair is a group of two candidates with target q = (1, 0); KL(q ‖ softmax((ℓ − ℓ_ref)/τ)) from summed log-probs, mean over pairs; τ = 1/β equals sigmoid DPO.",
        options: [{ name: "tau", check: positive }],
      },
    ] satisfies PreferenceLoss[]
  ).map((p) => [p.name, p]),
);

/** `dpo(policy: model, reference: model, beta: number = 0.1, …)`, for messages and docs. */
export function preferenceSignature(p: PreferenceLoss): string {
  const models = p.reference === "none" ? ["policy: model"] : ["policy: model", "reference: model"];
  const options = p.options.map((o) => `${o.name}: ${typeof o.default === "string" ? "string" : "number"}${o.default === undefined ? "" : ` = ${typeof o.default === "string" ? `"${o.default}"` : o.default}`}`);
  return `${p.name}(${[...models, ...options].join(", ")})`;
}

/** The positional names of a preference loss's models. */
export function preferenceModels(p: PreferenceLoss): string[] {
  return p.reference === "none" ? ["policy"] : ["policy", "reference"];
}
