// The canonical formatter: print(program) → .kd text.
//
// Layout rules:
//  - one declaration or stage statement per line, stage bodies indented by 2 spaces;
//  - exactly one blank line between declarations (whatever their kind);
//  - a loss body goes on its own line, indented: `loss f(…) =\n  body`;
//  - a stage that instantiates a recipe and adds no statements has no braces:
//    `stage s after a = distill_with(small, big)`; a recipe always has them (`recipe r() {}`);
//  - `run { name: value, … }`, `evaluate on a, b every … { … }` and `checkpoint every … best by
//    … on … [min|max] keep …` on one line; `teacher a trainable, b`; `reference none`;
//  - `sum over i in 0..3 { body }` (no spaces around `..`), `10%`, ` >> ` like other operators;
//  - `name: value` for named arguments and parameters, `, ` between list items, spaces around
//    binary operators, the fewest parentheses that keep the tree (precedence and
//    associativity: `a - (b - c)` keeps them, `a ^ (b ^ c)` prints as `a ^ b ^ c`);
//  - numbers as written (`raw`), strings re-escaped, the unit word as written;
//  - doc comments as `///` lines directly above their declaration;
//  - a file ends with one line break (an empty program prints as "").
//
// Comments: each comment that is not a doc comment is attached to a declaration or a stage
// statement and printed back in place:
//  - on the same line after an item's end (or inside a one-line item, after code) → trailing,
//    printed at the end of the item's last line;
//  - on a line of its own before an item (or inside a multi-line item) → leading, printed on
//    its own lines above the item (and above its doc comment); blank lines between leading
//    comments and between the last one and the item are kept;
//  - on the header line of a stage or recipe (`stage s { // note`) → after the `{`;
//  - after the last statement of a stage or recipe → before its `}`; after the last declaration →
//    at the end of the file, after a blank line;
//  - inside a stage printed without braces (`stage s = r(x)`) → like any one-line declaration.
// Whether a comment shares a line with code is read from the source text: `options.source`,
// or the text the program was parsed from (grammar/parse.ts records it). Without either,
// every comment is printed on its own line above the item that follows it.
//
// `print` is idempotent: print(parse(print(p))) === print(p). Programs with `Missing` nodes
// (from recovered errors) print, but not necessarily as valid .kd.
import type {
  Argument,
  Comment,
  Declaration,
  Expression,
  Parameter,
  Program,
  RecipeDeclaration,
  StageDeclaration,
  StageStatement,
} from "./ast.js";
import { encodeString } from "./lexer.js";
import { sourceOf } from "./program-source.js";

export interface PrintOptions {
  /** The text the program was parsed from; defaults to the one recorded by `parse`. */
  readonly source?: string;
}

const INDENT = "  ";

export function print(program: Program, options: PrintOptions = {}): string {
  return new Printer(program, options.source ?? sourceOf(program)).program();
}

// ── expressions ──────────────────────────────────────────────────────────────

/**
 * Binding strength: 1 pipeline (`>>`), 2 additive, 3 multiplicative, 4 unary, 5 power,
 * 6 postfix, 7 atoms (literals, names, lists, comprehensions).
 */
function level(e: Expression): number {
  switch (e.kind) {
    case "BinaryExpression":
      if (e.operator === ">>") return 1;
      if (e.operator === "+" || e.operator === "-") return 2;
      return e.operator === "^" ? 5 : 3;
    case "UnaryExpression":
      return 4;
    case "CallExpression":
    case "MemberExpression":
    case "IndexExpression":
      return 6;
    default:
      return 7;
  }
}

/** Prints `e` so that it parses back at binding strength `min` or stronger (1: anywhere). */
export function printExpression(e: Expression, min = 1): string {
  const text = expressionText(e);
  return level(e) < min ? `(${text})` : text;
}

