// Checkpoints: a folder holding checkpoint.json (stage, position, loop state, tensor index) and
// tensors.bin (variables, then the optimizer's state, raw little-endian). Each is written into a
// temporary folder and renamed into place, so a crash leaves either a whole checkpoint or none.
//
// outDir/checkpoints/<stage>/
//   epoch-<n>/   after n epochs (`checkpoint every … keep K`: only the newest K are kept)
//   step-<s>/    after step s: with `checkpoint every N steps` (kind "step", counted by `keep` together
//                with epoch-<n>/), or when a run is interrupted (kind "interrupt", only the newest is
//                kept, removed when the stage completes); both resume the same way
//   complete/    when the stage ends: every model's and module's weights and the stage's report,
//                so a resumed run can skip the stage
//   best/        with `checkpoint best by …`: the trained weights where the metric was best
//
// Format version 2 adds the owner of each model tensor (several models and modules per
// checkpoint), the kind and the loop state; version 1 checkpoints still load.
import * as tf from "@tensorflow/tfjs";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Model, Module } from "./program.js";
import type { StageOptimizer } from "./optim.js";
import { writeDirAtomic } from "./fs-atomic.js";
import { KdcRuntimeError } from "./errors.js";

export const CHECKPOINT_FORMAT = "kdc-checkpoint";
export const CHECKPOINT_VERSION = 2;
const STATE_FILE = "checkpoint.json";
const TENSORS_FILE = "tensors.bin";
export const COMPLETE_DIR = "complete";

export interface CheckpointPosition {
  /** Epochs completed in the stage. */
  readonly epoch: number;
  /** Optimizer steps completed in the stage. */
  readonly step: number;
}

export type CheckpointKind = "epoch" | "step" | "interrupt" | "complete" | "best";

/** What checkpoints store of a model or module. */
export type WeightHolder = Pick<Module, "name" | "kind" | "variables" | "variableNames">;

interface TensorEntry {
  readonly group: "model" | "optimizer";
  /** The model or module a "model" tensor belongs to (version 2). */
  readonly owner?: string;
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: "float32" | "int32";
  readonly offset: number;
  readonly bytes: number;
}

interface CheckpointJson extends CheckpointPosition {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly version: number;
  readonly stage: string;
  readonly kind?: CheckpointKind;
  readonly model: { readonly name: string; readonly kind: string };
  readonly optimizer: string | null;
  /** The training loop's own state (losses so far, metrics, …), opaque here. */
  readonly state?: unknown;
  readonly tensors: readonly TensorEntry[];
}

export interface LoadedCheckpoint extends CheckpointPosition {
  readonly stage: string;
  readonly model: string;
}

/** `outDir/checkpoints/<stage>`. */
export function checkpointDir(outDir: string, stage: string): string {
  return join(outDir, "checkpoints", stage);
}

export interface CheckpointExtras {
  /** More models and modules to store besides `model` (adapters, snapshots, every model). */
  readonly holders?: readonly WeightHolder[];
  readonly kind?: CheckpointKind;
  /** JSON-serialisable loop state. */
  readonly state?: unknown;
}

/** Writes epoch-<epoch>/ for `stage` atomically, then deletes all but the newest `keep`. Returns its path. */
export async function saveCheckpoint(
  outDir: string,
  stage: string,
  model: Model | WeightHolder,
  optimizer: StageOptimizer | undefined,
  position: CheckpointPosition,
  keep: number,
  extras: CheckpointExtras = {},
): Promise<string> {
  const dir = join(checkpointDir(outDir, stage), `epoch-${position.epoch}`);
  await writeCheckpoint(dir, stage, model, optimizer, position, { kind: "epoch", ...extras });
  await prune(checkpointDir(outDir, stage), keep);
  return dir;
}

/** Writes step-<step>/ (`checkpoint every N steps`) atomically, then prunes as `saveCheckpoint` does. Returns its path. */
export async function saveStepCheckpoint(
  outDir: string,
  stage: string,
  model: Model | WeightHolder,
  optimizer: StageOptimizer | undefined,
  position: CheckpointPosition,
  keep: number,
  extras: CheckpointExtras = {},
): Promise<string> {
  const dir = join(checkpointDir(outDir, stage), `step-${position.step}`);
  await writeCheckpoint(dir, stage, model, optimizer, position, { kind: "step", ...extras });
  await prune(checkpointDir(outDir, stage), keep);
  return dir;
}

