// The training loop: select the backend, build the program, run its stages in order.
//
// Memory discipline per step (tf.memory().numTensors stays flat): one tf.tidy holds the teacher
// forward passes (inference mode, off the gradient tape) and optimizer.minimize; the returned cost
// is read outside the tidy and disposed; the batch tensors are disposed after the step.
import * as tf from "@tensorflow/tfjs";
import { isAbsolute, resolve } from "node:path";
import type { Model, Outputs, ProgramSpec, Progress, RunOptions, RunReport, StageReport, StageSpec } from "./program.js";
import { selectBackend } from "./backend.js";
import { KdcRuntimeError } from "./errors.js";
import { disposeBatch } from "./data/memory-split.js";
import { StageOptimizer } from "./optim.js";
import { Step } from "./step-context.js";
import { evaluate } from "./evaluate.js";
import { saveCheckpoint } from "./checkpoint.js";
import { ProgressDisplay, type ProgressMode } from "./progress.js";
import { formatReport } from "./report.js";

/** wasm's linear memory is capped at 4 GiB; past it tfjs fails with "memory access out of bounds". */
const WASM_LIMIT_BYTES = 3.5 * 2 ** 30;

/**
 * Runs a compiled program: selects the backend, then calls `build` (so every variable lives on that
 * backend), trains the stages in the given order, prints the report table and returns it.
 * The program's models are disposed when the run ends.
 */
export async function run(build: () => ProgramSpec, options: RunOptions): Promise<RunReport> {
  const backend = await selectBackend(options.backend ?? "wasm");
  const mode: ProgressMode = options.quiet ? "quiet" : (options.interactive ?? process.stdout.isTTY === true) ? "tty" : "lines";
  const display = new ProgressDisplay(mode);
  const program = build();
  try {
    validate(program);
    if (tf.getBackend() === "wasm") checkWasmMemory(program);
    const stages: StageReport[] = [];
    for (const stage of program.stages) stages.push(await runStage(stage, options, display));
    const report: RunReport = { backend, stages };
    display.line(formatReport(report));
    return report;
  } finally {
    for (const model of program.models) model.dispose();
  }
}

async function runStage(stage: StageSpec, options: RunOptions, display: ProgressDisplay): Promise<StageReport> {
  const started = performance.now();
  const stepsPerEpoch = Math.ceil(stage.data.size / stage.batch);
  const totalSteps = stage.epochs * stepsPerEpoch;
  const variables = stage.train.variables;
  const optimizer = new StageOptimizer(stage.optimizer, variables);
  const metrics: Record<string, Record<string, number>> = {};
  let step = 0;
  let epochLoss = NaN;
  display.stageStart(stage.name, stage.epochs, totalSteps);
  try {
    for (let epoch = 0; epoch < stage.epochs; epoch++) {
      let lossSum = 0;
      let lossCount = 0;
      let lr = 0;
      for (const batch of stage.data.batches(stage.batch, stage.seed, epoch)) {
        const progress: Progress = { step, totalSteps, epoch, stepsPerEpoch };
        let loss: number;
        try {
          lr = stage.optimizer.lr.at(progress);
          optimizer.setLearningRate(lr);
          const cost = tf.tidy(() => {
            const teachers = new Map<Model, Outputs>(stage.teachers.map((t) => [t, t.forward(batch.input, false)]));
            const ctx = new Step(batch, progress, stage.name, stage.train, teachers);
            return optimizer.minimize(() => scalarObjective(stage, ctx));
          });
          loss = cost.dataSync()[0]!;
          cost.dispose();
        } finally {
          disposeBatch(batch);
        }
        step++;
        if (!Number.isFinite(loss)) {
          throw new KdcRuntimeError(
            `stage '${stage.name}' (${stage.origin}): the loss became ${loss} at epoch ${epoch + 1}, step ${step}`,
            "lower the learning rate, or look for log(0) or a division by zero in the objective",
          );
        }
        lossSum += loss;
        lossCount++;
        options.onStep?.({ stage: stage.name, epoch, step, loss, lr });
        display.step({ epoch, step, loss, lr });
      }
      epochLoss = lossSum / Math.max(1, lossCount);
      display.epochEnd({ epoch, step, loss: epochLoss, meanLoss: epochLoss, lr });

      const done = epoch + 1;
      for (const spec of stage.evaluate) {
        if (done % spec.everyEpochs === 0 || done === stage.epochs) {
          const values = evaluate(stage.train, spec);
          metrics[spec.split.name] = values;
          display.evaluation(epoch, spec.split.name, values);
        }
      }
      if (stage.checkpoint && done % stage.checkpoint.everyEpochs === 0) {
        await saveCheckpoint(options.outDir, stage.name, stage.train, optimizer, { epoch: done, step }, stage.checkpoint.keep);
      }
    }
    display.stageEnd();
    for (const { model, path } of stage.exports) {
      const dir = isAbsolute(path) ? path : resolve(options.outDir, path);
      await model.exportTo(dir);
      display.line(`${stage.name}: exported ${model.name} to ${dir}`);
    }
  } finally {
    display.stageEnd();
    optimizer.dispose();
  }
  return {
    stage: stage.name,
    model: stage.train.name,
    seconds: (performance.now() - started) / 1000,
    steps: step,
    finalLoss: epochLoss,
    metrics,
  };
}

