// Everything in a program that holds weights: models, adapters and auxiliary modules, snapshots.
// Checkpoints, the run manifest, the memory estimate and disposal all walk this one list.
import type * as tf from "@tensorflow/tfjs";
import type { Model, Module, ProgramSpec, StageSpec } from "../program.js";
import { KdcRuntimeError } from "../errors.js";
import { isSnapshot } from "../snapshot.js";

/** What checkpoints need of a model or module. */
export type Holder = Pick<Module, "name" | "kind" | "variables" | "variableNames" | "dispose">;

/** Models and modules whose stochastic layers (dropout) follow a seed the loop sets before every step. */
export interface Reseedable {
  reseed(seed: number): void;
}

export function isReseedable(x: unknown): x is Reseedable {
  return typeof (x as Partial<Reseedable> | undefined)?.reseed === "function";
}

/** The frozen models a stage reads through ctx.outputs: its teachers, then its reference. */
export function frozenOf(stage: StageSpec): Model[] {
  const frozen = [...stage.teachers];
  if (stage.reference && !frozen.includes(stage.reference)) frozen.push(stage.reference);
  return frozen;
}

/** What the stage's optimizer updates: the trained model, its trainable teachers, then its modules in order. */
export function trainablesOf(stage: StageSpec): Holder[] {
  return [stage.train, ...(stage.trainableTeachers ?? []), ...(stage.modules ?? [])];
}

/**
 * Every holder of the program in a fixed order (models, modules, then anything only a stage
 * names), each once. Names must be unique: checkpoints key tensors by them.
 */
export function holdersOf(program: ProgramSpec): Holder[] {
  const all: Holder[] = [];
  const add = (h: Holder) => {
    if (!all.includes(h)) all.push(h);
  };
  program.models.forEach(add);
  (program.modules ?? []).forEach(add);
  for (const stage of program.stages) {
    trainablesOf(stage).forEach(add);
    frozenOf(stage).forEach(add);
  }
  const byName = new Map<string, Holder>();
  for (const h of all) {
    const other = byName.get(h.name);
    if (other) throw new KdcRuntimeError(`two different models or modules are named '${h.name}'; checkpoints need unique names`);
    byName.set(h.name, h);
  }
  return all;
}

/** The holders a checkpoint written during `stage` must restore: trainables and its snapshots. */
export function stageHoldersOf(stage: StageSpec): Holder[] {
  return [...trainablesOf(stage), ...frozenOf(stage).filter(isSnapshot)];
}

export function parameterCount(h: { readonly variables: readonly tf.Variable[] }): number {
  return h.variables.reduce((n, v) => n + v.size, 0);
}

/** Stable variable names: the holder's own (`dense_0/kernel`) when it has them, else `var_<i>`. */
export function variableNamesOf(h: Holder): readonly string[] {
  const own = h.variableNames;
  return own && own.length === h.variables.length ? own : h.variables.map((_, i) => `var_${i}`);
}
