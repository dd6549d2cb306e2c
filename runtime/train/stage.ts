// One stage: epochs of optimizer steps (or exactly `steps`, the last epoch then partial),
// evaluations, checkpoints (and the best one, restored at the end), exports, and the
// stage-complete checkpoint; continuing from a checkpoint when resuming, stopping cleanly when asked.
import { isAbsolute, join, relative, resolve } from "node:path";
import type { Batch, BestCheckpoint, ProgramSpec, Progress, RunOptions, StageReport, StageSpec } from "../program.js";
import { StageOptimizer } from "../optim.js";
import { disposeBatch } from "../data/memory-split.js";
import { evaluate } from "../evaluate.js";
import { metricLabel } from "../metrics.js";
import {
  COMPLETE_DIR,
  checkpointDir,
  readCheckpoint,
  removeInterruptCheckpoints,
  saveCheckpoint,
  saveStepCheckpoint,
  writeCheckpoint,
  type CheckpointData,
} from "../checkpoint.js";
import { KdcRuntimeError } from "../errors.js";
import { frozenVariablesOf } from "./freeze.js";
import type { ProgressDisplay } from "../progress.js";
import { isSnapshot } from "../snapshot.js";
import { frozenOf, stageHoldersOf, trainablesOf, variableNamesOf, type Holder } from "./holders.js";
import { KdcInterrupted, type EventLoopYield, type StopRequest } from "./interrupt.js";
import { LogInterval, type MetricsLog } from "./metrics-log.js";
import type { StageState } from "./resume.js";
import { StepRunner } from "./step.js";
import { DEFAULT_CACHE_BUDGET, FrozenOutputs, type CacheStore } from "./teacher-cache.js";

/** What every stage of a run shares. */
export interface RunContext {
  readonly program: ProgramSpec;
  readonly options: RunOptions;
  readonly display: ProgressDisplay;
  readonly log: MetricsLog;
  readonly stop: StopRequest;
  readonly yielder: EventLoopYield;
  readonly caches: CacheStore;
  /** Every model and module of the program (the stage-complete checkpoint stores them all). */
  readonly holders: readonly Holder[];
}

export const DEFAULT_LOG_EVERY = 50;

/** `checkpoints/<stage>/best/`: the weights where the best-checkpoint metric was best. */
export const BEST_DIR = "best";

/** Optimizer steps of the whole stage: `steps`, else epochs × steps per epoch. */
export function totalStepsOf(stage: StageSpec): number {
  return stage.steps ?? stage.epochs * stepsPerEpochOf(stage);
}

/** Steps per epoch: micro-batches per epoch grouped by `accumulate.steps` (the last group may be short). */
export function stepsPerEpochOf(stage: StageSpec): number {
  return Math.ceil(Math.ceil(stage.data.size / stage.batch) / (stage.accumulate?.steps ?? 1));
}