/** Calls the objective and insists on a scalar, naming the stage when it is not one. */
function scalarObjective(stage: StageSpec, ctx: Step): tf.Scalar {
  const loss = stage.objective(ctx);
  if (!(loss instanceof tf.Tensor) || loss.rank !== 0) {
    const shape = loss instanceof tf.Tensor ? `a tensor of shape [${loss.shape}]` : typeof loss;
    throw new KdcRuntimeError(`stage '${stage.name}' (${stage.origin}): the objective must return a scalar, got ${shape}`);
  }
  return loss;
}

function validate(program: ProgramSpec): void {
  const seen = new Set<string>();
  for (const stage of program.stages) {
    const where = `stage '${stage.name}' (${stage.origin})`;
    for (const dep of stage.after) {
      if (!seen.has(dep)) throw new KdcRuntimeError(`${where} must run after '${dep}', which has not run before it`);
    }
    if (!Number.isInteger(stage.epochs) || stage.epochs < 1) throw new KdcRuntimeError(`${where}: epochs must be a positive integer, got ${stage.epochs}`);
    if (!Number.isInteger(stage.batch) || stage.batch < 1) throw new KdcRuntimeError(`${where}: batch must be a positive integer, got ${stage.batch}`);
    if (stage.data.size === 0) throw new KdcRuntimeError(`${where}: the training split '${stage.data.name}' is empty`);
    if (stage.teachers.includes(stage.train)) throw new KdcRuntimeError(`${where}: '${stage.train.name}' cannot teach itself`);
    for (const e of stage.evaluate) {
      if (!Number.isInteger(e.everyEpochs) || e.everyEpochs < 1) throw new KdcRuntimeError(`${where}: evaluate every must be a positive number of epochs`);
    }
    if (stage.checkpoint && (!(stage.checkpoint.everyEpochs >= 1) || !(stage.checkpoint.keep >= 1))) {
      throw new KdcRuntimeError(`${where}: checkpoint every and keep must be at least 1`);
    }
    seen.add(stage.name);
  }
}

/**
 * A rough upper bound of what one stage keeps in wasm memory: every model's weights, the trained
 * model's gradients and two Adam slots, and a few copies of each layer's activations for the batch.
 */
function checkWasmMemory(program: ProgramSpec): void {
  const params = (m: Model) => m.variables.reduce((n, v) => n + v.size, 0);
  const activations = (m: Model, batch: number) =>
    m.variables.filter((v) => v.rank === 2).reduce((n, v) => n + batch * (v.shape[1] ?? 0), 0);
  const resident = program.models.reduce((n, m) => n + params(m), 0);
  for (const stage of program.stages) {
    const floats = resident + 3 * params(stage.train) + 4 * [stage.train, ...stage.teachers].reduce((n, m) => n + activations(m, stage.batch), 0);
    const bytes = floats * 4;
    if (bytes > WASM_LIMIT_BYTES) {
      throw new KdcRuntimeError(
        `stage '${stage.name}' (${stage.origin}) needs about ${(bytes / 2 ** 30).toFixed(1)} GiB, more than the wasm backend's 4 GiB`,
        "use a smaller batch or model, or --backend tensorflow",
      );
    }
  }
}
