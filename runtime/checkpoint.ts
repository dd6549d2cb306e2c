// Checkpoints: outDir/checkpoints/<stage>/epoch-<n>/ holding checkpoint.json (step, epoch, tensor
// index) and tensors.bin (the trained model's variables, then the optimizer's state, raw
// little-endian). Each is written into a temporary folder and renamed into place, so a crash
// leaves either a whole checkpoint or none; only the newest `keep` are kept.
import * as tf from "@tensorflow/tfjs";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Model } from "./program.js";
import type { StageOptimizer } from "./optim.js";
import { writeDirAtomic } from "./fs-atomic.js";
import { KdcRuntimeError } from "./errors.js";

export const CHECKPOINT_FORMAT = "kdc-checkpoint";
export const CHECKPOINT_VERSION = 1;
const STATE_FILE = "checkpoint.json";
const TENSORS_FILE = "tensors.bin";

export interface CheckpointPosition {
  /** Epochs completed in the stage. */
  readonly epoch: number;
  /** Optimizer steps completed in the stage. */
  readonly step: number;
}

interface TensorEntry {
  readonly group: "model" | "optimizer";
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
  readonly model: { readonly name: string; readonly kind: string };
  readonly optimizer: string | null;
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

/** Writes epoch-<epoch>/ for `stage` atomically, then deletes all but the newest `keep`. Returns its path. */
export async function saveCheckpoint(
  outDir: string,
  stage: string,
  model: Model,
  optimizer: StageOptimizer | undefined,
  position: CheckpointPosition,
  keep: number,
): Promise<string> {
  const names = variableNames(model);
  const pieces: { group: TensorEntry["group"]; name: string; shape: readonly number[]; dtype: string; values: Float32Array | Int32Array }[] = [];
  for (const [i, v] of model.variables.entries()) {
    pieces.push({ group: "model", name: names[i]!, shape: v.shape, dtype: v.dtype, values: (await v.data()) as Float32Array | Int32Array });
  }
  for (const slot of optimizer ? await optimizer.getState() : []) pieces.push({ group: "optimizer", ...slot });

  const chunks: Uint8Array[] = [];
  const entries: TensorEntry[] = [];
  let offset = 0;
  for (const { group, name, shape, dtype, values } of pieces) {
    if (dtype !== "float32" && dtype !== "int32") throw new Error(`cannot checkpoint ${dtype} tensor '${name}'`);
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    chunks.push(bytes);
    entries.push({ group, name, shape, dtype, offset, bytes: bytes.byteLength });
    offset += bytes.byteLength;
  }
  const json: CheckpointJson = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    stage,
    model: { name: model.name, kind: model.kind },
    optimizer: optimizer?.kind ?? null,
    epoch: position.epoch,
    step: position.step,
    tensors: entries,
  };
  const dir = join(checkpointDir(outDir, stage), `epoch-${position.epoch}`);
  await writeDirAtomic(dir, async (tmp) => {
    await writeFile(join(tmp, TENSORS_FILE), Buffer.concat(chunks));
    await writeFile(join(tmp, STATE_FILE), `${JSON.stringify(json, null, 1)}\n`);
  });
  await prune(checkpointDir(outDir, stage), keep);
  return dir;
}

/** The complete checkpoints of a stage, oldest first. */
export async function listCheckpoints(stageDir: string): Promise<{ epoch: number; path: string }[]> {
  const names = await readdir(stageDir).catch(() => [] as string[]);
  return names
    .map((name) => /^epoch-(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ epoch: Number(m[1]), path: join(stageDir, m[0]) }))
    .sort((a, b) => a.epoch - b.epoch);
}

async function prune(stageDir: string, keep: number): Promise<void> {
  const all = await listCheckpoints(stageDir);
  for (const old of all.slice(0, Math.max(0, all.length - Math.max(1, keep)))) {
    await rm(old.path, { recursive: true, force: true });
  }
}

/**
 * Reads a checkpoint folder into `model`'s variables (and `optimizer`'s state when given),
 * checking that names and shapes match. Returns where the stage was.
 */
export async function loadCheckpoint(dir: string, model: Model, optimizer?: StageOptimizer): Promise<LoadedCheckpoint> {
  let json: CheckpointJson;
  let bin: Buffer;
  try {
    json = JSON.parse(await readFile(join(dir, STATE_FILE), "utf8")) as CheckpointJson;
    bin = await readFile(join(dir, TENSORS_FILE));
  } catch (error) {
    throw new KdcRuntimeError(`cannot read checkpoint ${dir}: ${(error as Error).message}`);
  }
  if (json.format !== CHECKPOINT_FORMAT || json.version !== CHECKPOINT_VERSION) {
    throw new KdcRuntimeError(`${dir} is not a kdc checkpoint of version ${CHECKPOINT_VERSION}`);
  }
  const readValues = (e: TensorEntry): Float32Array | Int32Array => {
    const copy = new Uint8Array(bin.subarray(e.offset, e.offset + e.bytes)); // aligned for the typed view
    return e.dtype === "int32" ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
  };
  const read = (e: TensorEntry): tf.Tensor => tf.tensor(readValues(e), [...e.shape], e.dtype);
  const modelEntries = json.tensors.filter((e) => e.group === "model");
  const names = variableNames(model);
  if (modelEntries.length !== model.variables.length) {
    throw new KdcRuntimeError(`checkpoint ${dir} has ${modelEntries.length} tensors for '${json.model.name}', but model '${model.name}' has ${model.variables.length} variables`);
  }
  modelEntries.forEach((e, i) => {
    const v = model.variables[i]!;
    if (e.name !== names[i] || !tf.util.arraysEqual([...e.shape], v.shape)) {
      throw new KdcRuntimeError(`checkpoint ${dir}: tensor '${e.name}' [${e.shape}] does not fit variable '${names[i]}' [${v.shape}] of model '${model.name}'`);
    }
  });
  modelEntries.forEach((e, i) => {
    const t = read(e);
    model.variables[i]!.assign(t);
    t.dispose();
  });
  if (optimizer) {
    if (json.optimizer !== optimizer.kind) {
      throw new KdcRuntimeError(`checkpoint ${dir} holds ${json.optimizer ?? "no"} optimizer state, not ${optimizer.kind}`);
    }
    await optimizer.setState(json.tensors.filter((e) => e.group === "optimizer").map((e) => ({ name: e.name, shape: e.shape, dtype: e.dtype, values: readValues(e) })));
  }
  return { stage: json.stage, model: json.model.name, epoch: json.epoch, step: json.step };
}

/** Names for a model's variables: its own when it has them (`dense_0/kernel`), else `var_<i>`. */
function variableNames(model: Model): readonly string[] {
  const own = (model as { variableNames?: readonly string[] }).variableNames;
  return own && own.length === model.variables.length ? own : model.variables.map((_, i) => `var_${i}`);
}
