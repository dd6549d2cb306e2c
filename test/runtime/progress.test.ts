// The progress display and the final report table.
import { describe, expect, it } from "vitest";
import { ProgressDisplay } from "../../runtime/progress.js";
import { formatReport } from "../../runtime/report.js";
import type { RunReport } from "../../runtime/program.js";

function sink(columns?: number) {
  const chunks: string[] = [];
  return { chunks, out: { columns, write: (t: string) => chunks.push(t) } };
}

/** A clock the test moves by hand. */
function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("ProgressDisplay", () => {
  it("redraws one line in place on a terminal, never wider than it", () => {
    for (const columns of [40, 80, 200]) {
      const { chunks, out } = sink(columns);
      const c = clock();
      const p = new ProgressDisplay("tty", out, c.now);
      p.stageStart("distill-a-rather-long-stage-name", 60, 3780);
      c.advance(1000);
      p.step({ epoch: 2, step: 150, loss: 0.41234, lr: 1e-3 });
      const drawn = chunks.join("");
      expect(drawn.startsWith("\r")).toBe(true);
      expect(drawn.endsWith("\x1b[K")).toBe(true);
      expect(drawn).not.toContain("\n");
      const visible = drawn.slice(1, -3);
      expect(visible.length).toBeLessThan(columns);
      const expected = {
        40: /^distill… 3\/60 +150\/3780 loss/,
        80: /^distill-a-rather… 3\/60 +150\/3780 loss {2}0\.4123 lr 1\.00e-3 {2}150\.0 it\/s ETA 24\.2 s$/,
        200: /^distill-a-rather-long-stage-name 3\/60 \[#\.{29}\] +150\/3780 loss {2}0\.4123 lr 1\.00e-3 {2}150\.0 it\/s ETA 24\.2 s$/,
      }[columns]!;
      expect(visible).toMatch(expected);
    }
  });

  it("throttles redraws and clears the bar before other lines", () => {
    const { chunks, out } = sink(100);
    const c = clock();
    const p = new ProgressDisplay("tty", out, c.now);
    p.stageStart("s", 1, 1000);
    c.advance(500);
    p.step({ epoch: 0, step: 1, loss: 1, lr: 0 });
    p.step({ epoch: 0, step: 2, loss: 1, lr: 0 }); // within 100 ms: skipped
    expect(chunks.length).toBe(1);
    p.evaluation(0, "digits.test", { accuracy: 0.9745, ece: 0.0123 });
    expect(chunks.slice(1).join("")).toBe("\r\x1b[Ks  epoch 1/1  digits.test  accuracy 97.45%  ece 0.012\n");
  });

  it("prints one plain line per epoch elsewhere, and nothing when quiet", () => {
    const { chunks, out } = sink();
    const c = clock();
    const p = new ProgressDisplay("lines", out, c.now);
    p.stageStart("teach", 12, 756);
    c.advance(2000);
    p.step({ epoch: 0, step: 63, loss: 0.5, lr: 1e-3 });
    expect(chunks).toEqual([]);
    p.epochEnd({ epoch: 0, step: 63, loss: 0.5, meanLoss: 0.61, lr: 1e-3 });
    expect(chunks).toEqual(["teach  epoch 1/12  step 63/756  loss 0.6100  lr 1.00e-3  31.5 it/s  ETA 22.0 s\n"]);

    const quiet = sink();
    const q = new ProgressDisplay("quiet", quiet.out, c.now);
    q.stageStart("teach", 1, 1);
    q.step({ epoch: 0, step: 1, loss: 1, lr: 1 });
    q.epochEnd({ epoch: 0, step: 1, loss: 1, meanLoss: 1, lr: 1 });
    q.line("hello");
    expect(quiet.chunks).toEqual([]);
  });
});

describe("formatReport", () => {
  it("prints an aligned table with one row per stage and split, and the backend", () => {
    const report: RunReport = {
      backend: "wasm",
      stages: [
        { stage: "teach", model: "big", seconds: 48.1, steps: 756, finalLoss: 0.1, metrics: { "digits.test": { accuracy: 0.9745, ece: 0.0123 } } },
        {
          stage: "distill", model: "small", seconds: 31.04, steps: 3780, finalLoss: 0.2,
          metrics: { "digits.test": { accuracy: 0.931, "agreement(big)": 0.94, ece: 0.021 } },
        },
        { stage: "warm", model: "small", seconds: 2, steps: 10, finalLoss: 0.3, metrics: {} },
      ],
    };
    expect(formatReport(report)).toBe(
      [
        "stage    model  split        accuracy  agreement(big)  ece    time",
        "teach    big    digits.test  97.45%    —               0.012  48.1 s",
        "distill  small  digits.test  93.10%    94.00%          0.021  31.0 s",
        "warm     small  —            —         —               —      2.0 s",
        "backend: wasm",
      ].join("\n"),
    );
  });
});