/** Writes one checkpoint folder at `dir` atomically (replacing one that is there). */
export async function writeCheckpoint(
  dir: string,
  stage: string,
  model: WeightHolder,
  optimizer: StageOptimizer | undefined,
  position: CheckpointPosition,
  extras: CheckpointExtras = {},
): Promise<void> {
  const holders = [model, ...(extras.holders ?? []).filter((h) => h !== model)];
  const pieces: { group: TensorEntry["group"]; owner?: string; name: string; shape: readonly number[]; dtype: string; values: Float32Array | Int32Array }[] = [];
  for (const holder of holders) {
    const names = variableNames(holder);
    for (const [i, v] of holder.variables.entries()) {
      pieces.push({ group: "model", owner: holder.name, name: names[i]!, shape: v.shape, dtype: v.dtype, values: (await v.data()) as Float32Array | Int32Array });
    }
  }
  for (const slot of optimizer ? await optimizer.getState() : []) pieces.push({ group: "optimizer", ...slot });

  const chunks: Uint8Array[] = [];
  const entries: TensorEntry[] = [];
  let offset = 0;
  for (const { values, ...entry } of pieces) {
    if (entry.dtype !== "float32" && entry.dtype !== "int32") throw new Error(`cannot checkpoint ${entry.dtype} tensor '${entry.name}'`);
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    chunks.push(bytes);
    entries.push({ ...entry, dtype: entry.dtype, offset, bytes: bytes.byteLength });
    offset += bytes.byteLength;
  }
  const json: CheckpointJson = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    stage,
    kind: extras.kind ?? "epoch",
    model: { name: model.name, kind: model.kind },
    optimizer: optimizer?.kind ?? null,
    epoch: position.epoch,
    step: position.step,
    ...(extras.state !== undefined ? { state: extras.state } : {}),
    tensors: entries,
  };
  await writeDirAtomic(dir, async (tmp) => {
    await writeFile(join(tmp, TENSORS_FILE), Buffer.concat(chunks));
    await writeFile(join(tmp, STATE_FILE), `${JSON.stringify(json, null, 1)}\n`);
  });
}

/** The complete epoch checkpoints of a stage, oldest first. */
export async function listCheckpoints(stageDir: string): Promise<{ epoch: number; path: string }[]> {
  const names = await readdir(stageDir).catch(() => [] as string[]);
  return names
    .map((name) => /^epoch-(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ epoch: Number(m[1]), path: join(stageDir, m[0]) }))
    .sort((a, b) => a.epoch - b.epoch);
}

/** The step checkpoints (`step-<s>`: interval and interrupt) of a stage, oldest first. */
export async function listStepCheckpoints(stageDir: string): Promise<{ step: number; path: string }[]> {
  const names = await readdir(stageDir).catch(() => [] as string[]);
  return names
    .map((name) => /^step-(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ step: Number(m[1]), path: join(stageDir, m[0]) }))
    .sort((a, b) => a.step - b.step);
}

/** The kind and step a checkpoint folder records; undefined when it cannot be read. */
async function indexOf(dir: string): Promise<{ kind: CheckpointKind; step: number } | undefined> {
  try {
    const json = JSON.parse(await readFile(join(dir, STATE_FILE), "utf8")) as CheckpointJson;
    return { kind: json.kind ?? "epoch", step: json.step };
  } catch {
    return undefined;
  }
}

/** Deletes all but the newest `keep` epoch and interval-step checkpoints, newest by step (interrupt ones aside). */
async function prune(stageDir: string, keep: number): Promise<void> {
  const all: { step: number; path: string }[] = [];
  for (const { path } of [...(await listCheckpoints(stageDir)), ...(await listStepCheckpoints(stageDir))]) {
    const index = await indexOf(path);
    if (index && (index.kind === "epoch" || index.kind === "step")) all.push({ step: index.step, path });
  }
  all.sort((a, b) => a.step - b.step);
  for (const old of all.slice(0, Math.max(0, all.length - Math.max(1, keep)))) {
    await rm(old.path, { recursive: true, force: true });
  }
}

/** Deletes the stage's interrupt checkpoints but `except` (interval step checkpoints stay). */
export async function removeInterruptCheckpoints(stageDir: string, except?: string): Promise<void> {
  for (const { path } of await listStepCheckpoints(stageDir)) {
    if (path !== except && (await indexOf(path))?.kind === "interrupt") await rm(path, { recursive: true, force: true });
  }
}

/** A checkpoint read into memory: its index and state, with typed views of its tensors. */
export class CheckpointData {
  constructor(
    readonly dir: string,
    private readonly json: CheckpointJson,
    private readonly bin: Buffer,
  ) {}