function expressionText(e: Expression): string {
  switch (e.kind) {
    case "Identifier":
      return e.name;
    case "NumberLiteral":
      return e.raw;
    case "StringLiteral":
      return encodeString(e.value);
    case "BooleanLiteral":
      return e.value ? "true" : "false";
    case "UnitLiteral":
      return `${e.value.raw} ${e.unitText}`;
    case "PercentLiteral":
      return `${e.value.raw}%`;
    case "ListExpression":
      return `[${e.items.map((i) => printExpression(i)).join(", ")}]`;
    case "Missing":
      return "";
    case "UnaryExpression":
      return `-${printExpression(e.operand, 4)}`;
    case "BinaryExpression":
      return e.operator === "^" ? `${printExpression(e.left, 6)} ^ ${printExpression(e.right, 4)}` : binaryChain(e);
    case "CallExpression":
    case "MemberExpression":
    case "IndexExpression":
      return postfixChain(e);
    case "ComprehensionExpression":
      return `${e.reducer} over ${e.variable.name} in ${printExpression(e.from)}..${printExpression(e.to)} { ${printExpression(e.body)} }`;
  }
}

/** A left-associative chain of one precedence level, printed without recursing down the left. */
function binaryChain(e: Expression & { kind: "BinaryExpression" }): string {
  const lvl = level(e);
  const rights: { operator: string; right: Expression }[] = [];
  let left: Expression = e;
  while (left.kind === "BinaryExpression" && left.operator !== "^" && level(left) === lvl) {
    rights.push({ operator: left.operator, right: left.right });
    left = left.left;
  }
  let out = printExpression(left, lvl);
  for (let i = rights.length - 1; i >= 0; i--) {
    out += ` ${rights[i]!.operator} ${printExpression(rights[i]!.right, lvl + 1)}`;
  }
  return out;
}

/** `a.b(c)[d]…`, printed without recursing down the chain. */
function postfixChain(e: Expression): string {
  const suffixes: string[] = [];
  let base = e;
  for (;;) {
    if (base.kind === "CallExpression") {
      suffixes.push(`(${base.args.map(printArgument).join(", ")})`);
      base = base.callee;
    } else if (base.kind === "MemberExpression") {
      suffixes.push(`.${base.property.name}`);
      base = base.object;
    } else if (base.kind === "IndexExpression") {
      suffixes.push(`[${printExpression(base.index)}]`);
      base = base.object;
    } else break;
  }
  return printExpression(base, 6) + suffixes.reverse().join("");
}

function printArgument(a: Argument): string {
  return a.name ? `${a.name.name}: ${printExpression(a.value)}` : printExpression(a.value);
}

function printParameter(p: Parameter): string {
  const head = `${p.name.name}: ${p.type.name.name}`;
  return p.default ? `${head} = ${printExpression(p.default)}` : head;
}

// ── declarations and statements (without comments) ───────────────────────────

function printParameters(params: readonly Parameter[]): string {
  return `(${params.map(printParameter).join(", ")})`;
}

function printEntries(entries: readonly Argument[]): string {
  return entries.length > 0 ? `{ ${entries.map(printArgument).join(", ")} }` : "{}";
}

/** A declaration with a `{ … }` body of stage statements. */
type Block = StageDeclaration | RecipeDeclaration;

/** Whether a declaration prints with braces: a recipe always, a stage unless it is `= recipe(…)` alone. */
function isBlock(d: Declaration): d is Block {
  return d.kind === "RecipeDeclaration" || (d.kind === "StageDeclaration" && (!d.template || d.body.length > 0));
}

/** The lines of a declaration, without comments. */
function declarationLines(d: Declaration): string[] {
  switch (d.kind) {
    case "ImportDeclaration":
      return [`import { ${d.names.map((n) => n.name).join(", ")} } from ${encodeString(d.from.value)}`];
    case "ParamDeclaration":
      return [`param ${d.name.name}${d.type ? `: ${d.type.name.name}` : ""} = ${printExpression(d.value)}`];
    case "DatasetDeclaration":
      return [`dataset ${d.name.name} = ${printExpression(d.value)}`];
    case "ModelDeclaration":
      return [`model ${d.name.name} = ${printExpression(d.value)}`];
    case "ModuleDeclaration":
      return [`module ${d.name.name} = ${printExpression(d.value)}`];
    case "LossDeclaration":
      return [`loss ${d.name.name}${printParameters(d.params)} =`, `${INDENT}${printExpression(d.body)}`];
    case "RunDeclaration":
      return [`run ${printEntries(d.entries)}`];
    case "StageDeclaration":
    case "RecipeDeclaration":
      if (!isBlock(d)) return [blockHead(d)];
      if (d.body.length === 0) return [`${blockHead(d)} {}`];
      return [`${blockHead(d)} {`, ...d.body.map((s) => INDENT + printStatement(s)), "}"];
  }
}

