// JSON Lines files: one JSON object per line. Numeric input (one field holding an array of numbers,
// or several numeric fields) or a text field to tokenize, an optional prompt field (masked in the
// targets) and an optional label field. Blank lines are skipped.
import { KdcRuntimeError } from "../errors.js";
import { contentId, missingColumn, readText, tabularSplits, type FileSplits, type ParsedRow, type TabularOptions } from "./files.js";

export interface JsonlOptions extends TabularOptions {
  /** A field holding an array of numbers, or several fields holding one number each. */
  readonly input?: string | readonly string[];
  /** A string field to tokenize. */
  readonly text?: string;
  /** A string field tokenized before `text` and masked (−100) in the targets; needs `text`. */
  readonly prompt?: string;
  /** The class label field (a string, an integer or a boolean); without it the splits have no labels. */
  readonly label?: string;
  /** A field of non-negative integers choosing each row's teacher (`batch.route`, `ensemble(…, route:)`). */
  readonly route?: string;
}

export interface JsonlLine {
  readonly line: number;
  readonly value: Record<string, unknown>;
}

/** The objects of a JSON Lines text, each with its 1-based line; `where` and `path` are for messages. */
export function parseJsonl(text: string, where: string, path: string): JsonlLine[] {
  const out: JsonlLine[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new KdcRuntimeError(`${where}: ${path}:${i + 1}: not valid JSON (${(error as Error).message})`, "each line must hold one complete JSON object");
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new KdcRuntimeError(`${where}: ${path}:${i + 1}: expected a JSON object, found ${describe(value)}`);
    }
    out.push({ line: i + 1, value: value as Record<string, unknown> });
  });
  return out;
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}

/** `value[name]`, or a clear error naming the line and the fields there are. */
export function field(where: string, path: string, { line, value }: JsonlLine, name: string): unknown {
  if (!Object.hasOwn(value, name)) throw missingColumn(where, path, "field", name, Object.keys(value), line);
  return value[name];
}

export function stringField(where: string, path: string, row: JsonlLine, name: string): string {
  const v = field(where, path, row, name);
  if (typeof v !== "string") throw new KdcRuntimeError(`${where}: ${path}:${row.line}: '${name}' must be a string, found ${describe(v)}`);
  return v;
}

/** A JSON Lines file as splits of vectors (numeric input) or tokens (a text field). */
export function jsonl(path: string, options: JsonlOptions = {}): FileSplits {
  const where = "jsonl";
  const { input, text, prompt, label, route } = options;
  if ((input === undefined) === (text === undefined)) throw new KdcRuntimeError("jsonl: give either 'input' (numeric fields) or 'text' (a field to tokenize)");
  if (prompt !== undefined && text === undefined) throw new KdcRuntimeError("jsonl: 'prompt' needs 'text' (the response that follows it)");
  const content = readText(where, path);
  const lines = parseJsonl(content, where, path);
  let width: { line: number; n: number } | undefined;
  const rows: ParsedRow[] = lines.map((row) => {
    let values: number[] | undefined;
    if (input !== undefined) {
      const names = typeof input === "string" ? [input] : input;
      values = [];
      for (const name of names) {
        const v = field(where, path, row, name);
        const list = typeof input === "string" && Array.isArray(v) ? v : [v];
        for (const x of list) {
          if (typeof x !== "number" || !Number.isFinite(x)) {
            throw new KdcRuntimeError(`${where}: ${path}:${row.line}: '${name}' must hold ${typeof input === "string" ? "a number or an array of numbers" : "a number"}, found ${describe(x)}`);
          }
          values.push(x);
        }
      }
      if (width && values.length !== width.n) {
        throw new KdcRuntimeError(`${where}: ${path}:${row.line}: ${values.length} input numbers, but line ${width.line} has ${width.n}`);
      }
      width ??= { line: row.line, n: values.length };
    }
    let labelValue: string | undefined;
    if (label !== undefined) {
      const v = field(where, path, row, label);
      if (typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isInteger(v))) labelValue = String(v);
      else throw new KdcRuntimeError(`${where}: ${path}:${row.line}: label '${label}' must be a string, an integer or a boolean, found ${describe(v)}`);
    }
    let routeId: number | undefined;
    if (route !== undefined) {
      const v = field(where, path, row, route);
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new KdcRuntimeError(`${where}: ${path}:${row.line}: route '${route}' must be a non-negative integer, found ${describe(v)}`);
      routeId = v;
    }
    return {
      line: row.line,
      ...(routeId !== undefined ? { route: routeId } : {}),
      ...(values ? { input: values } : { text: stringField(where, path, row, text!) }),
      ...(prompt !== undefined ? { prompt: stringField(where, path, row, prompt) } : {}),
      ...(labelValue !== undefined ? { label: labelValue } : {}),
    };
  });
  const what = input !== undefined ? `input ${[input].flat().join(",")}` : `text ${prompt ?? "-"}+${text}`;
  const id = `${contentId("jsonl", path, content)}\n${what}\nlabel ${label ?? "-"}${route === undefined ? "" : `\nroute ${route}`}`;
  return tabularSplits(where, path, id, rows, label, options, 0x15e1);
}