  get stage(): string {
    return this.json.stage;
  }
  get kind(): CheckpointKind {
    return this.json.kind ?? "epoch";
  }
  get position(): CheckpointPosition {
    return { epoch: this.json.epoch, step: this.json.step };
  }
  get modelName(): string {
    return this.json.model.name;
  }
  get state(): unknown {
    return this.json.state;
  }
  /** Names of the models and modules whose weights it holds. */
  get owners(): string[] {
    return [...new Set(this.json.tensors.filter((e) => e.group === "model").map((e) => e.owner ?? this.json.model.name))];
  }

  /**
   * Writes the stored weights of `holder` into its variables, checking names and shapes first.
   * Returns false when the checkpoint has no tensors for it (and `optional`), else throws.
   * `owner` reads the tensors stored under another name.
   */
  restoreHolder(holder: WeightHolder, optional = false, owner = holder.name): boolean {
    const entries = this.json.tensors.filter((e) => e.group === "model" && (e.owner ?? this.json.model.name) === owner);
    if (entries.length === 0 && optional) return false;
    const names = variableNames(holder);
    if (entries.length !== holder.variables.length) {
      throw new KdcRuntimeError(`checkpoint ${this.dir} has ${entries.length} tensors for '${holder.name}', but it has ${holder.variables.length} variables`);
    }
    entries.forEach((e, i) => {
      const v = holder.variables[i]!;
      if (e.name !== names[i] || !tf.util.arraysEqual([...e.shape], v.shape)) {
        throw new KdcRuntimeError(`checkpoint ${this.dir}: tensor '${e.name}' [${e.shape}] does not fit variable '${names[i]}' [${v.shape}] of '${holder.name}'`);
      }
    });
    entries.forEach((e, i) => {
      const t = tf.tensor(this.values(e), [...e.shape], e.dtype);
      holder.variables[i]!.assign(t);
      t.dispose();
    });
    return true;
  }

  /** The stored weights of `owner` by variable name, as plain arrays (tools and tests). */
  weights(owner: string): Map<string, Float32Array | Int32Array> {
    const entries = this.json.tensors.filter((e) => e.group === "model" && (e.owner ?? this.json.model.name) === owner);
    return new Map(entries.map((e) => [e.name, this.values(e)]));
  }

  async restoreOptimizer(optimizer: StageOptimizer): Promise<void> {
    if (this.json.optimizer !== optimizer.kind) {
      throw new KdcRuntimeError(`checkpoint ${this.dir} holds ${this.json.optimizer ?? "no"} optimizer state, not ${optimizer.kind}`);
    }
    await optimizer.setState(this.json.tensors.filter((e) => e.group === "optimizer").map((e) => ({ name: e.name, shape: e.shape, dtype: e.dtype, values: this.values(e) })));
  }

  private values(e: TensorEntry): Float32Array | Int32Array {
    const copy = new Uint8Array(this.bin.subarray(e.offset, e.offset + e.bytes)); // aligned for the typed view
    return e.dtype === "int32" ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
  }
}

/** Reads a checkpoint folder (version 1 or 2). */
export async function readCheckpoint(dir: string): Promise<CheckpointData> {
  let json: CheckpointJson;
  let bin: Buffer;
  try {
    json = JSON.parse(await readFile(join(dir, STATE_FILE), "utf8")) as CheckpointJson;
    bin = await readFile(join(dir, TENSORS_FILE));
  } catch (error) {
    throw new KdcRuntimeError(`cannot read checkpoint ${dir}: ${(error as Error).message}`);
  }
  if (json.format !== CHECKPOINT_FORMAT || !(json.version === 1 || json.version === CHECKPOINT_VERSION)) {
    throw new KdcRuntimeError(`${dir} is not a kdc checkpoint of version 1 or ${CHECKPOINT_VERSION}`);
  }
  return new CheckpointData(dir, json, bin);
}

/**
 * Reads a checkpoint folder into `model`'s variables (and `optimizer`'s state when given),
 * checking that names and shapes match. Returns where the stage was.
 */
export async function loadCheckpoint(dir: string, model: Model | WeightHolder, optimizer?: StageOptimizer): Promise<LoadedCheckpoint> {
  const data = await readCheckpoint(dir);
  // The stage's model by default; a model of another name takes the stage model's tensors.
  data.restoreHolder(model, false, data.owners.includes(model.name) ? model.name : data.modelName);
  if (optimizer) await data.restoreOptimizer(optimizer);
  return { stage: data.stage, model: data.modelName, ...data.position };
}

/** Names for a model's variables: its own when it has them (`dense_0/kernel`), else `var_<i>`. */
function variableNames(model: WeightHolder): readonly string[] {
  const own = model.variableNames;
  return own && own.length === model.variables.length ? own : model.variables.map((_, i) => `var_${i}`);
}