/** `stage s after a = r(x)` or `recipe r(p: model)`, without the brace. */
function blockHead(d: Block): string {
  if (d.kind === "RecipeDeclaration") return `recipe ${d.name.name}${printParameters(d.params)}`;
  const after = d.after.length > 0 ? ` after ${d.after.map((n) => n.name).join(", ")}` : "";
  const template = d.template ? ` = ${printExpression(d.template)}` : "";
  return `stage ${d.name.name}${after}${template}`;
}

export function printStatement(s: StageStatement): string {
  switch (s.kind) {
    case "TrainStatement":
      return `train ${[s.model, ...s.modules].map((m) => m.name).join(", ")} on ${printExpression(s.data)}`;
    case "TeacherStatement":
      return `teacher ${s.models.map((m, i) => `${m.name}${s.trainable[i] ? " trainable" : ""}${s.modes?.[i] ? ` mode ${s.modes[i].name}` : ""}`).join(", ")}`;
    case "ReferenceStatement":
      return s.name ? `reference ${s.name.name} = ${s.model?.name ?? ""}` : "reference none";
    case "SettingStatement":
      return `${s.setting} ${printExpression(s.value)}`;
    case "AccumulateStatement":
      return `accumulate ${printExpression(s.value)}${s.by ? ` by ${s.by}` : ""}`;
    case "FreezeStatement":
      return `freeze ${printExpression(s.target)}`;
    case "RunStatement":
      return `run ${printEntries(s.entries)}`;
    case "LetStatement":
      return `let ${s.name.name} = ${printExpression(s.value)}`;
    case "MinimizeStatement":
      return `minimize ${printExpression(s.objective)}`;
    case "EvaluateStatement": {
      const splits = [s.data, ...s.also].map((d) => printExpression(d)).join(", ");
      const every = s.every ? ` every ${printExpression(s.every)}` : "";
      const metrics = s.metrics.length > 0 ? `{ ${s.metrics.map((m) => printExpression(m)).join(", ")} }` : "{}";
      return `evaluate on ${splits}${every} ${metrics}`;
    }
    case "CheckpointStatement":
      return [
        "checkpoint",
        ...(s.every ? [`every ${printExpression(s.every)}`] : []),
        ...(s.best
          ? [
              `best by ${printExpression(s.best.metric)} on ${printExpression(s.best.split)}${s.best.mode ? ` ${s.best.mode}` : ""}`,
            ]
          : []),
        ...(s.keep ? [`keep ${printExpression(s.keep)}`] : []),
      ].join(" ");
    case "ExportStatement":
      return `export ${s.model.name} to ${encodeString(s.path.value)}`;
  }
}

// ── comments ─────────────────────────────────────────────────────────────────

type Item = Declaration | StageStatement;

interface Attachment {
  /** Comments before the item, in order: those above it in the source, then those inside it. */
  readonly leading: Comment[];
  /** How many of `leading` stand above the item in the source (the rest were inside it). */
  above: number;
  readonly trailing: Comment[];
}

const isDocText = (text: string): boolean => text.startsWith("///") && !text.startsWith("////");

/**
 * Comments at the end of a line. A `//` comment runs to the end of the line, so block comments
 * go first and line comments last (several line comments read back as one).
 */
function trailingText(comments: readonly Comment[]): string {
  const isLine = (c: Comment): boolean => c.text.startsWith("//");
  return [...comments.filter((c) => !isLine(c)), ...comments.filter(isLine)].map((c) => ` ${c.text}`).join("");
}

