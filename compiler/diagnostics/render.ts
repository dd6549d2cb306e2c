// Renders diagnostics the way rustc and Elm do: a code and one-line message, the location, the
// source line with carets under the span, secondary labels, notes and a help line.
import type { SourceFile, Span } from "../source.js";
import type { Diagnostic } from "./diagnostic.js";

export interface RenderOptions {
  readonly color?: boolean;
}

interface Annotation {
  readonly span: Span;
  readonly source: SourceFile;
  readonly message: string;
  readonly primary: boolean;
}

const paint = (on: boolean, code: string, text: string): string => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

export function renderDiagnostic(d: Diagnostic, sources: ReadonlyMap<string, SourceFile>, options: RenderOptions = {}): string {
  const color = options.color ?? false;
  const head = d.severity === "error" ? paint(color, "1;31", `error[${d.code}]`) : paint(color, "1;33", `warning[${d.code}]`);
  const lines = [`${head}: ${paint(color, "1", d.message)}`];
  const annotations: Annotation[] = [];
  const primary = d.span && sources.get(d.span.file);
  if (d.span && primary) annotations.push({ span: d.span, source: primary, message: "", primary: true });
  for (const label of d.labels) {
    const source = sources.get(label.span.file);
    if (source) annotations.push({ span: label.span, source, message: label.message, primary: false });
  }
  // One snippet per file (the primary's first), each source line shown once with all its markers.
  const files = [...new Set(annotations.map((a) => a.source))];
  const lineOf = (a: Annotation) => a.source.position(a.span.start).line;
  const gutter = Math.max(1, ...annotations.map((a) => String(lineOf(a)).length));
  const pad = " ".repeat(gutter);
  const bar = paint(color, "34", "|");
  files.forEach((source, i) => {
    const here = annotations.filter((a) => a.source === source);
    const first = source.position(here[0]!.span.start);
    lines.push(`${pad}${paint(color, "34", i === 0 ? "-->" : ":::")} ${source.path}:${first.line}:${first.column}`);
    lines.push(`${pad} ${bar}`);
    const lineNumbers = [...new Set(here.map(lineOf))].sort((a, b) => a - b);
    lineNumbers.forEach((line, j) => {
      if (j > 0 && line > lineNumbers[j - 1]! + 1) lines.push(paint(color, "34", "..."));
      const text = source.lineText(line);
      lines.push(`${paint(color, "34", String(line).padStart(gutter))} ${bar} ${expandTabs(text)}`);
      const onLine = here.filter((a) => lineOf(a) === line).sort((a, b) => a.span.start - b.span.start || Number(b.primary) - Number(a.primary));
      for (const a of onLine) {
        const start = source.position(a.span.start);
        const end = source.position(Math.max(a.span.start, a.span.end - 1));
        const width = end.line === start.line ? Math.max(1, end.column - start.column + 1) : Math.max(1, text.length - start.column + 1);
        const marker = `${" ".repeat(displayColumn(text, start.column) - 1)}${(a.primary ? "^" : "-").repeat(width)}${a.message ? ` ${a.message}` : ""}`;
        const tone = a.primary ? (d.severity === "error" ? "1;31" : "1;33") : "1;34";
        lines.push(`${pad} ${bar} ${paint(color, tone, marker)}`);
      }
    });
    lines.push(`${pad} ${bar}`);
  });
  for (const note of d.notes) lines.push(`${pad} ${paint(color, "34", "=")} note: ${note}`);
  if (d.help) lines.push(`${pad} ${paint(color, "34", "=")} ${paint(color, "1", "help")}: ${d.help}`);
  return lines.join("\n");
}

export function renderDiagnostics(diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, SourceFile>, options: RenderOptions = {}): string {
  if (diagnostics.length === 0) return "";
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  const summary = [errors ? `${errors} error${errors === 1 ? "" : "s"}` : "", warnings ? `${warnings} warning${warnings === 1 ? "" : "s"}` : ""]
    .filter(Boolean)
    .join(", ");
  return `${diagnostics.map((d) => renderDiagnostic(d, sources, options)).join("\n\n")}\n\n${summary}\n`;
}

/** Machine-readable diagnostics (`--format json`) with 1-based line and column. */
export function diagnosticsToJson(diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, SourceFile>): object[] {
  const location = (span: Span | undefined) => {
    if (!span) return undefined;
    const source = sources.get(span.file);
    if (!source) return { file: span.file };
    const start = source.position(span.start);
    const end = source.position(span.end);
    return { file: span.file, start: { offset: span.start, ...start }, end: { offset: span.end, ...end } };
  };
  return diagnostics.map((d) => ({
    code: d.code,
    severity: d.severity,
    message: d.message,
    location: location(d.span),
    labels: d.labels.map((l) => ({ message: l.message, location: location(l.span) })),
    notes: d.notes,
    help: d.help,
    fix: d.fix ? { location: location(d.fix.span), replacement: d.fix.replacement } : undefined,
  }));
}

function expandTabs(text: string): string {
  return text.replace(/\t/g, "    ");
}

function displayColumn(text: string, column: number): number {
  let col = 1;
  for (let i = 0; i < column - 1 && i < text.length; i++) col += text[i] === "\t" ? 4 : 1;
  return col;
}
