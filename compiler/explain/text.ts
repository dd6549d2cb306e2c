// The plain-text form of `kdc explain recipe.kd`: sections in run order, two-space indents,
// numbers with thousands separators. Deterministic: no colours, widths or dates.
import type { Explanation, StageExplanation } from "./report.js";
import { num } from "./expr-text.js";
import type { LayerExplanation } from "./layers.js";

const count = (n: number): string => n.toLocaleString("en-US");
const plural = (n: number, word: string): string => `${count(n)} ${word}${n === 1 ? "" : "s"}`;

const layerLine = (l: LayerExplanation): string =>
  `${l.layer}: ${l.shape}${l.parameters > 0 ? `, ${plural(l.parameters, "parameter")}` : ""}${l.note ? ` (${l.note})` : ""}`;

export function explanationText(x: Explanation): string {
  const out: string[] = [`kdc explain ${x.recipe}`, ""];
  const line = (indent: number, text: string) => out.push(`${"  ".repeat(indent)}${text}`);

  if (x.params.length > 0) {
    line(0, "params");
    for (const p of x.params) line(1, `${p.name}: ${p.type} = ${typeof p.value === "string" ? JSON.stringify(p.value) : String(p.value)}  (${p.origin})`);
    out.push("");
  }

  line(0, "run (execution settings)");
  line(1, `backend: ${x.run.backend} (${x.run.backendFrom === "recipe" ? "from the recipe" : "the default"}; \`kdc run --backend\` overrides it)`);
  line(1, `threads: ${x.run.threads}, precision: ${x.run.precision}, strategy: ${x.run.strategy}, devices: ${x.run.devices}`);
  out.push("");

  line(0, "data");
  for (const d of x.datasets) {
    line(1, `${d.name} = ${d.call}  (${d.origin})`);
    if (d.sources) line(2, `sources: ${d.sources.map((x) => `${x.split} (weight ${num(x.weight)})`).join(", ")}`);
    for (const s of d.splits) {
      line(2, `${d.name}.${s.name}: ${plural(s.examples, "example")}, ${s.holds}`);
      if (s.augmented) line(3, s.augmented);
    }
  }
  out.push("");

  line(0, "models");
  for (const m of x.models) {
    line(1, `${m.name} = ${m.call}  (${m.origin})`);
    line(2, `${count(m.parameters)} parameters`);
    line(2, `taps: ${Object.entries(m.taps).map(([k, v]) => `${m.name}.${k} ${v}`).join(", ")}`);
  }

  if (x.modules.length > 0) {
    out.push("");
    line(0, "modules");
    for (const m of x.modules) {
      line(1, `${m.name}: ${m.shape}, ${plural(m.parameters, "parameter")}  (${m.origin})`);
      if (m.doc) line(2, m.doc);
      for (const l of m.layers) line(2, layerLine(l));
      line(2, `trained in: ${m.trainedIn.join(", ") || "no stage"}; read frozen in: ${m.frozenIn.join(", ") || "no stage"}`);
    }
  }

  x.stages.forEach((s, i) => {
    out.push("");
    stage(s, i + 1, x.stages.length, line);
  });
  return `${out.join("\n")}\n`;
}

