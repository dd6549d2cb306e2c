// Rules for `teacher m mode train|eval`: the mode is one of the two (KD3008), applies to frozen
// teachers only (KD3084), and `train` on a model whose training mode equals its inference mode
// (no dropout, no batch norm) is a warning (KD3083): nothing would change but the lost cache.
import type { Expression, Identifier, ModelDeclaration } from "../../../grammar/ast.js";
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";

export const TEACHER_MODES = ["train", "eval"] as const;

/** Whether `teacher` runs in training mode; reports the mode's mistakes. Undefined mode: inference. */
export function teacherTrainMode(teacher: ModelDeclaration, mode: Identifier | undefined, trainable: boolean, report: (d: Diagnostic) => void): boolean {
  if (!mode) return false;
  if (!(TEACHER_MODES as readonly string[]).includes(mode.name)) {
    report(diagnostic("KD3008", mode.span, { what: "a teacher's `mode`", value: `one of ${TEACHER_MODES.map((m) => `\`${m}\``).join(", ")}, not \`${mode.name}\`` }));
    return false;
  }
  if (trainable) {
    report(diagnostic("KD3084", mode.span, { model: teacher.name.name }));
    return false;
  }
  if (mode.name !== "train") return false;
  if (behavesAlikeInBothModes(teacher.value)) report(diagnostic("KD3083", mode.span, { model: teacher.name.name }));
  return true;
}

const DROPOUT_ARGS = new Set(["dropout", "input_dropout"]);

/**
 * Known to have neither dropout nor batch norm: an mlp, cnn or transformer whose dropout
 * arguments are absent or literally 0. Anything else (resnet's batch norms, loaded models, a
 * dropout given by a param) may change, so it is not warned about.
 */
function behavesAlikeInBothModes(value: Expression): boolean {
  if (value.kind !== "CallExpression" || value.callee.kind !== "Identifier") return false;
  if (!["mlp", "cnn", "transformer"].includes(value.callee.name)) return false;
  return value.args.every((a) => !a.name || !DROPOUT_ARGS.has(a.name.name) || (a.value.kind === "NumberLiteral" && a.value.value === 0));
}
