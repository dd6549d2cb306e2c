// Source text and spans. Spans are half-open UTF-16 offsets into one file's text;
// line and column (both 1-based) are derived on demand so AST nodes stay small.

export interface Span {
  readonly file: string;
  readonly start: number;
  readonly end: number;
}

export interface Position {
  readonly line: number;
  readonly column: number;
}

export class SourceFile {
  private readonly lineStarts: readonly number[];

  constructor(
    /** The path as the user should see it (relative to the working directory, or `std/…`). */
    readonly path: string,
    readonly text: string,
  ) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
    this.lineStarts = starts;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  position(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= clamped) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: clamped - this.lineStarts[lo]! + 1 };
  }

  /** The text of a 1-based line without its line break. */
  lineText(line: number): string {
    const start = this.lineStarts[line - 1] ?? this.text.length;
    const next = this.lineStarts[line];
    const end = next === undefined ? this.text.length : next - 1;
    return this.text.slice(start, end).replace(/\r$/, "");
  }

  /** `path:line:col`, the form used in diagnostics and IR origins. */
  origin(offset: number): string {
    const { line, column } = this.position(offset);
    return `${this.path}:${line}:${column}`;
  }
}

export function span(file: string, start: number, end: number): Span {
  return { file, start, end };
}

/** The smallest span covering both. Both must be in the same file. */
export function cover(a: Span, b: Span): Span {
  return { file: a.file, start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}
