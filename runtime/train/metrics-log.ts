// outDir/metrics.jsonl: one JSON object per line, appended as training goes.
//
//   {"event":"step","stage":"distill","epoch":2,"step":40,"loss":0.53,"lr":0.001,"metrics":{},"wall":"…","elapsed":3.21}
//   {"event":"eval","stage":"distill","epoch":2,"step":52,"split":"digits.test","loss":0.5,"lr":…,"metrics":{"accuracy":0.93},…}
//
// `step` lines cover the steps since the previous one (`loss` is their mean; `steps` how many),
// written every `logEvery` steps and at each epoch's end. `epoch` is 1-based (the epoch the line
// belongs to), `step` counts optimizer steps done in the stage, `elapsed` is seconds since the
// stage (re)started in this process, `wall` an ISO time. Other events: stage-start, stage-end,
// resume (steps after its `step` in that stage are superseded by what follows), interrupt.
//
// Each line is one write(2) to a file opened with O_APPEND, so lines never interleave; a crash
// can only leave a partial last line, which a resumed run cuts off before appending.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, truncateSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";

export const METRICS_LOG = "metrics.jsonl";

export class MetricsLog {
  private fd: number | undefined;

  private constructor(readonly path: string) {}

  /** Opens `outDir/metrics.jsonl`: appended to when resuming, else started afresh. */
  static open(outDir: string, resume: boolean): MetricsLog {
    const log = new MetricsLog(join(outDir, METRICS_LOG));
    mkdirSync(dirname(log.path), { recursive: true });
    if (resume && existsSync(log.path)) {
      const text = readFileSync(log.path, "utf8");
      const end = text.lastIndexOf("\n") + 1;
      if (end !== text.length) truncateSync(log.path, Buffer.byteLength(text.slice(0, end)));
      log.fd = openSync(log.path, "a");
    } else {
      log.fd = openSync(log.path, "w");
    }
    return log;
  }

  write(record: Record<string, unknown>): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, `${JSON.stringify({ ...record, wall: new Date().toISOString() }, finiteOrNull)}\n`);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** JSON has no NaN or Infinity: write them as null. */
function finiteOrNull(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value) ? null : value;
}

/** Mean loss over the steps since the last `step` line. */
export class LogInterval {
  private sum = 0;
  private count = 0;

  add(loss: number): void {
    this.sum += loss;
    this.count++;
  }

  get steps(): number {
    return this.count;
  }

  /** The interval's mean loss, and starts a new interval. */
  take(): number {
    const mean = this.count ? this.sum / this.count : NaN;
    this.sum = 0;
    this.count = 0;
    return mean;
  }
}
