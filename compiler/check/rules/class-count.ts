// Rule KD3005: a distillation loss compares the student's and the teacher's class distributions
// element by element, so both logits must have the same number of classes.
import { diagnostic } from "../../diagnostics/diagnostic.js";
import type { BuiltinContext } from "../builtins.js";
import type { BoundArgument } from "../signature.js";
import type { Type } from "../types.js";

/** The class count of a `[B, C]` tensor type, when known. */
export function classesOf(type: Type): number | string | undefined {
  if (type.kind !== "tensor" || !type.shape || type.shape.length !== 2) return undefined;
  return type.shape[1];
}

export function checkSameClasses(student: BoundArgument, teacher: BoundArgument, ctx: BuiltinContext): void {
  const cs = classesOf(student.type);
  const ct = classesOf(teacher.type);
  if (typeof cs !== "number" || typeof ct !== "number" || cs === ct) return;
  const name = (a: BoundArgument, fallback: string) => (a.type.kind === "tensor" ? a.type.of ?? fallback : fallback);
  ctx.report(
    diagnostic(
      "KD3005",
      ctx.call.span,
      { student: name(student, "student"), teacher: name(teacher, "teacher"), studentClasses: String(cs), teacherClasses: String(ct) },
      {
        labels: [
          ...(student.node ? [{ span: student.node.span, message: `${cs} classes` }] : []),
          ...(teacher.node ? [{ span: teacher.node.span, message: `${ct} classes` }] : []),
        ],
      },
    ),
  );
}