class Printer {
  private readonly attachments = new Map<Item, Attachment>();
  private readonly headerComments = new Map<Block, Comment[]>();
  private readonly bodyEndComments = new Map<Block, Comment[]>();
  private readonly endComments: Comment[] = [];
  /** The doc comments of each declaration, as found among `program.comments`. */
  private readonly docComments = new Map<Declaration, Comment[]>();
  private readonly comments: readonly Comment[];

  constructor(
    private readonly root: Program,
    private readonly source: string | undefined,
  ) {
    this.comments = [...root.comments].sort((a, b) => a.span.start - b.span.start);
    this.placeComments();
  }

  // ── source-text questions (answered conservatively without a source) ──────

  private ownLine(c: Comment): boolean {
    if (this.source === undefined) return true;
    const lineStart = this.source.lastIndexOf("\n", c.span.start - 1) + 1;
    return this.source.slice(lineStart, c.span.start).trim() === "";
  }

  private sameLine(from: number, to: number): boolean {
    if (this.source === undefined || from > to) return false;
    return !this.source.slice(from, to).includes("\n");
  }

  private blankBetween(from: number, to: number): boolean {
    if (this.source === undefined || from >= to) return false;
    const between = this.source.slice(from, to);
    return between.trim() === "" && (between.match(/\n/g)?.length ?? 0) >= 2;
  }

  // ── placement ──────────────────────────────────────────────────────────────

  private attachment(item: Item): Attachment {
    let a = this.attachments.get(item);
    if (!a) {
      a = { leading: [], above: 0, trailing: [] };
      this.attachments.set(item, a);
    }
    return a;
  }

  private placeComments(): void {
    const declarations = this.root.declarations;
    const docs = new Set<Comment>();
    // Doc comments: the `///` comments directly before each documented declaration.
    let ci = 0;
    for (const d of declarations) {
      while (ci < this.comments.length && this.comments[ci]!.span.end <= d.span.start) ci++;
      if (d.doc === undefined) continue;
      const wanted = d.doc.split("\n").length;
      const found: Comment[] = [];
      for (let i = ci - 1; i >= 0 && found.length < wanted; i--) {
        const c = this.comments[i]!;
        if (!isDocText(c.text) || docs.has(c)) break;
        found.unshift(c);
      }
      found.forEach((c) => docs.add(c));
      this.docComments.set(d, found);
    }

    const blockInner = new Map<Block, Comment[]>();
    let di = 0;
    for (const c of this.comments) {
      if (docs.has(c)) continue;
      while (di < declarations.length && declarations[di]!.span.end <= c.span.start) di++;
      const next = declarations[di];
      const prev = declarations[di - 1];
      if (next && next.span.start <= c.span.start) {
        if (isBlock(next)) {
          const list = blockInner.get(next) ?? [];
          list.push(c);
          blockInner.set(next, list);
        } else this.inside(next, c);
      } else if (prev && this.sameLine(this.endWithTrailing(prev), c.span.start)) {
        this.attachment(prev).trailing.push(c);
      } else if (next) {
        this.above(next, c);
      } else {
        this.endComments.push(c);
      }
    }

    for (const [block, inner] of blockInner) this.placeBlockComments(block, inner);
  }

  private inside(item: Item, c: Comment): void {
    const a = this.attachment(item);
    if (this.ownLine(c)) a.leading.push(c);
    else a.trailing.push(c);
  }

  private above(item: Item, c: Comment): void {
    const a = this.attachment(item);
    a.leading.splice(a.above, 0, c);
    a.above++;
  }