export async function runStage(run: RunContext, index: number, resumeFrom: CheckpointData | undefined): Promise<StageReport> {
  const { program, options, display, log, stop } = run;
  const stage = program.stages[index]!;
  const started = performance.now();
  const micro = stage.accumulate?.steps ?? 1;
  const stepsPerEpoch = stepsPerEpochOf(stage);
  const totalSteps = totalStepsOf(stage);
  const trainables = trainablesOf(stage);
  const frozenVariables = frozenVariablesOf(stage);
  // Trainable variables only (batch-norm running statistics are updated by the forward pass),
  // less the frozen parts; a module's or trainable teacher's are named `<holder>/<variable>` for
  // weight-decay rules and messages.
  const updated = trainables.flatMap((h) => {
    const names = variableNamesOf(h);
    return h.variables.map((v, i) => ({ v, name: h === stage.train ? names[i]! : `${h.name}/${names[i]}` })).filter(({ v }) => v.trainable && !frozenVariables.has(v));
  });
  const optimizer = new StageOptimizer(stage.optimizer, updated.map((u) => u.v), updated.map((u) => u.name));
  const frozen = frozenOf(stage);
  const logEvery = Math.max(1, options.logEvery ?? DEFAULT_LOG_EVERY);
  const note = (text: string) => display.line(`${stage.name}: ${text}`);

  let step = 0;
  let state: StageState = { lossSum: 0, lossCount: 0, epochLoss: NaN, metrics: {}, seconds: 0 };
  let runner: StepRunner | undefined;
  let frozenOutputs: FrozenOutputs | undefined;
  const elapsed = () => state.seconds + (performance.now() - started) / 1000;
  const metrics: Record<string, Record<string, number>> = {};
  try {
    if (resumeFrom) {
      for (const h of stageHoldersOf(stage)) resumeFrom.restoreHolder(h);
      await resumeFrom.restoreOptimizer(optimizer);
      step = resumeFrom.position.step;
      state = { ...state, ...((resumeFrom.state ?? {}) as Partial<StageState>) };
      for (const [name, c] of Object.entries(stage.controllers ?? {})) {
        const saved = state.controllers?.[name];
        if (saved !== undefined) c.load(saved);
      }
      Object.assign(metrics, state.metrics);
      note(`continuing from step ${step}/${totalSteps} (${resumeFrom.dir})`);
    } else {
      for (const m of frozen) if (isSnapshot(m)) m.capture(stage.name);
    }
    frozenOutputs = await FrozenOutputs.create(
      stage,
      frozen,
      run.caches,
      {
        mode: stage.cacheTeachers ?? "auto",
        budget: options.teacherCacheBytes ?? DEFAULT_CACHE_BUDGET,
        usedLater: (teacher, fingerprint) => program.stages.slice(index + 1).some((s) => frozenOf(s).includes(teacher) && s.data.fingerprint === fingerprint),
      },
      note,
    );
    runner = new StepRunner(stage, optimizer, frozenOutputs);
    display.stageStart(stage.name, stage.epochs, totalSteps, step);
    log.write({ event: "stage-start", stage: stage.name, epoch: Math.floor(step / stepsPerEpoch) + 1, step, totalSteps, ...(resumeFrom ? { resumedFrom: step } : {}) });

    const position = () => ({ epoch: Math.floor(step / stepsPerEpoch), step });
    const controllersNow = () => Object.fromEntries(Object.entries(stage.controllers ?? {}).map(([name, c]) => [name, c.toJSON()]));
    const stateNow = (lossSum: number, lossCount: number): StageState => ({
      lossSum,
      lossCount,
      epochLoss: state.epochLoss,
      metrics,
      seconds: elapsed(),
      controllers: controllersNow(),
      ...(best ? { best } : {}),
    });
    // The best checkpoint so far (from the loop state when resuming; its folder is on disk).
    const bestSpec = stage.checkpoint?.best;
    let best: BestCheckpoint | undefined = state.best;
    // The `loss` metric reads the objective with schedules where the last update left them.
    const objectiveNow = (epoch: number) => ({
      name: stage.name,
      objective: stage.objective,
      progress: { step: Math.max(0, step - 1), totalSteps, epoch, stepsPerEpoch } satisfies Progress,
    });
    const evaluateNow = (spec: StageSpec["evaluate"][number], epoch: number, lr: number): void => {
      const values = evaluate(stage.train, spec, undefined, objectiveNow(epoch));
      metrics[spec.split.name] = values;
      display.evaluation(epoch, spec.split.name, values);
      log.write({ event: "eval", stage: stage.name, epoch: step / stepsPerEpoch, step, split: spec.split.name, loss: state.epochLoss, lr, metrics: values, elapsed: elapsed() });
    };
    const judgeBest = async (lr: number): Promise<void> => {
      if (!bestSpec) return;
      const values = evaluate(stage.train, { split: bestSpec.split, everyEpochs: 1, metrics: [bestSpec.metric] }, undefined, objectiveNow(Math.floor(step / stepsPerEpoch)));
      const label = metricLabel(bestSpec.metric);
      const value = values[label]!;
      metrics[bestSpec.split.name] = { ...metrics[bestSpec.split.name], ...values };
      const better = best === undefined ? !Number.isNaN(value) : bestSpec.mode === "max" ? value > best.value : value < best.value;
      log.write({ event: "eval", stage: stage.name, epoch: step / stepsPerEpoch, step, split: bestSpec.split.name, loss: state.epochLoss, lr, metrics: values, elapsed: elapsed() });
      if (!better) return;
      best = { split: bestSpec.split.name, metric: label, mode: bestSpec.mode, value, epoch: step / stepsPerEpoch, step };
      await writeCheckpoint(join(checkpointDir(options.outDir, stage.name), BEST_DIR), stage.name, stage.train, undefined, position(), {
        kind: "best",
        holders: trainables,
        state: { best },
      });
    };
    // `checkpoint every N steps`: step-<n>/, the same format the interrupt path writes; `savedAt` is its step.
    const everySteps = stage.checkpoint?.everySteps;
    let savedAt: number | undefined;
    const stepCheckpoint = async (lossSum: number, lossCount: number): Promise<void> => {
      await saveStepCheckpoint(options.outDir, stage.name, stage.train, optimizer, position(), stage.checkpoint!.keep, {
        holders: stageHoldersOf(stage),
        state: stateNow(lossSum, lossCount),
      });
      savedAt = step;
    };
    const interrupt = async (epoch: number, lossSum: number, lossCount: number): Promise<never> => {
      const dir = join(checkpointDir(options.outDir, stage.name), `step-${step}`);
      // A step checkpoint written at this very step already holds this state.
      if (savedAt !== step) {
        await writeCheckpoint(dir, stage.name, stage.train, optimizer, position(), { kind: "interrupt", holders: stageHoldersOf(stage), state: stateNow(lossSum, lossCount) });
      }
      await removeInterruptCheckpoints(checkpointDir(options.outDir, stage.name), dir);
      display.stageEnd();
      log.write({ event: "interrupt", stage: stage.name, epoch: epoch + 1, step, checkpoint: dir, elapsed: elapsed() });
      const rel = relative(process.cwd(), dir);
      const shown = !rel || rel.startsWith("..") || isAbsolute(rel) ? dir : rel;
      display.line(`${stage.name}: stopped after step ${step}/${totalSteps} (${stop.why}); checkpoint written to ${shown}`);
      display.line(`to continue, run the same command again with --resume`);
      throw new KdcInterrupted(`interrupted: stage '${stage.name}' stopped after step ${step} of ${totalSteps}; checkpoint ${shown}`, dir, "run the same command again with --resume to continue from it");
    };

    for (let epoch = Math.floor(step / stepsPerEpoch); epoch * stepsPerEpoch < totalSteps; epoch++) {
      const epochStarted = performance.now();
      // With `steps` the last epoch may stop early; its remaining batches are never drawn.
      const stepsThisEpoch = Math.min(stepsPerEpoch, totalSteps - epoch * stepsPerEpoch);
      const fullEpoch = stepsThisEpoch === stepsPerEpoch;
      const resumedInEpoch = step - epoch * stepsPerEpoch;
      let lossSum = resumedInEpoch > 0 ? state.lossSum : 0;
      let lossCount = resumedInEpoch > 0 ? state.lossCount : 0;
      const interval = new LogInterval();
      let lr = 0;
      const batches = stage.data.batches(stage.batch, stage.seed, epoch)[Symbol.iterator]();
      const next = (): Batch | undefined => {
        const r = batches.next();
        return r.done ? undefined : r.value;
      };
      for (let skip = resumedInEpoch * micro; skip > 0; skip--) {
        const b = next();
        if (b) disposeBatch(b);
      }
      for (let inEpoch = resumedInEpoch; inEpoch < stepsThisEpoch; inEpoch++) {
        const progress: Progress = { step, totalSteps, epoch, stepsPerEpoch };
        lr = runner.begin(progress);
        // Batches are fetched only when needed: no batch tensors outlive their step.
        for (let k = 0; k < micro; k++) {
          const batch = next();
          if (!batch && k === 0) throw new Error(`split '${stage.data.name}' yielded fewer than ceil(${stage.data.size} / ${stage.batch}) batches in epoch ${epoch + 1}`);
          if (!batch) break;
          try {
            runner.microBatch(batch);
          } finally {
            disposeBatch(batch);
          }
        }
        const { loss, gradNorm } = runner.end();
        for (const c of Object.values(stage.controllers ?? {})) c.update(loss, step, totalSteps);
        step++;
        lossSum += loss;
        lossCount++;
        interval.add(loss);
        options.onStep?.({ stage: stage.name, epoch, step, loss, lr, ...(gradNorm !== undefined ? { gradNorm } : {}) });
        display.step({ epoch, step, loss, lr });
        const lastOfEpoch = inEpoch === stepsThisEpoch - 1;
        if (interval.steps >= logEvery || lastOfEpoch) {
          const steps = interval.steps;
          log.write({ event: "step", stage: stage.name, epoch: epoch + 1, step, steps, loss: interval.take(), lr, metrics: gradNorm !== undefined ? { gradNorm } : {}, elapsed: elapsed() });
        }
        // `every N steps`; the end of the stage evaluates every split below.
        for (const spec of stage.evaluate) if (spec.everySteps && step % spec.everySteps === 0 && step < totalSteps) evaluateNow(spec, epoch, lr);
        // Mid-epoch step checkpoints here; one on an epoch's last step is written after the epoch's end below.
        if (everySteps && step % everySteps === 0 && !lastOfEpoch) {
          await judgeBest(lr);
          await stepCheckpoint(lossSum, lossCount);
        }
        if (!lastOfEpoch) {
          await run.yielder.maybe();
          if (stop.stopping) await interrupt(epoch, lossSum, lossCount);
        }
      }
      const extra = fullEpoch ? next() : undefined;
      if (extra) {
        disposeBatch(extra);
        throw new Error(`split '${stage.data.name}' yielded more than ceil(${stage.data.size} / ${stage.batch}) batches in epoch ${epoch + 1}`);
      }
      batches.return?.();
      state = { ...state, epochLoss: lossSum / Math.max(1, lossCount) };
      display.epochEnd({ epoch, step, loss: state.epochLoss, meanLoss: state.epochLoss, lr });
      log.write({
        event: "epoch",
        stage: stage.name,
        epoch: epoch + 1,
        step,
        loss: state.epochLoss,
        lr,
        metrics: {},
        seconds: (performance.now() - epochStarted) / 1000,
        ...(frozenOutputs.decision?.enabled ? { teacherCache: frozenOutputs.stats() } : {}),
        elapsed: elapsed(),
      });

      const done = epoch + 1;
      const stageEnd = step === totalSteps;
      const onInterval = (every: number) => fullEpoch && done % every === 0;
      for (const spec of stage.evaluate) if (onInterval(spec.everyEpochs) || stageEnd) evaluateNow(spec, epoch, lr);
      const epochCheckpoint = stage.checkpoint?.everyEpochs !== undefined && onInterval(stage.checkpoint.everyEpochs);
      const stepCheckpointHere = everySteps !== undefined && step % everySteps === 0;
      // Before the epoch checkpoint, so that its loop state knows the best so far.
      if (stage.checkpoint && (epochCheckpoint || stepCheckpointHere || stageEnd)) await judgeBest(lr);
      if (stepCheckpointHere) await stepCheckpoint(0, 0);
      if (stage.checkpoint && epochCheckpoint) {
        await saveCheckpoint(options.outDir, stage.name, stage.train, optimizer, { epoch: done, step }, stage.checkpoint.keep, {
          holders: stageHoldersOf(stage),
          state: stateNow(0, 0),
        });
      }
      await run.yielder.maybe();
      if (stop.stopping && !stageEnd) await interrupt(epoch, 0, 0);
    }
    display.stageEnd();
    if (best) {
      // The best weights leave the stage (HF's load_best_model_at_end): exports and later stages get them.
      const saved = await readCheckpoint(join(checkpointDir(options.outDir, stage.name), BEST_DIR));
      if (saved.position.step !== best.step) throw new KdcRuntimeError(`checkpoint ${saved.dir} is from step ${saved.position.step}, but the best step was ${best.step}`, "start a fresh run (without --resume)");
      for (const h of trainables) saved.restoreHolder(h);
      note(`restored the best weights: ${best.metric} on ${best.split} = ${best.value} after step ${best.step} (epoch ${+best.epoch.toFixed(3)})`);
    }
    for (const { model, path } of stage.exports) {
      const dir = isAbsolute(path) ? path : resolve(options.outDir, path);
      await model.exportTo(dir);
      display.line(`${stage.name}: exported ${model.name} to ${dir}`);
    }
    const report: StageReport = {
      stage: stage.name,
      model: stage.train.name,
      seconds: elapsed(),
      steps: step,
      finalLoss: state.epochLoss,
      metrics,
      ...(frozenOutputs.decision ? { teacherCache: frozenOutputs.decision } : {}),
      ...(resumeFrom ? { resumed: resumeFrom.position } : {}),
      ...(best ? { best } : {}),
    };
    // Every model's weights as they leave the stage, and its report: a resumed run skips it.
    await writeCheckpoint(join(checkpointDir(options.outDir, stage.name), COMPLETE_DIR), stage.name, stage.train, undefined, { epoch: stage.epochs, step }, {
      kind: "complete",
      holders: run.holders,
      state: { report },
    });
    await removeInterruptCheckpoints(checkpointDir(options.outDir, stage.name));
    log.write({ event: "stage-end", stage: stage.name, epoch: stage.epochs, step, loss: state.epochLoss, metrics, elapsed: elapsed(), ...(frozenOutputs.decision ? { teacherCache: frozenOutputs.decision } : {}) });
    return report;
  } finally {
    display.stageEnd();
    runner?.dispose();
    frozenOutputs?.finish();
    optimizer.dispose();
  }
}
