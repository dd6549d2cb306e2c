// Function signatures, shared by built-ins and `loss` definitions, and the binding of a call's
// arguments to them: unknown names, missing and surplus arguments, and argument types.
import type { Argument, CallExpression, Expression } from "../../grammar/ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { suggest } from "../diagnostics/suggest.js";
import { describe, ROUTE_IDS, type Type } from "./types.js";
import { showValue, type Value } from "./values.js";

export type ParamType =
  | "int"
  | "number"
  /** A number or a schedule. */
  | "scalar"
  | "duration"
  | "int-list"
  /** A list of numbers (`[1e-3, 1e-4]`). */
  | "number-list"
  /** A list of durations (`[0 steps, 1 epoch, 50%]`). */
  | "duration-list"
  /** An axis or a list of axes of a tensor (`-1`, `[1, 2]`), or `"all"`. */
  | "axes"
  /** A list of strings (an empty list too). */
  | "string-list"
  | "string"
  | "bool"
  | "model"
  | "split"
  | "tensor"
  | "labels"
  /** `bpe(vocab: 512)`, `char(max_vocab: 64)`. */
  | "tokenizer"
  /** `[standardize(mean: 0.1, std: 0.3), flip()]`. */
  | "transform-list";

export interface SignatureParam {
  readonly name: string;
  readonly type: ParamType;
  /** Absent: the argument is required. */
  readonly default?: Value;
}

export interface Signature {
  readonly name: string;
  readonly params: readonly SignatureParam[];
}

/** What the checker found for one argument expression. */
export interface Checked {
  readonly type: Type;
  readonly value: Value | undefined;
}

export interface BoundArgument extends Checked {
  /** Undefined when the default was used. */
  readonly node: Expression | undefined;
}

export function showSignature(sig: Signature): string {
  const params = sig.params.map(
    (p) => `${p.name}: ${p.type}${p.default === undefined ? "" : ` = ${showValue(p.default)}`}`,
  );
  return `${sig.name}(${params.join(", ")})`;
}

export function accepts(param: ParamType, type: Type): boolean {
  switch (type.kind) {
    case "error":
      return true;
    case "number":
      return param === "number" || param === "scalar" || (param === "int" && type.integer) || (param === "axes" && type.integer);
    case "schedule":
      return param === "scalar";
    case "duration":
      return param === "duration";
    case "string":
      return param === "string" || param === "axes";
    case "bool":
      return param === "bool";
    case "list": {
      const e = type.element;
      if (param === "string-list") return e.kind === "string" || e.kind === "error" || type.empty === true;
      if (param === "transform-list") return e.kind === "error" || type.empty === true || (e.kind === "spec" && e.of === "transform");
      if (e.kind === "error") return param === "int-list" || param === "number-list" || param === "duration-list" || param === "axes";
      if (param === "int-list" || param === "axes") return e.kind === "number" && e.integer;
      if (param === "number-list") return e.kind === "number";
      return param === "duration-list" && e.kind === "duration";
    }
    case "spec":
      return param === "tokenizer" && type.of === "tokenizer";
    case "model":
      return param === "model";
    case "split":
      return param === "split";
    case "tensor":
      return param === "tensor";
    case "labels":
      // Route ids choose teachers; they are not classes a loss can score.
      return param === "labels" && type.of !== ROUTE_IDS;
    default:
      return false;
  }
}

export function describeParamType(param: ParamType): string {
  const words: Record<ParamType, string> = {
    int: "an integer",
    number: "a number",
    scalar: "a number or a schedule",
    duration: "a duration (`200 steps`, `2 epochs`)",
    "int-list": "a list of integers",
    "number-list": "a list of numbers",
    "duration-list": "a list of durations (`[0 steps, 1 epoch, 50%]`)",
    axes: "an axis (`-1`) or a list of axes (`[1, 2]`)",
    "string-list": "a list of strings",
    string: "a string",
    bool: "`true` or `false`",
    model: "a model",
    split: "a dataset split",
    tensor: "a tensor",
    labels: "labels (`batch.label`)",
    tokenizer: "a tokenizer such as `bpe(vocab: 512)` or `char(max_vocab: 64)`",
    "transform-list": "a list of transforms such as `[standardize(mean: 0.1307, std: 0.3081)]`",
  };
  return words[param];
}

/**
 * Binds arguments to parameters. Returns undefined when binding failed (already reported);
 * argument type mismatches are reported and the argument is bound as `error`.
 */
export function bindArguments(
  call: CallExpression,
  sig: Signature,
  args: readonly Checked[],
  report: (d: Diagnostic) => void,
): Map<string, BoundArgument> | undefined {
  const bound = new Map<string, BoundArgument>();
  const signature = showSignature(sig);
  let ok = true;
  let position = 0;
  call.args.forEach((arg: Argument, i) => {
    const checked = args[i]!;
    let param: SignatureParam | undefined;
    if (arg.name) {
      param = sig.params.find((p) => p.name === arg.name!.name);
      if (!param) {
        const suggestion = suggest(
          arg.name.name,
          sig.params.map((p) => p.name),
        );
        report(
          diagnostic("KD3001", arg.name.span, { name: arg.name.name, callee: sig.name, signature, suggestion }, {
            fix: suggestion ? { span: arg.name.span, replacement: suggestion } : undefined,
          }),
        );
        ok = false;
        return;
      }
    } else {
      param = sig.params[position++];
      if (!param) {
        if (position === sig.params.length + 1)
          report(
            diagnostic("KD3003", arg.span, {
              callee: sig.name,
              expected: sig.params.length,
              found: call.args.filter((a) => !a.name).length,
              signature,
            }),
          );
        ok = false;
        return;
      }
    }
    if (bound.has(param.name)) {
      report(diagnostic("KD3019", arg.span, { name: param.name, callee: sig.name }));
      ok = false;
      return;
    }
    if (!accepts(param.type, checked.type)) {
      report(
        diagnostic("KD3004", arg.value.span, {
          context: `the argument \`${param.name}\` of \`${sig.name}\``,
          expected: describeParamType(param.type),
          found: describe(checked.type),
        }),
      );
      bound.set(param.name, { type: { kind: "error" }, value: undefined, node: arg.value });
      return;
    }
    bound.set(param.name, { ...checked, node: arg.value });
  });
  if (!ok) return undefined;
  for (const param of sig.params) {
    if (bound.has(param.name)) continue;
    if (param.default === undefined) {
      report(diagnostic("KD3002", call.span, { name: param.name, callee: sig.name, signature }));
      ok = false;
      continue;
    }
    bound.set(param.name, { type: typeOfDefault(param), value: param.default, node: undefined });
  }
  return ok ? bound : undefined;
}

function typeOfDefault(param: SignatureParam): Type {
  switch (param.type) {
    case "int":
      return { kind: "number", integer: true };
    case "number":
    case "scalar":
      return { kind: "number", integer: Number.isInteger(param.default) };
    case "duration":
      return { kind: "duration" };
    case "int-list":
      return { kind: "list", element: { kind: "number", integer: true } };
    case "number-list":
      return { kind: "list", element: { kind: "number", integer: false } };
    case "duration-list":
      return { kind: "list", element: { kind: "duration" } };
    case "axes":
      return typeof param.default === "string" ? { kind: "string" } : { kind: "number", integer: true };
    case "string-list":
      return { kind: "list", element: { kind: "string" } };
    case "string":
      return { kind: "string" };
    case "bool":
      return { kind: "bool" };
    default:
      return { kind: "error" };
  }
}
