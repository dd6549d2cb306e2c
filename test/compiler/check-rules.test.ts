// One block per check: a valid case, an invalid case with its code and span, and (where the
// parser can produce one) a recovered case that stays silent.
import { describe, expect, it } from "vitest";
import { BASE, codes, compileText, rendered } from "../helpers/hosts.js";

const variant = (from: string, to: string): string => {
  if (!BASE.includes(from)) throw new Error(`BASE has no ${from}`);
  return BASE.replace(from, to);
};

describe("the base recipe", () => {
  it("checks clean and compiles", async () => {
    const r = await compileText(BASE);
    expect(rendered(r)).toBe("");
    expect(r.ir?.stages.map((s) => s.name)).toEqual(["teach", "distill"]);
  });
});

describe("KD2001 unknown names", () => {
  it("suggests the closest name, with a fix", async () => {
    const r = await compileText(variant("hinton(small, big, T: T)", "hintom(small, big, T: T)"));
    expect(codes(r)).toEqual(["KD2001"]);
    expect(r.diagnostics[0]!.help).toBe("did you mean `hinton`?");
    expect(r.diagnostics[0]!.fix?.replacement).toBe("hinton");
  });
  it("points at the name", async () => {
    const r = await compileText(variant("train small on", "train smal on"));
    expect(codes(r)).toEqual(["KD2001"]);
    expect(rendered(r)).toContain("  --> main.kd:15:9\n   |\n15 |   train smal on digits.train\n   |         ^^^^\n");
  });
  it("knows `batch` only in objectives", async () => {
    const r = await compileText(variant("epochs 2\n  batch 64\n  optimizer adam(lr: 1e-3)\n  minimize hinton", "epochs batch\n  batch 64\n  optimizer adam(lr: 1e-3)\n  minimize hinton"));
    expect(codes(r)).toContain("KD2001");
  });
});

describe("KD2002 duplicates", () => {
  it("labels the first declaration", async () => {
    const r = await compileText(BASE + "\nmodel small = mlp(input: 784, classes: 10)\n");
    expect(codes(r)).toEqual(["KD2002"]);
    expect(r.diagnostics[0]!.labels[0]!.message).toBe("first declared here");
  });
});

describe("KD3001 wrong argument names", () => {
  it("never ignores a misspelt argument", async () => {
    const r = await compileText(variant("hinton(small, big, T: T)", "hinton(small, big, T: T, alpah: 0.5)"));
    expect(codes(r)).toEqual(["KD3001"]);
    expect(r.diagnostics[0]!.help).toContain("did you mean `alpha`?");
    expect(r.diagnostics[0]!.help).toContain("hinton(s: model, t: model, T: scalar = 4, alpha: scalar = 0.9)");
  });
});

describe("KD3005 teacher and student class counts", () => {
  it("is caught through a library loss, at the call site", async () => {
    const r = await compileText(variant("model big = mlp(input: 784, hidden: [64], classes: 10)", "model big = mlp(input: 784, hidden: [64], classes: 100)"));
    // The teacher's own stage also fails: ce against 10-class labels.
    expect(codes(r).sort()).toEqual(["KD3005", "KD3007"]);
    const d = r.diagnostics.find((x) => x.code === "KD3005")!;
    expect(d.message).toBe("the student's logits have 10 classes but the teacher's have 100");
    expect(d.span?.file).toBe("main.kd");
    expect(d.labels.some((l) => l.span.file === "std/kd.kd")).toBe(true);
  });
  it("is silent when the classes agree", async () => {
    expect(codes(await compileText(BASE))).toEqual([]);
  });
});

describe("KD3006 cross-entropy on a split without labels", () => {
  it("is caught directly", async () => {
    const r = await compileText(variant("train big on digits.train", "train big on digits.unlabeled"));
    expect(codes(r)).toEqual(["KD3006"]);
    expect(r.diagnostics[0]!.message).toContain("digits.unlabeled");
  });
  it("is caught inside hinton", async () => {
    const r = await compileText(variant("train small on digits.train", "train small on digits.unlabeled"));
    expect(codes(r)).toEqual(["KD3006"]);
  });
  it("allows label-free distillation on the transfer split", async () => {
    const r = await compileText(
      variant("train small on digits.train", "train small on digits.unlabeled").replace("hinton(small, big, T: T)", "kd(small.logits, big.logits, T: T)"),
    );
    expect(codes(r)).toEqual([]);
  });
});

