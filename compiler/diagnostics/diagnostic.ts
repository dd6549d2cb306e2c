// One diagnostic type for every phase. Message texts come only from the catalogue (codes.ts).
import type { Span } from "../source.js";
import { catalogue, type Code, type MessageArgs } from "./codes.js";

export type Severity = "error" | "warning";

export interface Label {
  readonly span: Span;
  readonly message: string;
}

/** A machine-applicable edit: replace the text under `span` with `replacement`. */
export interface Fix {
  readonly span: Span;
  readonly replacement: string;
}

export interface Diagnostic {
  readonly code: Code;
  readonly severity: Severity;
  readonly message: string;
  /** Absent only for diagnostics about the invocation itself (a bad `--set`, a missing file). */
  readonly span: Span | undefined;
  readonly labels: readonly Label[];
  readonly notes: readonly string[];
  readonly help: string | undefined;
  readonly fix: Fix | undefined;
}

export interface DiagnosticExtras {
  readonly labels?: readonly Label[];
  readonly notes?: readonly string[];
  readonly fix?: Fix;
}

export function diagnostic<C extends Code>(
  code: C,
  span: Span | undefined,
  args: MessageArgs<C>,
  extras: DiagnosticExtras = {},
): Diagnostic {
  const entry = catalogue[code] as {
    severity: Severity;
    message: (a: MessageArgs<C>) => string;
    help?: (a: MessageArgs<C>) => string | undefined;
  };
  return {
    code,
    severity: entry.severity,
    message: entry.message(args),
    span,
    labels: extras.labels ?? [],
    notes: extras.notes ?? [],
    help: entry.help?.(args),
    fix: extras.fix,
  };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** Stable order for output: by file, then offset, then code. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      (a.span?.file ?? "").localeCompare(b.span?.file ?? "") ||
      (a.span?.start ?? -1) - (b.span?.start ?? -1) ||
      a.code.localeCompare(b.code),
  );
}

/** What is reported at most in one run; the rest is summarised by KD9004. */
export const MAX_DIAGNOSTICS = 100;
