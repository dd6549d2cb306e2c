// The training loop's entry point: select the backend, build the program, check it, then run its
// stages in order (train/stage.ts), resuming from checkpoints when asked, with a run manifest and
// a metrics log in outDir. The pieces live in train/:
//
//   stage.ts          epochs, evaluation, checkpoints, exports, interrupts of one stage
//   step.ts           one optimizer step: micro-batches, accumulation, clipping, term checks
//   teacher-cache.ts  frozen models' outputs, live or cached
//   resume.ts         where a resumed run continues
//   manifest.ts       outDir/manifest.json
//   metrics-log.ts    outDir/metrics.jsonl
//   interrupt.ts      KdcInterrupted, SIGINT and AbortSignal handling
//   validate.ts       program checks and the wasm memory estimate
//   holders.ts        the models and modules a program holds
//
// Memory discipline per step (tf.memory().numTensors stays flat): one tf.tidy holds the frozen
// models' forward passes (inference mode, off the gradient tape) and the gradient computation;
// the returned loss (and gradients) are read or applied outside it and disposed; the batch
// tensors are disposed after the step.
import * as tf from "@tensorflow/tfjs";
import { existsSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { ProgramSpec, RunOptions, RunReport, StageReport } from "./program.js";
import { selectBackend } from "./backend.js";
import { KdcRuntimeError } from "./errors.js";
import { ProgressDisplay, type ProgressMode } from "./progress.js";
import { formatReport } from "./report.js";
import { holdersOf } from "./train/holders.js";
import { EventLoopYield, isKdcInterrupted, KdcInterrupted, StopRequest } from "./train/interrupt.js";
import { createManifest, readManifest, recordStage, writeManifest, type Manifest } from "./train/manifest.js";
import { MetricsLog } from "./train/metrics-log.js";
import { FRESH, planResume } from "./train/resume.js";
import { runStage } from "./train/stage.js";
import { CacheStore } from "./train/teacher-cache.js";
import { checkWasmMemory, validate } from "./train/validate.js";

export { KdcInterrupted, isKdcInterrupted } from "./train/interrupt.js";

/**
 * Runs a compiled program: selects the backend, then calls `build` (so every variable lives on that
 * backend), trains the stages in the given order, prints the report table and returns it.
 * The program's models and modules are disposed when the run ends. Rejects with KdcInterrupted
 * when stopped by `options.signal` or SIGINT (after writing a checkpoint).
 */
export async function run(build: () => ProgramSpec, options: RunOptions): Promise<RunReport> {
  const backend = await selectBackend(options.backend ?? "wasm");
  const mode: ProgressMode = options.quiet ? "quiet" : (options.interactive ?? process.stdout.isTTY === true) ? "tty" : "lines";
  const display = new ProgressDisplay(mode);
  const program = build();
  const caches = new CacheStore();
  let holders: ReturnType<typeof holdersOf> = [];
  let manifest: Manifest | undefined;
  let log: MetricsLog | undefined;
  let stop: StopRequest | undefined;
  try {
    validate(program);
    holders = holdersOf(program);
    if (tf.getBackend() === "wasm") checkWasmMemory(program);
    const resume = options.resume === true;
    manifest = createManifest(program, backend);
    let plan = FRESH;
    if (resume) {
      const previous = readManifest(options.outDir);
      if (previous && previous.program !== manifest.program) {
        throw new KdcRuntimeError(
          `cannot resume the run in ${options.outDir}: it was made by a different program (recipe, stages, models, seeds or data changed)`,
          "run without --resume to start afresh, or choose another output folder",
        );
      }
      plan = await planResume(options.outDir, program, holders);
      if (previous) manifest = { ...manifest, started: previous.started, resumes: previous.resumes };
      manifest.resumes.push({ at: new Date().toISOString(), stage: plan.continueFrom?.stage ?? null, step: plan.continueFrom?.checkpoint.position.step ?? 0 });
      display.line(`resuming: ${plan.skipped.size || plan.continueFrom ? plan.summary : `nothing to resume in ${options.outDir}; starting from the beginning`}`);
    } else {
      await setAsideOldCheckpoints(options.outDir, display);
    }
    log = MetricsLog.open(options.outDir, resume);
    if (resume) log.write({ event: "resume", stage: plan.continueFrom?.stage ?? null, step: plan.continueFrom?.checkpoint.position.step ?? 0, summary: plan.summary });
    await writeManifest(options.outDir, manifest);

    stop = new StopRequest(options.signal, options.handleSignals ?? true, (text) => display.line(text));
    const context = { program, options, display, log, stop, yielder: new EventLoopYield(), caches, holders };
    const stages: StageReport[] = [];
    for (const [index, stage] of program.stages.entries()) {
      const done = plan.skipped.get(stage.name);
      if (done) {
        stages.push({ ...done, resumed: "skipped" });
        recordStage(manifest, done, "skipped");
        continue;
      }
      if (stop.stopping) {
        throw new KdcInterrupted(`interrupted before stage '${stage.name}'; the stages before it are complete`, undefined, "run the same command again with --resume to continue");
      }
      const from = plan.continueFrom?.stage === stage.name ? plan.continueFrom.checkpoint : undefined;
      const report = await runStage(context, index, from);
      stages.push(report);
      recordStage(manifest, report, "complete");
      await writeManifest(options.outDir, manifest);
    }
    const report: RunReport = { backend, stages };
    manifest.status = "completed";
    manifest.ended = new Date().toISOString();
    await writeManifest(options.outDir, manifest);
    display.line(formatReport(report));
    return report;
  } catch (error) {
    if (manifest && log) {
      manifest.status = isKdcInterrupted(error) ? "interrupted" : "failed";
      manifest.ended = new Date().toISOString();
      if (!isKdcInterrupted(error)) manifest.error = error instanceof Error ? error.message : String(error);
      await writeManifest(options.outDir, manifest).catch(() => undefined);
    }
    throw error;
  } finally {
    stop?.dispose();
    log?.close();
    caches.clear();
    for (const h of holders.length ? holders : [...program.models, ...(program.modules ?? [])]) h.dispose();
  }
}

/**
 * A fresh run in a folder that holds another run's checkpoints moves them to `checkpoints.old`
 * (replacing an older one) rather than deleting them: a forgotten --resume costs nothing.
 */
async function setAsideOldCheckpoints(outDir: string, display: ProgressDisplay): Promise<void> {
  const dir = join(outDir, "checkpoints");
  if (!existsSync(dir)) return;
  const old = join(outDir, "checkpoints.old");
  await rm(old, { recursive: true, force: true });
  await rename(dir, old);
  display.line(`starting a fresh run: the previous checkpoints in ${outDir} were moved to checkpoints.old (run with --resume to continue a run instead)`);
}
