// Number formatting shared by the progress display and the final report.

/** `accuracy`, `accuracy@k`, `agreement(…)` and `preference_accuracy` as percentages, `ece` with 3 decimals, anything else with 4. */
export function formatMetric(label: string, value: number): string {
  if (!Number.isFinite(value)) return "—";
  if (label === "accuracy" || label.startsWith("accuracy@") || label.startsWith("agreement") || label === "preference_accuracy") return `${(value * 100).toFixed(2)}%`;
  if (label === "ece") return value.toFixed(3);
  return value.toFixed(4);
}

/** A learning rate or other small quantity: `1.00e-3`, `0`. */
export function formatSmall(value: number): string {
  return value === 0 ? "0" : value.toExponential(2).replace("e+", "e");
}

/** A loss: 4 significant decimals. */
export function formatLoss(value: number): string {
  return Number.isFinite(value) ? value.toFixed(4) : String(value);
}

/** Seconds as `48.1 s`, `3m 05s`, `1h 02m`. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** Left-aligned columns separated by two spaces. */
export function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell + " ".repeat(widths[i]! - [...cell].length)))
      .join("  ")
      .trimEnd(),
  );
}
