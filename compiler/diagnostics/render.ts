// Renders diagnostics the way rustc and Elm do: a code and one-line message, the location, the
// source line with carets under the span, secondary labels, notes and a help line.
import type { SourceFile, Span } from "../source.js";
import type { Diagnostic } from "./diagnostic.js";

export interface RenderOptions {
  readonly color?: boolean;
}

const paint = (on: boolean, code: string, text: string): string => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

export function renderDiagnostic(d: Diagnostic, sources: ReadonlyMap<string, SourceFile>, options: RenderOptions = {}): string {
  const color = options.color ?? false;
  const head = d.severity === "error" ? paint(color, "1;31", `error[${d.code}]`) : paint(color, "1;33", `warning[${d.code}]`);
  const lines = [`${head}: ${paint(color, "1", d.message)}`];
  const primary = d.span && sources.get(d.span.file);
  const snippets: { span: Span; source: SourceFile; message: string; primary: boolean }[] = [];
  if (d.span && primary) snippets.push({ span: d.span, source: primary, message: "", primary: true });
  for (const label of d.labels) {
    const source = sources.get(label.span.file);
    if (source) snippets.push({ span: label.span, source, message: label.message, primary: false });
  }
  const gutter = Math.max(1, ...snippets.map((s) => String(s.source.position(s.span.start).line).length));
  const pad = " ".repeat(gutter);
  let lastFile: string | undefined;
  for (const s of snippets) {
    const start = s.source.position(s.span.start);
    if (s.primary || s.span.file !== lastFile) lines.push(`${pad}${paint(color, "34", "-->")} ${s.source.path}:${start.line}:${start.column}`);
    else lines.push(`${pad}${paint(color, "34", ":::")} ${s.source.path}:${start.line}:${start.column}`);
    lastFile = s.span.file;
    const text = s.source.lineText(start.line);
    const end = s.source.position(Math.max(s.span.start, s.span.end - 1));
    const width = end.line === start.line ? Math.max(1, end.column - start.column + 1) : Math.max(1, text.length - start.column + 1);
    const marker = (s.primary ? "^" : "-").repeat(width);
    lines.push(`${pad} ${paint(color, "34", "|")}`);
    lines.push(`${paint(color, "34", String(start.line).padStart(gutter))} ${paint(color, "34", "|")} ${expandTabs(text)}`);
    const caret = `${" ".repeat(displayColumn(text, start.column) - 1)}${marker}${s.message ? ` ${s.message}` : ""}`;
    lines.push(`${pad} ${paint(color, "34", "|")} ${paint(color, s.primary ? (d.severity === "error" ? "1;31" : "1;33") : "1;34", caret)}`);
  }
  if (snippets.length > 0) lines.push(`${pad} ${paint(color, "34", "|")}`);
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