  private placeBlockComments(stage: Block, comments: readonly Comment[]): void {
    const body = stage.body;
    let si = 0;
    for (const c of comments) {
      while (si < body.length && body[si]!.span.end <= c.span.start) si++;
      const next = body[si];
      const prev = body[si - 1];
      if (next && next.span.start <= c.span.start) {
        this.inside(next, c);
      } else if (!prev && this.sameLine(stage.span.start, c.span.start)) {
        const list = this.headerComments.get(stage) ?? [];
        list.push(c);
        this.headerComments.set(stage, list);
      } else if (prev && this.sameLine(this.endWithTrailing(prev), c.span.start)) {
        this.attachment(prev).trailing.push(c);
      } else if (next) {
        this.above(next, c);
      } else {
        const list = this.bodyEndComments.get(stage) ?? [];
        list.push(c);
        this.bodyEndComments.set(stage, list);
      }
    }
  }

  // ── output ─────────────────────────────────────────────────────────────────

  program(): string {
    const out: string[] = [];
    for (const d of this.root.declarations) {
      if (out.length > 0) out.push("");
      this.leading(out, d, "", undefined);
      if (d.doc !== undefined) {
        for (const line of d.doc.split("\n")) out.push(line === "" ? "///" : `/// ${line}`);
      }
      if (isBlock(d)) this.block(out, d);
      else out.push(...declarationLines(d));
      this.trailing(out, d);
    }
    if (this.endComments.length > 0) {
      if (out.length > 0) out.push("");
      this.commentBlock(out, this.endComments, "", undefined);
    }
    if (out.length === 0) return "";
    // An unterminated block comment runs to the end of the file: a final line break would
    // become part of it and grow it at every round trip.
    const last = this.comments[this.comments.length - 1];
    const unterminated =
      last !== undefined &&
      last.text.startsWith("/*") &&
      !last.text.slice(2).endsWith("*/") &&
      out[out.length - 1]!.endsWith(last.text);
    return out.join("\n") + (unterminated ? "" : "\n");
  }

  private block(out: string[], d: Block): void {
    const header = this.headerComments.get(d) ?? [];
    const bodyEnd = this.bodyEndComments.get(d) ?? [];
    const headerText = `${blockHead(d)} {` + trailingText(header);
    if (d.body.length === 0 && bodyEnd.length === 0) {
      out.push(header.length === 0 ? `${headerText}}` : `${headerText}\n}`);
      return;
    }
    out.push(headerText);
    let previousEnd: number | undefined;
    for (const s of d.body) {
      this.leading(out, s, INDENT, previousEnd);
      out.push(INDENT + printStatement(s));
      this.trailing(out, s);
      previousEnd = this.endWithTrailing(s);
    }
    this.commentBlock(out, bodyEnd, INDENT, previousEnd);
    out.push("}");
  }

  /** The end of an item including its trailing comments. */
  private endWithTrailing(item: Item): number {
    const a = this.attachments.get(item);
    return Math.max(item.span.end, ...(a?.trailing.map((c) => c.span.end) ?? []));
  }

  /**
   * Comments on their own lines. Blank lines between them (and, given `previousEnd`, before
   * the first) are kept from the source.
   */
  private commentBlock(
    out: string[],
    comments: readonly Comment[],
    indent: string,
    previousEnd: number | undefined,
  ): void {
    comments.forEach((c, i) => {
      const before = i === 0 ? previousEnd : comments[i - 1]!.span.end;
      if (before !== undefined && this.blankBetween(before, c.span.start)) out.push("");
      out.push(indent + c.text);
    });
  }

  private leading(out: string[], item: Item, indent: string, previousEnd: number | undefined): void {
    const a = this.attachments.get(item);
    if (!a || a.leading.length === 0) return;
    const above = a.leading.slice(0, a.above);
    const insideItem = a.leading.slice(a.above);
    this.commentBlock(out, above, indent, previousEnd);
    const lastAbove = above[above.length - 1];
    if (lastAbove) {
      const docs = "doc" in item ? (this.docComments.get(item) ?? []) : [];
      const target = docs[0]?.span.start ?? item.span.start;
      if (this.blankBetween(lastAbove.span.end, target)) out.push("");
    }
    for (const c of insideItem) out.push(indent + c.text);
  }

  private trailing(out: string[], item: Item): void {
    const a = this.attachments.get(item);
    if (!a || a.trailing.length === 0) return;
    out[out.length - 1] += trailingText(a.trailing);
  }
}
