// Checks of a built program before any training: stage order, counts, the new stage fields, and
// a memory estimate against wasm's 4 GiB.
import type { Model, ProgramSpec, StageSpec } from "../program.js";
import { KdcRuntimeError } from "../errors.js";
import { frozenOf, holdersOf, parameterCount, trainablesOf, type Holder } from "./holders.js";
import { frozenVariablesOf } from "./freeze.js";
import { stepsPerEpochOf } from "./stage.js";

/** wasm's linear memory is capped at 4 GiB; past it tfjs fails with "memory access out of bounds". */
export const WASM_LIMIT_BYTES = 3.5 * 2 ** 30;

export function validate(program: ProgramSpec): void {
  const seen = new Set<string>();
  holdersOf(program); // unique names
  for (const stage of program.stages) {
    const where = `stage '${stage.name}' (${stage.origin})`;
    if (seen.has(stage.name)) throw new KdcRuntimeError(`${where}: a stage of this name ran already`);
    for (const dep of stage.after) {
      if (!seen.has(dep)) throw new KdcRuntimeError(`${where} must run after '${dep}', which has not run before it`);
    }
    if (!Number.isInteger(stage.epochs) || stage.epochs < 1) throw new KdcRuntimeError(`${where}: epochs must be a positive integer, got ${stage.epochs}`);
    if (!Number.isInteger(stage.batch) || stage.batch < 1) throw new KdcRuntimeError(`${where}: batch must be a positive integer, got ${stage.batch}`);
    if (stage.data.size === 0) throw new KdcRuntimeError(`${where}: the training split '${stage.data.name}' is empty`);
    if (stage.steps !== undefined) {
      if (!Number.isInteger(stage.steps) || stage.steps < 1) throw new KdcRuntimeError(`${where}: steps must be a positive integer, got ${stage.steps}`);
      const touched = Math.ceil(stage.steps / stepsPerEpochOf(stage));
      if (stage.epochs !== touched) throw new KdcRuntimeError(`${where}: ${stage.steps} steps touch ${touched} epochs, but epochs is ${stage.epochs}`);
    }
    const frozen = frozenOf(stage);
    if (frozen.includes(stage.train)) throw new KdcRuntimeError(`${where}: '${stage.train.name}' cannot teach itself`);
    for (const t of stage.trainableTeachers ?? []) {
      if (t === stage.train || frozen.includes(t)) throw new KdcRuntimeError(`${where}: trainable teacher '${t.name}' is also the trained model, a frozen teacher or the reference`);
    }
    const frozenVariables = frozenVariablesOf(stage);
    if (frozenVariables.size > 0 && !stage.train.variables.some((v) => v.trainable && !frozenVariables.has(v))) {
      throw new KdcRuntimeError(`${where}: every variable of '${stage.train.name}' is frozen`);
    }
    for (const m of stage.modules ?? []) {
      if (m === (stage.train as unknown) || frozen.includes(m as Model)) throw new KdcRuntimeError(`${where}: module '${m.name}' is already the trained model or a teacher`);
    }
    if (new Set(stage.modules ?? []).size !== (stage.modules ?? []).length) throw new KdcRuntimeError(`${where}: a module is listed twice`);
    for (const e of stage.evaluate) {
      if (!Number.isInteger(e.everyEpochs) || e.everyEpochs < 1) throw new KdcRuntimeError(`${where}: evaluate every must be a positive number of epochs`);
      if (e.everySteps !== undefined && (!Number.isInteger(e.everySteps) || e.everySteps < 1)) throw new KdcRuntimeError(`${where}: evaluate every must be a positive number of steps`);
    }
    if (stage.checkpoint) {
      const { everyEpochs, everySteps, keep } = stage.checkpoint;
      // Exactly one interval, a positive integer.
      const interval = everySteps ?? everyEpochs;
      if ((everySteps !== undefined) === (everyEpochs !== undefined)) throw new KdcRuntimeError(`${where}: checkpoint needs exactly one of everyEpochs and everySteps`);
      if (!Number.isInteger(interval) || !(interval! >= 1) || !(keep >= 1)) throw new KdcRuntimeError(`${where}: checkpoint every and keep must be at least 1`);
    }
    const best = stage.checkpoint?.best;
    if (best && best.mode !== "min" && best.mode !== "max") throw new KdcRuntimeError(`${where}: checkpoint best mode must be "min" or "max", got ${String(best.mode)}`);
    if (stage.clip !== undefined && !(stage.clip > 0 && Number.isFinite(stage.clip))) {
      throw new KdcRuntimeError(`${where}: clip must be a positive norm, got ${stage.clip}`);
    }
    if (stage.accumulate) {
      const { steps, by } = stage.accumulate;
      if (!Number.isInteger(steps) || steps < 1) throw new KdcRuntimeError(`${where}: accumulate needs a positive whole number of micro-batches, got ${steps}`);
      if (by !== "examples" && by !== "tokens") throw new KdcRuntimeError(`${where}: accumulate by must be "examples" or "tokens", got ${String(by)}`);
    }
    const cache = stage.cacheTeachers;
    if (cache !== undefined && cache !== true && cache !== false && cache !== "auto") {
      throw new KdcRuntimeError(`${where}: cacheTeachers must be true, false or "auto", got ${String(cache)}`);
    }
    seen.add(stage.name);
  }
}

