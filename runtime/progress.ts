// Progress display. On a terminal: one line redrawn in place (stage, epoch, step/total, loss, lr,
// it/s, ETA), cut to the terminal width. Elsewhere (CI logs, pipes): one plain line per epoch, so
// logs stay readable. Evaluations always get their own line. `quiet` prints nothing.
import { formatLoss, formatMetric, formatSeconds, formatSmall } from "./format.js";

export type ProgressMode = "tty" | "lines" | "quiet";

export interface Writable {
  write(text: string): unknown;
  readonly columns?: number;
}

export interface StepInfo {
  readonly epoch: number; // 0-based
  readonly step: number; // steps done in the stage
  readonly loss: number;
  readonly lr: number;
}

const REDRAW_MS = 100;

export class ProgressDisplay {
  private stage = "";
  private epochs = 0;
  private totalSteps = 0;
  private startStep = 0;
  private startedAt = 0;
  private lastDraw = 0;
  private smoothedLoss = NaN;
  private barVisible = false;

  constructor(
    readonly mode: ProgressMode,
    private readonly out: Writable = process.stdout,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** `startStep`: steps already done when the stage (re)starts here (a resumed run), for it/s and ETA. */
  stageStart(stage: string, epochs: number, totalSteps: number, startStep = 0): void {
    this.stage = stage;
    this.epochs = epochs;
    this.totalSteps = totalSteps;
    this.startStep = startStep;
    this.startedAt = this.now();
    this.lastDraw = 0;
    this.smoothedLoss = NaN;
  }

  step(info: StepInfo): void {
    if (this.mode !== "tty") return;
    this.smoothedLoss = Number.isNaN(this.smoothedLoss) ? info.loss : 0.9 * this.smoothedLoss + 0.1 * info.loss;
    const t = this.now();
    if (t - this.lastDraw < REDRAW_MS && info.step < this.totalSteps) return;
    this.lastDraw = t;
    this.out.write(`\r${this.barLine({ ...info, loss: this.smoothedLoss })}\x1b[K`);
    this.barVisible = true;
  }

  /** End of an epoch; `meanLoss` over its steps. */
  epochEnd(info: StepInfo & { readonly meanLoss: number }): void {
    if (this.mode !== "lines") return;
    this.line(`${this.stage}  epoch ${info.epoch + 1}/${this.epochs}  ${this.fields({ ...info, loss: info.meanLoss }).join("  ")}`);
  }

  evaluation(epoch: number, split: string, metrics: Readonly<Record<string, number>>): void {
    const parts = Object.entries(metrics).map(([label, value]) => `${label} ${formatMetric(label, value)}`);
    this.line(`${this.stage}  epoch ${epoch + 1}/${this.epochs}  ${split}  ${parts.join("  ")}`);
  }

  /** A message on its own line (checkpoints, exports, the final table). */
  line(text: string): void {
    if (this.mode === "quiet") return;
    if (this.barVisible) {
      this.out.write("\r\x1b[K");
      this.barVisible = false;
    }
    this.out.write(`${text}\n`);
  }

  /** Clears the bar at the end of a stage. */
  stageEnd(): void {
    if (this.barVisible) {
      this.out.write("\r\x1b[K");
      this.barVisible = false;
    }
  }

  /** The in-place line, never wider than the terminal (a wrapped line cannot be redrawn). */
  barLine(info: StepInfo): string {
    const width = Math.max(20, (this.out.columns ?? 80) - 1);
    const tail = this.fields(info, true).join(" ");
    const epoch = ` ${info.epoch + 1}/${this.epochs}`;
    // A long stage name gives way first (numbers matter more), down to 8 characters.
    const room = Math.max(8, width - tail.length - epoch.length - 1);
    const name = this.stage.length > room ? `${this.stage.slice(0, room - 1)}…` : this.stage;
    const head = `${name}${epoch}`;
    const barWidth = Math.min(30, width - head.length - tail.length - 4);
    let text: string;
    if (barWidth >= 5) {
      const filled = Math.round((barWidth * info.step) / Math.max(1, this.totalSteps));
      text = `${head} [${"#".repeat(filled)}${".".repeat(barWidth - filled)}] ${tail}`;
    } else {
      text = `${head} ${tail}`;
    }
    return text.length > width ? text.slice(0, width) : text;
  }

  /** The step fields; `fixed` pads them to stable widths so a redrawn bar does not jitter. */
  private fields(info: StepInfo, fixed = false): string[] {
    const elapsed = (this.now() - this.startedAt) / 1000;
    const rate = elapsed > 0 ? (info.step - this.startStep) / elapsed : 0;
    const eta = rate > 0 ? (this.totalSteps - info.step) / rate : NaN;
    const pad = (text: string, width: number, end = false) => (!fixed ? text : end ? text.padEnd(width) : text.padStart(width));
    return [
      `${fixed ? "" : "step "}${pad(String(info.step), String(this.totalSteps).length)}/${this.totalSteps}`,
      `loss ${pad(formatLoss(info.loss), 7)}`,
      `lr ${pad(formatSmall(info.lr), 7, true)}`,
      `${pad(rate.toFixed(1), 6)} it/s`,
      `ETA ${pad(formatSeconds(eta), 7, true)}`.trimEnd(),
    ];
  }
}
