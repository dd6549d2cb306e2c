// outDir/manifest.json: what ran, with what, on what data — written atomically when the run
// starts, after each stage and when it ends (status running → completed | interrupted | failed).
// A resumed run keeps `started` and appends to `resumes`; it refuses to continue a run whose
// program fingerprint (stages, models, seeds, sizes) differs.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import type { BestCheckpoint, ProgramSpec, Split, StageReport, TeacherCacheDecision } from "../program.js";
import { partLabel } from "./freeze.js";
import { writeFileAtomic } from "../fs-atomic.js";
import { describeOptimizer } from "../optim.js";
import { frozenOf, holdersOf, parameterCount, type Holder } from "./holders.js";
import { isSnapshot } from "../snapshot.js";

export const MANIFEST_FILE = "manifest.json";
export const MANIFEST_FORMAT = "kdc-run-manifest";

export type RunStatus = "running" | "completed" | "interrupted" | "failed";

export interface ManifestStage {
  readonly name: string;
  readonly origin: string;
  readonly train: string;
  readonly teachers: readonly string[];
  /** Teachers trained together with `train`. */
  readonly trainableTeachers?: readonly string[];
  readonly reference?: string;
  readonly modules: readonly string[];
  readonly data: string;
  readonly epochs: number;
  /** `steps N`: the stage's length in optimizer steps. */
  readonly steps?: number;
  /** Frozen parts of `train` (`hidden[0]`, `embedding`). */
  readonly freeze?: readonly string[];
  readonly batch: number;
  readonly seed: number;
  readonly optimizer: string;
  readonly clip?: number;
  readonly accumulate?: { readonly steps: number; readonly by: string };
  readonly cacheTeachers: boolean | "auto";
  teacherCache?: TeacherCacheDecision;
  /** With a best checkpoint: where the metric was best (those weights left the stage). */
  best?: BestCheckpoint;
  status?: "complete" | "skipped" | "interrupted";
  seconds?: number;
}

export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly version: 1;
  readonly recipe: string;
  /** sha256 of the program's shape: stages, models, modules, seeds, sizes, data fingerprints. */
  readonly program: string;
  status: RunStatus;
  readonly started: string;
  ended: string | null;
  resumes: { readonly at: string; readonly stage: string | null; readonly step: number }[];
  readonly versions: { readonly kdc: string; readonly tfjs: string; readonly node: string };
  backend: string;
  readonly seeds: { readonly stages: Record<string, number>; readonly models: Record<string, number> };
  readonly data: readonly { readonly split: string; readonly size: number; readonly fingerprint: string }[];
  readonly models: readonly { readonly name: string; readonly kind: string; readonly parameters: number; readonly snapshotOf?: string }[];
  readonly stages: ManifestStage[];
  error?: string;
}

let kdcVersion: string | undefined;

/** The version in kdc's package.json, found upwards from this file (source or dist). */
export function kdcPackageVersion(): string {
  if (kdcVersion) return kdcVersion;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "kdc") return (kdcVersion = pkg.version ?? "unknown");
    }
    dir = dirname(dir);
  }
  return (kdcVersion = "unknown");
}

function seedOf(h: Holder): number | undefined {
  const seed = (h as { seed?: unknown }).seed;
  return typeof seed === "number" ? seed : undefined;
}

/** A new manifest for `program` (status running). */
export function createManifest(program: ProgramSpec, backend: string): Manifest {
  const holders = holdersOf(program);
  const splits = new Map<string, Split>();
  for (const stage of program.stages) {
    for (const s of [stage.data, ...stage.evaluate.map((e) => e.split)]) splits.set(`${s.name}|${s.fingerprint}`, s);
  }
  const modelSeeds: Record<string, number> = {};
  for (const h of holders) {
    const seed = seedOf(h);
    if (seed !== undefined) modelSeeds[h.name] = seed;
  }
  const stages: ManifestStage[] = program.stages.map((s) => ({
    name: s.name,
    origin: s.origin,
    train: s.train.name,
    teachers: s.teachers.map((t) => t.name),
    ...(s.trainableTeachers?.length ? { trainableTeachers: s.trainableTeachers.map((t) => t.name) } : {}),
    ...(s.reference ? { reference: s.reference.name } : {}),
    modules: (s.modules ?? []).map((m) => m.name),
    data: s.data.name,
    epochs: s.epochs,
    ...(s.steps !== undefined ? { steps: s.steps } : {}),
    ...(s.freeze?.length ? { freeze: s.freeze.map(partLabel) } : {}),
    batch: s.batch,
    seed: s.seed,
    optimizer: describeOptimizer(s.optimizer),
    ...(s.clip !== undefined ? { clip: s.clip } : {}),
    ...(s.accumulate ? { accumulate: { steps: s.accumulate.steps, by: s.accumulate.by } } : {}),
    cacheTeachers: s.cacheTeachers ?? "auto",
  }));
  const models = holders.map((h) => ({
    name: h.name,
    kind: h.kind,
    parameters: parameterCount(h),
    ...(isSnapshot(h) ? { snapshotOf: h.source.name } : {}),
  }));
  const data = [...splits.values()].map((s) => ({ split: s.name, size: s.size, fingerprint: s.fingerprint }));
  const program_ = createHash("sha256")
    .update(JSON.stringify({ recipe: program.recipe, stages, models, data, frozen: program.stages.map((s) => frozenOf(s).map((m) => m.name)) }))
    .digest("hex");
  return {
    format: MANIFEST_FORMAT,
    version: 1,
    recipe: program.recipe,
    program: program_,
    status: "running",
    started: new Date().toISOString(),
    ended: null,
    resumes: [],
    versions: { kdc: kdcPackageVersion(), tfjs: tf.version.tfjs, node: process.version },
    backend,
    seeds: { stages: Object.fromEntries(program.stages.map((s) => [s.name, s.seed])), models: modelSeeds },
    data,
    models,
    stages,
  };
}

export function readManifest(outDir: string): Manifest | undefined {
  const file = join(outDir, MANIFEST_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const m = JSON.parse(readFileSync(file, "utf8")) as Manifest;
    return m.format === MANIFEST_FORMAT ? m : undefined;
  } catch {
    return undefined;
  }
}

export async function writeManifest(outDir: string, manifest: Manifest): Promise<void> {
  await writeFileAtomic(join(outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Records a stage's outcome in the manifest. */
export function recordStage(manifest: Manifest, report: StageReport, status: ManifestStage["status"]): void {
  const entry = manifest.stages.find((s) => s.name === report.stage);
  if (!entry) return;
  entry.status = status;
  entry.seconds = report.seconds;
  if (report.teacherCache) entry.teacherCache = report.teacherCache;
  if (report.best) entry.best = report.best;
}
