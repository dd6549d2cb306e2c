// Lowering `generate(teacher, prompts: a.train, max_new_tokens: N, …)`: the teacher and the prompt
// split become references (`generator`, `prompts`), every other option a constant, defaults included.
import type { Expression } from "../../grammar/ast.js";
import { generateBuiltin } from "../check/generate.js";
import type { Type } from "../check/types.js";
import type { IrConstant, IrDataset } from "./ir.js";

export function generateOf(
  bound: ReadonlyMap<string, Expression>,
  constant: (e: Expression) => IrConstant,
  typeOf: (e: Expression) => Type,
): Pick<IrDataset, "args" | "generator" | "prompts"> | undefined {
  const teacher = typeOf(bound.get("teacher")!);
  const prompts = typeOf(bound.get("prompts")!);
  // Unchecked types: the caller reports an internal error.
  if (teacher.kind !== "model" || !teacher.info || prompts.kind !== "split") return undefined;
  const args: Record<string, IrConstant> = {};
  for (const p of generateBuiltin.params) {
    if (p.name === "teacher" || p.name === "prompts") continue;
    const given = bound.get(p.name);
    args[p.name] = given ? constant(given) : (p.default as IrConstant);
  }
  return { args, generator: teacher.info.name, prompts: { dataset: prompts.info.dataset, split: prompts.info.split } };
}
