// Turns recipe names into TypeScript identifiers that cannot clash with the trainer's own names
// or with reserved words. Recipe identifiers are already [A-Za-z_][A-Za-z0-9_]*, so no recipe
// name can inject code; this only prevents collisions.

const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if import in instanceof new null return super switch this throw true try typeof var void while with " +
    "as implements interface let package private protected public static yield any boolean constructor declare get " +
    "module require number set string symbol type from of async await undefined NaN Infinity arguments eval " +
    // The trainer's own names.
    "kd params defaults Params program ctx p"
  ).split(" "),
);

export class Names {
  private readonly used = new Set<string>(RESERVED);
  private readonly given = new Map<string, string>();

  /** The identifier for `key` (stable once assigned), preferring `wanted`. */
  name(key: string, wanted: string): string {
    const existing = this.given.get(key);
    if (existing) return existing;
    let candidate = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(wanted) ? wanted : wanted.replace(/[^A-Za-z0-9_$]/g, "_");
    if (/^[0-9]/.test(candidate)) candidate = `_${candidate}`;
    let unique = candidate;
    for (let i = 2; this.used.has(unique); i++) unique = `${candidate}_${i}`;
    this.used.add(unique);
    this.given.set(key, unique);
    return unique;
  }

  /** A scope whose new names avoid this one's. */
  child(): Names {
    const c = new Names();
    for (const u of this.used) c.used.add(u);
    for (const [k, v] of this.given) c.given.set(k, v);
    return c;
  }
}

/** A string literal that is safe inside generated code, whatever the recipe wrote. */
export function stringLiteral(value: string): string {
  // JSON escapes quotes, backslashes and control characters; U+2028/9 are escaped for older parsers.
  return JSON.stringify(value).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** Text that is safe inside a `/* … *\/` or `//` comment. */
export function commentText(text: string): string {
  return text.replace(/\*\//g, "*\\/").replace(/\r?\n|\r|\u2028|\u2029/g, " ");
}

/** Text for a JSDoc block: lines kept, anything that could close the comment defused. */
export function docText(text: string): string {
  return text
    .replace(/\*\//g, "*\\/")
    .split(/\r?\n|\r|\u2028|\u2029/)
    .map((line) => line.trimEnd())
    .join("\n");
}
