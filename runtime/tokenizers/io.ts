// Tokenizers saved as JSON (`{ kind, version, specials, … }`), so a run can reuse the vocabulary a
// teacher was trained with.
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../fs-atomic.js";
import { KdcRuntimeError } from "../errors.js";
import { BpeTokenizer } from "./bpe.js";
import { CharTokenizer } from "./char.js";
import { SPECIAL_TOKENS, type Tokenizer, type TokenizerJson } from "./tokenizer.js";

/** Rebuilds a tokenizer from its `toJSON()` form; `where` names the source in messages. */
export function tokenizerFromJson(json: unknown, where = "tokenizer JSON"): Tokenizer {
  const bad = (what: string): never => {
    throw new KdcRuntimeError(`${where}: ${what}`, "save tokenizers with saveTokenizer() (kind 'char' or 'bpe', version 1)");
  };
  if (typeof json !== "object" || json === null || Array.isArray(json)) return bad("not a JSON object");
  const o = json as Partial<Record<keyof TokenizerJson | "chars" | "merges", unknown>>;
  if (o.version !== 1) return bad(`unsupported version ${JSON.stringify(o.version)}`);
  if (!Array.isArray(o.specials) || o.specials.join("\u0000") !== SPECIAL_TOKENS.join("\u0000")) {
    return bad(`the special tokens must be ${SPECIAL_TOKENS.join(", ")} in that order`);
  }
  if (o.kind === "char") {
    if (!Array.isArray(o.chars) || !o.chars.every((c) => typeof c === "string")) return bad("'chars' must be an array of strings");
    return new CharTokenizer(o.chars as string[]);
  }
  if (o.kind === "bpe") {
    if ((json as { pretokenizer?: unknown }).pretokenizer !== "gpt2-no-contractions") return bad("unknown pretokenizer");
    const merges = o.merges;
    if (!Array.isArray(merges) || !merges.every((m) => Array.isArray(m) && m.length === 2 && m.every(Number.isInteger))) {
      return bad("'merges' must be an array of [id, id] pairs");
    }
    return new BpeTokenizer(merges as [number, number][]);
  }
  return bad(`unknown kind ${JSON.stringify(o.kind)}`);
}

/** Reads a tokenizer written by saveTokenizer. */
export function loadTokenizer(path: string): Tokenizer {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new KdcRuntimeError(`cannot read tokenizer '${path}': ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new KdcRuntimeError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  return tokenizerFromJson(json, path);
}

/** Writes `tokenizer.toJSON()` to `path` (atomically). */
export async function saveTokenizer(tokenizer: Tokenizer, path: string): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(tokenizer.toJSON())}\n`);
}