/** Optimizer slots per trained float (Adam's m and v, momentum buffers, RMSprop's averages). */
export function optimizerSlots(stage: StageSpec): number {
  const o = stage.optimizer;
  switch (o.kind) {
    case "sgd":
      return o.momentum ? 1 : 0;
    case "adam":
    case "adamw":
      return 2;
    case "rmsprop":
      return 1 + (o.momentum ? 1 : 0) + (o.centered ? 1 : 0);
    default:
      return 2;
  }
}

/**
 * Floats of activations one forward pass of `model` keeps for `batch` examples: the model's own
 * estimate when it has `activationFloats(batch)`, else the output width of each weight matrix
 * (rank ≥ 2, last axis) per example.
 */
export function activationFloats(model: Holder, batch: number): number {
  const own = (model as { activationFloats?: (batch: number) => number }).activationFloats;
  if (typeof own === "function") return own.call(model, batch);
  return model.variables.filter((v) => v.rank >= 2).reduce((n, v) => n + batch * (v.shape[v.rank - 1] ?? 0), 0);
}

/**
 * A rough upper bound in bytes of what one stage keeps in wasm memory: every model's and module's
 * weights; for the trained ones a gradient, the optimizer's slots and (accumulating) a running
 * sum each; and a few copies of each forward pass's activations for the micro-batch.
 */
export function stageBytes(program: ProgramSpec, stage: StageSpec): number {
  const resident = holdersOf(program).reduce((n, h) => n + parameterCount(h), 0);
  const trained = trainablesOf(stage).reduce((n, h) => n + parameterCount(h), 0);
  const perTrained = 1 + optimizerSlots(stage) + ((stage.accumulate?.steps ?? 1) > 1 ? 1 : 0) + (stage.clip !== undefined ? 1 : 0);
  const acts = [...trainablesOf(stage), ...frozenOf(stage)].reduce((n, m) => n + activationFloats(m, stage.batch), 0);
  return 4 * (resident + perTrained * trained + 4 * acts);
}

export function checkWasmMemory(program: ProgramSpec): void {
  for (const stage of program.stages) {
    const bytes = stageBytes(program, stage);
    if (bytes > WASM_LIMIT_BYTES) {
      throw new KdcRuntimeError(
        `stage '${stage.name}' (${stage.origin}) needs about ${(bytes / 2 ** 30).toFixed(1)} GiB, more than the wasm backend's 4 GiB`,
        "use a smaller batch (with accumulate for the same effective batch) or model, or --backend tensorflow",
      );
    }
  }
}
