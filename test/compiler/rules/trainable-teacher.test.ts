import { describe, expect, it } from "vitest";
import type { IrProgram } from "../../../compiler/lower/ir.js";
import { codes, compileText } from "../../helpers/hosts.js";
import { variant } from "../../helpers/rule-cases.js";

// Deep Mutual Learning: both networks start from scratch in one stage.
const mutual = variant("stage distill after teach {\n  train small on digits.train\n  teacher big\n", "stage distill {\n  train small on digits.train\n  teacher big trainable\n");

describe("trainable teachers", () => {
  it("need no earlier stage to train them (KD3015 is for frozen teachers)", async () => {
    const r = await compileText(mutual);
    expect(codes(r)).toEqual([]);
    const stage = (JSON.parse(r.files.get("main.ir.json")!) as IrProgram).stages.find((s) => s.name === "distill")!;
    expect(stage.teachers).toEqual(["big"]);
    expect(stage.trainableTeachers).toEqual(["big"]);
    expect(codes(await compileText(variant("teacher big trainable", "teacher big", mutual)))).toEqual(["KD3015"]);
  });

  it("count as trained for later stages that read them frozen", async () => {
    const later = `${mutual}
model tiny = mlp(input: 784, hidden: [4], classes: 10)
stage again after distill {
  train tiny on digits.train
  teacher big
  epochs 1
  batch 64
  optimizer adam()
  minimize kd(tiny.logits, big.logits)
}
`;
    expect(codes(await compileText(later))).toEqual([]);
    expect(codes(await compileText(later.replace("stage again after distill", "stage again")))).toEqual(["KD3015"]);
  });

  it("still cannot be the trained model (KD3012)", async () => {
    // The objective then reads `big`, no longer a teacher (KD3017).
    expect(codes(await compileText(variant("teacher big trainable", "teacher small trainable", mutual)))).toEqual(["KD3012", "KD3017"]);
  });
});
