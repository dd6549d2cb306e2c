// Schedules whose runtime options are named differently from the recipe's arguments: the recipe
// speaks PyTorch (`gamma`) and of lengths (`length`), the runtime of factors and steps.
import type { IrExpr } from "../lower/ir.js";

type Schedule = Extract<IrExpr, { op: "schedule" }>;

/** The runtime call for a schedule, or undefined where recipe and runtime names agree. */
export function emitSchedule(e: Schedule, sub: (x: IrExpr) => string): string | undefined {
  const a = (name: string): string => sub(e.args[name]!);
  switch (e.fn) {
    case "step_decay":
      return `kd.schedules.step({ from: ${a("from")}, factor: ${a("gamma")}, every: ${a("every")} })`;
    case "warmup":
      return `kd.schedules.warmup({ steps: ${a("length")}, then: ${a("then")}, from: ${a("from")} })`;
    case "piecewise": {
      const at = e.args.at;
      const values = e.args.values;
      if (at?.op !== "list" || values?.op !== "list") throw new Error("emit: piecewise without lists");
      const points = at.items.map((d, i) => `[${sub(d)}, ${sub(values.items[i]!)}]`);
      return `kd.schedules.piecewise({ points: [${points.join(", ")}], interpolate: ${a("interpolate")} as "linear" | "step" })`;
    }
    default:
      return undefined;
  }
}
