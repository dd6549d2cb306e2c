// CSV files: numeric feature columns (vectors) or a text column (tokens), and a label column.
// Parsed by a small RFC 4180 reader: quoted fields may hold the delimiter, doubled quotes and line
// breaks; CRLF and LF both end records; blank lines are skipped.
import { KdcRuntimeError } from "../errors.js";
import { contentId, missingColumn, readText, tabularSplits, type FileSplits, type ParsedRow, type TabularOptions } from "./files.js";

export interface CsvRecord {
  /** 1-based line where the record starts. */
  readonly line: number;
  readonly fields: readonly string[];
}

/** The records of CSV text; `path` is for messages. */
export function parseCsv(text: string, delimiter: string, path: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let blank = true;
    for (;;) {
      let field = "";
      if (text[i] === '"') {
        const openedOn = line;
        blank = false;
        i++;
        for (;;) {
          if (i >= n) throw new KdcRuntimeError(`csv: ${path}:${openedOn}: a quoted field is never closed`, "a quote inside a quoted field is written twice: \"\"");
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === "\n") line++;
          field += c;
          i++;
        }
        if (i < n && text[i] !== delimiter && text[i] !== "\n" && text[i] !== "\r") {
          const opened = line === openedOn ? "" : ` (the quoted field opened on line ${openedOn})`;
          throw new KdcRuntimeError(`csv: ${path}:${line}: unexpected ${JSON.stringify(text[i])} after a closing quote${opened}`, "quote the whole field, and write a quote inside it twice: \"\"");
        }
      } else {
        const from = i;
        while (i < n && text[i] !== delimiter && text[i] !== "\n" && text[i] !== "\r") i++;
        field = text.slice(from, i);
        if (field.trim() !== "") blank = false;
      }
      fields.push(field);
      if (i < n && text[i] === delimiter) {
        blank = false;
        i++;
        continue;
      }
      break;
    }
    // End of record: \r\n, \n, \r or the end of the text.
    if (text[i] === "\r") i++;
    if (text[i] === "\n") i++;
    line++;
    if (!blank) records.push({ line: start, fields });
  }
  return records;
}

export interface CsvOptions extends TabularOptions {
  /** Numeric feature columns, or "rest" for every column but the label (default, unless `text` is given). */
  readonly input?: readonly string[] | "rest";
  /** A text column to tokenize instead of numeric input. */
  readonly text?: string;
  /** The class label column; without it the splits have no labels. */
  readonly label?: string;
  /** Whether the first record names the columns (default true). Without a header columns are named 1, 2, …. */
  readonly header?: boolean;
  /** One character (default ","). */
  readonly delimiter?: string;
  /** A column of non-negative integers choosing each row's teacher (`batch.route`, `ensemble(…, route:)`); not an input. */
  readonly route?: string;
}

/** A CSV file as splits of vectors (numeric columns) or tokens (a text column). */
export function csv(path: string, options: CsvOptions = {}): FileSplits {
  const where = "csv";
  const delimiter = options.delimiter ?? ",";
  if ([...delimiter].length !== 1 || delimiter === '"' || delimiter === "\n" || delimiter === "\r") {
    throw new KdcRuntimeError(`csv: 'delimiter' must be one character other than a quote or a line break, got ${JSON.stringify(delimiter)}`);
  }
  if (options.text !== undefined && options.input !== undefined) throw new KdcRuntimeError("csv: give either 'input' (numeric columns) or 'text' (a column to tokenize), not both");
  const content = readText(where, path);
  const records = parseCsv(content, delimiter, path);
  const header = options.header ?? true;
  if (records.length === 0) throw new KdcRuntimeError(`csv: '${path}' is empty`, "an empty dataset cannot be trained or evaluated on");
  const columns = header ? [...records[0]!.fields] : records[0]!.fields.map((_, i) => String(i + 1));
  const duplicate = columns.find((c, i) => columns.indexOf(c) !== i);
  if (duplicate !== undefined) throw new KdcRuntimeError(`csv: ${path}:${records[0]!.line}: the column '${duplicate}' appears twice in the header`);
  const column = (name: string): number => {
    const at = columns.indexOf(name);
    if (at < 0) throw missingColumn(where, path, "column", name, columns);
    return at;
  };
  const labelAt = options.label === undefined ? undefined : column(options.label);
  const textAt = options.text === undefined ? undefined : column(options.text);
  const routeAt = options.route === undefined ? undefined : column(options.route);
  let inputAt: number[] = [];
  if (textAt === undefined) {
    const input = options.input ?? "rest";
    inputAt = input === "rest" ? columns.map((_, i) => i).filter((i) => i !== labelAt && i !== routeAt) : input.map(column);
    if (inputAt.length === 0) throw new KdcRuntimeError(`csv: '${path}' has no input column`, "name the numeric columns in 'input', or a text column in 'text'");
  }
  const rows: ParsedRow[] = [];
  for (const { line, fields } of header ? records.slice(1) : records) {
    if (fields.length !== columns.length) {
      throw new KdcRuntimeError(`csv: ${path}:${line}: expected ${columns.length} fields${header ? " (as in the header)" : ""}, found ${fields.length}`);
    }
    const input = inputAt.map((c) => {
      const cell = fields[c]!.trim();
      const value = Number(cell);
      if (cell === "" || !Number.isFinite(value)) throw new KdcRuntimeError(`csv: ${path}:${line}: column '${columns[c]}' is not a number: ${JSON.stringify(fields[c])}`);
      return value;
    });
    const route = routeAt === undefined ? undefined : Number(fields[routeAt]!.trim());
    if (route !== undefined && !(Number.isInteger(route) && route >= 0 && fields[routeAt!]!.trim() !== "")) {
      throw new KdcRuntimeError(`csv: ${path}:${line}: the route column '${columns[routeAt!]}' holds ${JSON.stringify(fields[routeAt!])}, not a non-negative integer`);
    }
    rows.push({
      line,
      ...(route === undefined ? {} : { route }),
      ...(textAt === undefined ? { input } : { text: fields[textAt]! }),
      ...(labelAt === undefined ? {} : { label: fields[labelAt]!.trim() }),
    });
  }
  const what = textAt === undefined ? `input ${inputAt.map((c) => columns[c]).join(",")}` : `text ${columns[textAt]}`;
  const id = `${contentId("csv", path, content)}\n${what}\nlabel ${options.label ?? "-"}${routeAt === undefined ? "" : `\nroute ${columns[routeAt]}`}`;
  return tabularSplits(where, path, id, rows, options.label, options, 0xc5f);
}
