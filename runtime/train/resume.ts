// Resuming a stopped run from its checkpoints (RunOptions.resume).
//
// 1. The longest prefix of stages that have a `complete/` checkpoint is skipped: every model's and
//    module's weights are restored from the last of them, and their reports are reused.
// 2. The next stage continues from its newest checkpoint (`epoch-<n>/` or `step-<s>/`, by step):
//    its trained model, modules, snapshots, optimizer state, position and loop state. Without
//    one, it starts over (the weights it starts from are those of step 1).
// Dropout masks depend only on (stage seed, step) and batch order on (stage seed, epoch), so the
// continued run computes exactly what the uninterrupted one would have.
import { join } from "node:path";
import type { BestCheckpoint, ProgramSpec, StageReport } from "../program.js";
import { COMPLETE_DIR, checkpointDir, listCheckpoints, listStepCheckpoints, readCheckpoint, type CheckpointData } from "../checkpoint.js";
import { KdcRuntimeError } from "../errors.js";
import type { Holder } from "./holders.js";

/** Loop state stored in every mid-stage checkpoint. */
export interface StageState {
  /** Loss sum and count of the epoch in progress (for its mean). */
  readonly lossSum: number;
  readonly lossCount: number;
  /** Mean loss of the last finished epoch. */
  readonly epochLoss: number;
  readonly metrics: Record<string, Record<string, number>>;
  /** Training seconds before this process. */
  readonly seconds: number;
  /** With a best checkpoint: the best so far (its weights are in `checkpoints/<stage>/best/`). */
  readonly best?: BestCheckpoint;
  /** `StageSpec.controllers`' states by name, as after the last completed step. */
  readonly controllers?: Readonly<Record<string, unknown>>;
}

export interface ResumePlan {
  /** Reports of the stages complete before, by name (their order is the program's). */
  readonly skipped: ReadonlyMap<string, StageReport>;
  /** The stage that continues from a checkpoint, if any. */
  readonly continueFrom: { readonly stage: string; readonly checkpoint: CheckpointData } | undefined;
  /** One line for the log: `distill from step 52 (checkpoints/distill/step-52)`, or `nothing to resume`. */
  readonly summary: string;
}

export const FRESH: ResumePlan = { skipped: new Map(), continueFrom: undefined, summary: "a fresh run" };

async function exists(dir: string): Promise<CheckpointData | undefined> {
  try {
    return await readCheckpoint(dir);
  } catch {
    return undefined;
  }
}

/** Finds where to continue and restores the skipped stages' weights into `holders`. */
export async function planResume(outDir: string, program: ProgramSpec, holders: readonly Holder[]): Promise<ResumePlan> {
  const skipped = new Map<string, StageReport>();
  let last: CheckpointData | undefined;
  let next: (typeof program.stages)[number] | undefined;
  for (const stage of program.stages) {
    const complete = await exists(join(checkpointDir(outDir, stage.name), COMPLETE_DIR));
    if (!complete) {
      next = stage;
      break;
    }
    const report = (complete.state as { report?: StageReport } | undefined)?.report;
    if (!report) throw new KdcRuntimeError(`checkpoint ${complete.dir} holds no stage report; it was not written by this version of kdc`);
    skipped.set(stage.name, report);
    last = complete;
  }
  if (last) {
    const missing = holders.filter((h) => !last.owners.includes(h.name)).map((h) => `'${h.name}'`);
    if (missing.length) throw new KdcRuntimeError(`checkpoint ${last.dir} has no weights for ${missing.join(", ")}: the program changed since it was written`, "start a fresh run (without --resume) or in another output folder");
    for (const h of holders) last.restoreHolder(h);
  }
  if (!next) return { skipped, continueFrom: undefined, summary: `all ${skipped.size} stages were complete` };

  const dir = checkpointDir(outDir, next.name);
  const candidates = [...(await listCheckpoints(dir)).map((c) => c.path), ...(await listStepCheckpoints(dir)).map((c) => c.path)];
  let newest: CheckpointData | undefined;
  for (const path of candidates) {
    const c = await exists(path);
    if (c && (!newest || c.position.step > newest.position.step)) newest = c;
  }
  const prefix = skipped.size ? `skipping ${[...skipped.keys()].map((s) => `'${s}'`).join(", ")} (complete); ` : "";
  if (!newest) {
    return { skipped, continueFrom: undefined, summary: `${prefix}stage '${next.name}' starts from its beginning` };
  }
  return {
    skipped,
    continueFrom: { stage: next.name, checkpoint: newest },
    summary: `${prefix}stage '${next.name}' continues from step ${newest.position.step} (${newest.dir})`,
  };
}
