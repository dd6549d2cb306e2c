// Rules KD3026/KD3027: `run { … }` execution settings are checked against what the TensorFlow.js
// runtime can honour. Settings for other runtimes parse and check, so recipes stay portable, but a
// value this runtime would ignore is an error, never a silent no-op.
import type { Argument, Expression } from "../../../grammar/ast.js";
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { suggest } from "../../diagnostics/suggest.js";
import type { Env, ExpressionChecker } from "../expressions.js";
import { describe } from "../types.js";

export interface RunSettings {
  readonly backend?: "wasm" | "cpu" | "tensorflow";
}

interface Setting {
  readonly values: readonly (string | number)[] | "int";
  /** Why a known value cannot be honoured here, or undefined when it can. */
  readonly unsupported: (value: string | number, stageLevel: boolean) => string | undefined;
}

const SETTINGS: Record<string, Setting> = {
  backend: {
    values: ["wasm", "cpu", "tensorflow"],
    unsupported: (_v, stageLevel) => (stageLevel ? "the backend is chosen once per run (put it in the top-level `run`)" : undefined),
  },
  threads: {
    values: "int",
    unsupported: (v) => (Number(v) > 1 ? "WASM threads are unavailable in Node.js, and the native backends size their own thread pools" : undefined),
  },
  precision: {
    values: ["float32", "float16", "bfloat16", "mixed"],
    unsupported: (v) => (v === "float32" ? undefined : "TensorFlow.js trains in float32 only"),
  },
  strategy: {
    values: ["single", "data_parallel"],
    unsupported: (v) => (v === "single" ? undefined : "TensorFlow.js in Node runs on one device"),
  },
  devices: {
    values: "int",
    unsupported: (v) => (Number(v) === 1 ? undefined : "TensorFlow.js in Node runs on one device"),
  },
};

export function checkRunSettings(
  entries: readonly Argument[],
  expressions: ExpressionChecker,
  env: Env,
  report: (d: Diagnostic) => void,
  stageLevel = true,
): RunSettings {
  const out: { backend?: RunSettings["backend"] } = {};
  const seen = new Set<string>();
  for (const entry of entries) {
    if (!entry.name) continue;
    const key = entry.name.name;
    const setting = SETTINGS[key];
    if (!setting) {
      report(diagnostic("KD3027", entry.name.span, { name: key, available: Object.keys(SETTINGS).join(", "), suggestion: suggest(key, Object.keys(SETTINGS)) }));
      continue;
    }
    if (seen.has(key)) {
      report(diagnostic("KD3010", entry.name.span, { setting: `run.${key}` }));
      continue;
    }
    seen.add(key);
    const value = settingValue(entry.value, setting, key, expressions, env, report);
    if (value === undefined) continue;
    const why = setting.unsupported(value, stageLevel);
    if (why) {
      report(diagnostic("KD3026", entry.value.span, { setting: key, value: String(value), reason: why }));
      continue;
    }
    if (key === "backend") out.backend = value as RunSettings["backend"];
  }
  return out;
}

function settingValue(
  e: Expression,
  setting: Setting,
  key: string,
  expressions: ExpressionChecker,
  env: Env,
  report: (d: Diagnostic) => void,
): string | number | undefined {
  if (setting.values === "int") {
    const r = expressions.check(e, env);
    if (r.type.kind === "error") return undefined;
    if (r.type.kind === "number" && r.type.integer && typeof r.value === "number" && r.value >= 1) return r.value;
    report(diagnostic("KD3004", e.span, { context: `\`run.${key}\``, expected: "a positive integer", found: describe(r.type) }));
    return undefined;
  }
  // Enumerated settings take bare words (`backend: wasm`) or strings.
  const word = e.kind === "Identifier" ? e.name : e.kind === "StringLiteral" ? e.value : undefined;
  if (word !== undefined && setting.values.includes(word)) return word;
  const options = setting.values.join(", ");
  report(diagnostic("KD3004", e.span, { context: `\`run.${key}\``, expected: `one of ${options}`, found: word !== undefined ? `\`${word}\`` : "an expression" }));
  return undefined;
}