function stage(s: StageExplanation, index: number, total: number, line: (indent: number, text: string) => void): void {
  line(0, `stage ${index}/${total}: ${s.name}${s.after.length > 0 ? ` (after ${s.after.join(", ")})` : ""}  (${s.origin})`);
  line(1, `train ${s.train.model} (${count(s.train.parameters)} parameters) on ${s.train.data} (${plural(s.train.examples, "example")})`);
  const together = s.teachers.filter((t) => t.trainable).map((t) => t.model);
  if (together.length > 0) line(2, `with teacher${together.length === 1 ? "" : "s"} ${together.join(", ")} (trainable), trained by the same optimizer`);
  if (s.modules.trained.length > 0) line(2, `with module${s.modules.trained.length === 1 ? "" : "s"} ${s.modules.trained.join(", ")}, trained by the same optimizer`);
  if (s.modules.frozen.length > 0) line(2, `reads module${s.modules.frozen.length === 1 ? "" : "s"} ${s.modules.frozen.join(", ")} frozen (inference mode, running batch-norm statistics, off the gradient tape)`);
  if (s.frozenParts.length > 0) {
    line(2, `frozen parts (the optimizer leaves their weights as they are):`);
    for (const f of s.frozenParts) line(3, `${f.part}${f.parameters !== undefined ? ` (${plural(f.parameters, "parameter")})` : ""}`);
  }
  const l = s.length;
  const batches = l.accumulate ? `, one update per ${l.accumulate.steps} batches weighted by ${l.accumulate.by}` : "";
  if (l.steps !== undefined)
    line(1, `length: ${plural(l.steps, "optimizer step")} (${num(l.steps / l.stepsPerEpoch)} epochs of ${plural(l.stepsPerEpoch, "step")}; batch ${l.batch}${batches}; seed ${l.seed})`);
  else line(1, `length: ${plural(l.epochs, "epoch")} × ${plural(l.stepsPerEpoch, "step")} = ${plural(l.totalSteps, "optimizer step")} (batch ${l.batch}${batches}; seed ${l.seed})`);
  if (l.clip !== undefined) line(1, `clip: the gradient's global L2 norm to ${l.clip} before each update`);
  line(1, `optimizer: ${s.optimizer}`);

  line(1, `objective  (${s.origin === s.objective.origin ? s.origin : s.objective.origin})`);
  line(2, `minimize ${s.objective.written}`);
  if (s.objective.resolved !== s.objective.written) line(2, `       = ${s.objective.resolved}`);
  for (const t of s.objective.terms) {
    line(2, `${t.call}  (${t.origin})`);
    for (const a of t.arguments) {
      line(3, `${a.name}: ${a.value}${a.shape ? `  ${a.shape.symbolic} = ${a.shape.concrete}` : ""}`);
      if (a.meaning) line(4, a.meaning);
    }
    if (t.reduction) line(3, `reduces: ${t.reduction}`);
    if (t.temperature) line(3, `temperature: ${t.temperature}`);
    if (t.t2) line(3, `T² scaling: ${t.t2}`);
    if (t.definition) line(3, `definition: ${t.definition}`);
  }

  line(1, "schedules");
  for (const sch of s.schedules) {
    const constant = sch.values.every((v) => v.value === sch.values[0]!.value);
    // An adaptive schedule (`taid_lambda`) has values only once training computes them.
    const adaptive = sch.values.every((v) => v.value === undefined);
    const values = adaptive
      ? "adaptive: its values come from the losses during training (see \"adaptive state\")"
      : constant
        ? `${num(sch.values[0]!.value)} at every step`
        : sch.values.map((v) => `${num(v.value)} at the ${v.at} (step ${count(v.step)})`).join(", ");
    line(2, sch.expression === values.split(" ")[0] ? `${sch.name} = ${values}` : `${sch.name} = ${sch.expression}: ${values}`);
  }

  if (s.controllers.length > 0) {
    line(1, "adaptive state");
    for (const c of s.controllers) {
      line(2, `λ ${c.name} (${c.kind}): ${c.options.map((o) => `${o.name}: ${o.value}`).join(", ")}`);
      line(3, c.rule);
    }
  }

  line(1, `teachers${s.teachers.length === 0 ? ": none" : ""}`);
  for (const t of s.teachers) line(2, `${t.model} (${count(t.parameters)} parameters): ${t.frozen}`);
  if (s.reference) line(1, `reference ${s.reference.name}: ${s.reference.frozen}`);

  line(1, `adapters inserted by the compiler${s.adapters.length === 0 ? ": none" : ""}`);
  for (const a of s.adapters) {
    line(2, `${a.name} (${a.kind}): ${a.shape}, ${plural(a.parameters, "parameter")}, trained with ${a.trainedWith}`);
    for (const layer of a.layers ?? []) line(3, layerLine(layer));
  }

  line(1, `teacher-output caching${s.teacherCache.length === 0 ? ": nothing to cache (no frozen models)" : ""}`);
  for (const c of s.teacherCache) {
    line(2, `${c.model}: ${c.legal ? "legal" : "illegal"}: ${c.reason}`);
    line(3, `at run time: ${c.runtime}`);
  }

  line(1, `evaluate${s.evaluate.length === 0 ? ": nothing" : ""}`);
  for (const e of s.evaluate) line(2, `on ${e.split} ${e.when}: ${e.metrics.join(", ")}`);
  line(1, `checkpoints: ${s.checkpoint}`);
  if (s.best) {
    line(2, `best by ${s.best.metric} on ${s.best.split} (${s.best.mode}: ${s.best.mode === "min" ? "lower" : "higher"} is better), judged ${s.best.judged}`);
    line(3, s.best.restored);
  }
  line(1, `export${s.exports.length === 0 ? ": nothing" : ""}`);
  for (const x of s.exports) line(2, `${x.model} to ${x.path}: TensorFlow.js layers format, in the run folder (${x.under} unless \`kdc run --out\` moves it)`);
}