describe("KD3008 temperature", () => {
  it("rejects a param override that makes T non-positive", async () => {
    const r = await compileText(BASE, {}, { T: "0" });
    expect(codes(r)).toEqual(["KD3008"]);
  });
  it("rejects a schedule that reaches zero", async () => {
    const r = await compileText(variant("T: T)", "T: cosine(from: 4, warmup: 10 steps))"));
    expect(codes(r)).toEqual(["KD3008"]);
    expect(r.diagnostics[0]!.message).toContain("reaches 0");
  });
});

describe("--set overrides", () => {
  it("rejects a value of the wrong type", async () => {
    expect(codes(await compileText(BASE, {}, { T: "hot" }))).toEqual(["KD3013"]);
  });
  it("rejects an unknown param with a suggestion", async () => {
    const r = await compileText(BASE, {}, { t: "3" });
    expect(codes(r)).toEqual(["KD9005"]);
    expect(r.diagnostics[0]!.help).toBe("did you mean `T`?");
  });
  it("applies a good value", async () => {
    const r = await compileText(BASE, {}, { T: "8" });
    expect(r.ir?.params[0]).toMatchObject({ name: "T", value: 8 });
  });
});

describe("KD3018 warm-up longer than the stage", () => {
  it("counts steps from the split size and batch", async () => {
    // 512 examples / 64 = 8 steps per epoch, 2 epochs = 16 steps.
    const ok = await compileText(variant("optimizer adam(lr: 1e-3)\n  minimize hinton", "optimizer adam(lr: cosine(from: 1e-3, warmup: 16 steps))\n  minimize hinton"));
    expect(codes(ok)).toEqual([]);
    const bad = await compileText(variant("optimizer adam(lr: 1e-3)\n  minimize hinton", "optimizer adam(lr: cosine(from: 1e-3, warmup: 3 epochs))\n  minimize hinton"));
    expect(codes(bad)).toEqual(["KD3018"]);
    expect(bad.diagnostics[0]!.message).toBe("this warm-up lasts 3 epochs (24 steps), but stage `distill` has only 16 steps");
  });
});

describe("stage wiring", () => {
  it("KD3015: a teacher must be trained by an earlier stage", async () => {
    expect(codes(await compileText(variant("stage distill after teach", "stage distill")))).toEqual(["KD3015"]);
  });
  it("KD3011: stages cannot depend on each other in a loop", async () => {
    const r = await compileText(variant("stage teach {", "stage teach after distill {"));
    expect(codes(r)).toEqual(["KD3011"]);
    expect(r.diagnostics[0]!.message).toContain("teach → distill → teach");
  });
  it("KD3014: warns about an unused teacher but still compiles", async () => {
    const r = await compileText(variant("hinton(small, big, T: T)", "ce(small.logits, batch.label)"));
    expect(codes(r)).toEqual(["KD3014"]);
    expect(r.diagnostics[0]!.severity).toBe("warning");
    expect(r.ir).toBeDefined();
  });
  it("orders stages by their dependencies", async () => {
    const swapped = BASE.replace(/stage teach \{[\s\S]*?\n\}\n/, "") + BASE.match(/stage teach \{[\s\S]*?\n\}\n/)![0];
    const r = await compileText(swapped);
    expect(r.ir?.stages.map((s) => s.name)).toEqual(["teach", "distill"]);
  });
});

describe("recovered parse errors stay silent downstream", () => {
  it("reports one diagnostic for one missing expression", async () => {
    const r = await compileText(variant("minimize hinton(small, big, T: T)", "minimize hinton(small, big, T: )"));
    expect(codes(r)).toEqual(["KD1001"]);
  });
});

describe("internal errors", () => {
  it("never throw", async () => {
    const r = await compileText("stage { train");
    expect(r.diagnostics.length).toBeGreaterThan(0);
    expect(r.diagnostics.every((d) => /^KD\d{4}$/.test(d.code))).toBe(true);
  });
});

describe("file dataset sizes", () => {
  it("refuses a train or test size that is not a finite count or fraction (KD3008), never throws", async () => {
    const files = { "d.csv": "a,b,y\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n" };
    for (const size of ["0 / 0", "1e999", "2.5", "-1"]) {
      const r = await compileText(`dataset d = csv("d.csv", label: "y", train: ${size})\n`, files);
      expect(codes(r), size).toEqual(["KD3008"]);
    }
  });
});
