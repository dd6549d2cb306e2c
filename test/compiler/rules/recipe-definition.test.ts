// Recipe bodies are checked where they are defined, used or not: definition-level mistakes
// (unknown names, argument names, types that do not depend on the arguments) are reported once,
// and shape checks that depend on the actual arguments wait for a stage that uses the recipe.
import { describe, expect, it } from "vitest";
import { BASE, codes, compileText, rendered } from "../../helpers/hosts.js";
import { ruleCases } from "../../helpers/rule-cases.js";

/** A recipe appended to the base recipe, used by no stage. */
const unused = (body: string, params = "student: model, teacher: model, data: split, T: scalar = 4, n: int = 2") =>
  `${BASE}\nrecipe later(${params}) {\n${body}\n}\n`;

const GOOD = `  train student on data
  teacher teacher
  epochs n
  let temp = linear(from: 2 * T, to: T)
  optimizer adam(lr: cosine(from: 1e-3, warmup: 10%))
  minimize hinton(student, teacher, T: temp) + kd(student.hidden[0], teacher.hidden[0])
  evaluate on data every 1 epoch { accuracy, agreement(teacher) }
  export student to "out"`;

describe("rule: recipe bodies are checked where they are defined (KD2001 and others)", () => {
  ruleCases({
    code: "KD2001",
    valid: [BASE, unused(GOOD)],
    invalid: [
      { recipe: unused(GOOD.replace("teacher teacher", "teacher techer")) },
      { recipe: unused(GOOD.replace("hinton(student", "hintn(student")) },
      { recipe: unused(GOOD.replace("evaluate on data", "evaluate on dta")) },
    ],
    recovered: unused(GOOD.replace("minimize hinton(student, teacher, T: temp)", "minimize hinton(student, teacher, T: )")),
  });

  it("reports wrong argument names and types that do not depend on the arguments", async () => {
    expect(codes(await compileText(unused(GOOD.replace("T: temp)", "T: temp, alhpa: 0.5)"))))).toEqual(["KD3001"]);
    expect(codes(await compileText(unused(GOOD.replace("evaluate on data every 1 epoch { accuracy, agreement(teacher) }", "evaluate on data { agreement() }"))))).toEqual(["KD3002"]);
    expect(codes(await compileText(unused(GOOD.replace("train student on data", "train student on student"))))).toEqual(["KD3004"]);
    expect(codes(await compileText(unused(GOOD.replace("train student on", "train T on"))))).toEqual(["KD3004"]);
    expect(codes(await compileText(unused(GOOD, "student: modle, teacher: model, data: split, T: scalar = 4, n: int = 2")))).toEqual(["KD3022"]);
  });

  it("leaves shapes, labels and values that depend on the arguments to the stages that use it", async () => {
    // Feature widths of unknown models, labels of an unknown split, an epoch count bound later.
    expect(codes(await compileText(unused(`${GOOD}\n  minimize mse(student.hidden[0], teacher.hidden[0])`.replace("  minimize hinton", "  // minimize hinton"))))).toEqual([]);
  });

  it("knows a reference snapshot the body names, and leaves preference checks to the stages", async () => {
    const align = (ref: string, call: string) => unused(`  train policy on prefs\n  ${ref}\n  optimizer adam()\n  minimize ${call}`, "policy: model, prefs: split");
    expect(codes(await compileText(align("reference ref = policy", "dpo(policy, ref, beta: 0.1)")))).toEqual([]);
    expect(codes(await compileText(align("reference none", "dpo(policy, beta: 0.1)")))).toEqual([]);
    expect(codes(await compileText(align("reference ref = policy", "dpo(policy, rf, beta: 0.1)")))).toEqual(["KD2001"]);
    // Used by a stage, the same body is checked against the real policy and preference split.
    const prefs = Array.from({ length: 8 }, (_, i) => JSON.stringify({ prompt: `${i}+1=`, chosen: `${i + 1}`, rejected: `${i + 2}` })).join("\n");
    const used = `dataset p = preferences("prefs.jsonl", max_length: 8)
model lm = transformer(vocab: 16, dim: 8, layers: 1, heads: 2, context: 8)
recipe align(policy: model, prefs: split) {
  train policy on prefs
  reference ref = policy
  optimizer adam()
  minimize dpo(policy, ref, beta: 0.1)
}
stage tune = align(lm, p.train) {
  epochs 1
  batch 4
}
`;
    const r = await compileText(used, { "prefs.jsonl": prefs });
    expect(codes(r)).toEqual([]);
    expect(r.files.size).toBe(2);
  });

  it("reports a mistake in a used recipe once, not once per definition and instantiation", async () => {
    const body = GOOD.replace(" + kd(student.hidden[0], teacher.hidden[0])", "").replace("hinton(student", "hintn(student");
    const used = `${unused(body)}
stage again after teach = later(small, big, digits.train) {
  batch 64
}
`;
    expect(codes(await compileText(used))).toEqual(["KD2001"]);
  });

  it("checks an unused recipe in an imported library file, pointing into that file", async () => {
    const lib = `import { hinton } from "std/kd"
recipe spare(s: model, t: model, data: split) {
  train s on data
  teacher t
  minimize hinton(s, t, temperature: 2)
}
`;
    const r = await compileText(`import { spare } from "./lib"\n${BASE}`, { "lib.kd": lib });
    expect(codes(r)).toEqual(["KD3001"]);
    expect(r.diagnostics[0]!.span!.file).toBe("lib.kd");
    expect(rendered(r)).toContain("--> lib.kd:5:");
  });
});
