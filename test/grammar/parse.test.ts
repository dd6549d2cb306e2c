import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type {
  Declaration,
  Expression,
  LossDeclaration,
  ParamDeclaration,
  StageDeclaration,
  StageStatement,
} from "../../grammar/ast.js";
import { parse } from "../../grammar/parse.js";
import { show } from "./show.js";

const recipes = ["recipes/std/kd.kd", "recipes/examples/mnist-hinton.kd"];

function parseOk(text: string) {
  const result = parse("test.kd", text);
  expect(result.diagnostics.map((d) => d.message)).toEqual([]);
  return result.value;
}

/** The value of `param p = <text>`. */
function expr(text: string): Expression {
  const decl = parseOk(`param p = ${text}`).declarations[0] as ParamDeclaration;
  return decl.value;
}

function stage(text: string): StageDeclaration {
  return parseOk(text).declarations[0] as StageDeclaration;
}

function statements(body: string): readonly StageStatement[] {
  return stage(`stage s {\n${body}\n}`).body;
}

describe("the shipped recipes", () => {
  for (const file of recipes) {
    it(`${file} parses with no diagnostics`, () => {
      const result = parse(file, readFileSync(file, "utf8"));
      expect(result.diagnostics).toEqual([]);
      expect(result.value.declarations.length).toBeGreaterThan(0);
    });
  }

  it("mnist-hinton has the expected declarations and statements", () => {
    const program = parse("mnist-hinton.kd", readFileSync(recipes[1]!, "utf8")).value;
    expect(program.declarations.map((d) => d.kind)).toEqual([
      "ImportDeclaration",
      "ParamDeclaration",
      "DatasetDeclaration",
      "ModelDeclaration",
      "ModelDeclaration",
      "ModelDeclaration",
      "StageDeclaration",
      "StageDeclaration",
      "StageDeclaration",
    ]);
    const distill = program.declarations[8] as StageDeclaration;
    expect(distill.name.name).toBe("distill");
    expect(distill.after.map((a) => a.name)).toEqual(["teach"]);
    expect(distill.body.map((s) => s.kind)).toEqual([
      "TrainStatement",
      "TeacherStatement",
      "SettingStatement",
      "SettingStatement",
      "SettingStatement",
      "LetStatement",
      "MinimizeStatement",
      "EvaluateStatement",
      "CheckpointStatement",
      "ExportStatement",
    ]);
  });

  it("std/kd attaches multi-line doc comments and keeps every comment", () => {
    const text = readFileSync(recipes[0]!, "utf8");
    const program = parse("std/kd.kd", text).value;
    const hinton = program.declarations[0] as LossDeclaration;
    expect(hinton.doc).toBe(
      "Soft targets at temperature T mixed with hard labels (Hinton et al., 2015).\n" +
        "The KD term is T² · KL(softmax(t/T) ‖ softmax(s/T)), batch mean; `alpha` weighs it against\n" +
        "cross-entropy on the labels.",
    );
    expect(
      hinton.params.map((p) => `${p.name.name}:${p.type.name.name}${p.default ? `=${show(p.default)}` : ""}`),
    ).toEqual(["s:model", "t:model", "T:scalar=4", "alpha:scalar=0.9"]);
    expect(show(hinton.body)).toBe(
      "(+ (* alpha (call kd (. s logits) (. t logits) T:T)) (* (- 1 alpha) (call ce (. s logits) (. batch label))))",
    );
    expect(program.comments.map((c) => c.text.slice(0, 3))).toEqual(["// ", "// ", "///", "///", "///", "///"]);
    for (const c of program.comments) expect(text.slice(c.span.start, c.span.end)).toBe(c.text);
  });
});

describe("expressions", () => {
  it("gives * and / precedence over + and -, all left-associative", () => {
    expect(show(expr("a + b * c - d / e"))).toBe("(- (+ a (* b c)) (/ d e))");
    expect(show(expr("a - b - c"))).toBe("(- (- a b) c)");
    expect(show(expr("a / b * c"))).toBe("(* (/ a b) c)");
  });

  it("makes ^ right-associative and tighter than unary minus", () => {
    expect(show(expr("a ^ b ^ c"))).toBe("(^ a (^ b c))");
    expect(show(expr("-x ^ 2"))).toBe("(neg (^ x 2))");
    expect(show(expr("(-x) ^ 2"))).toBe("(^ (neg x) 2)");
    expect(show(expr("2 ^ -x"))).toBe("(^ 2 (neg x))");
    expect(show(expr("- -a * b"))).toBe("(* (neg (neg a)) b)");
  });

  it("parses postfix chains, lists and literals", () => {
    expect(show(expr("m.hidden[i + 1].x(1, T: 2,)"))).toBe("(call (. (index (. m hidden) (+ i 1)) x) 1 T:2)");
    expect(show(expr('[1, [2], "s", true, false,]'))).toBe('[1 [2] "s" true false]');
    expect(show(expr("[]"))).toBe("[]");
    const n = expr("2.5E+4") as Expression & { kind: "NumberLiteral" };
    expect(n).toMatchObject({ kind: "NumberLiteral", raw: "2.5E+4", value: 25000 });
    expect(expr("1e-3")).toMatchObject({ raw: "1e-3", value: 0.001 });
    expect(expr('"a\\"b\\\\c\\nd\\te\\r\\u{1F600}"')).toMatchObject({
      kind: "StringLiteral",
      value: 'a"b\\c\nd\te\r😀',
    });
  });

  it("parses unit literals", () => {
    expect(expr("200 steps")).toMatchObject({
      kind: "UnitLiteral",
      unit: "steps",
      unitText: "steps",
      value: { kind: "NumberLiteral", raw: "200", value: 200 },
    });
    expect(expr("1 epoch")).toMatchObject({ kind: "UnitLiteral", unit: "epochs", unitText: "epoch" });
    expect(expr("1 step")).toMatchObject({ kind: "UnitLiteral", unit: "steps", unitText: "step" });
    expect(show(expr("cosine(warmup: 3 epochs * 2)"))).toBe("(call cosine warmup:(* <3 epochs> 2))");
  });

  it("lets contextual keywords be names", () => {
    expect(show(expr("ce(s.logits, batch.label)"))).toBe("(call ce (. s logits) (. batch label))");
    expect(show(expr("cosine(from: 1e-3, to: 1e-5, warmup: 200 steps)"))).toBe(
      "(call cosine from:1e-3 to:1e-5 warmup:<200 steps>)",
    );
    expect(show(expr("min(epoch / 20, step, model.train, seed, every, keep, on)"))).toBe(
      "(call min (/ epoch 20) step (. model train) seed every keep on)",
    );
    const program = parseOk("param seed = 1\nloss f(s: model, batch: tensor) = s\nmodel loss = mlp()");
    expect(program.declarations.map((d) => ("name" in d ? d.name.name : ""))).toEqual(["seed", "f", "loss"]);
    const loss = program.declarations[1] as LossDeclaration;
    expect(loss.params[0]!.type.name.name).toBe("model");
  });

  it("gives a parenthesised expression no node but covers the parentheses in its parent", () => {
    const text = "param p = (a + b) * c";
    const value = (parseOk(text).declarations[0] as ParamDeclaration).value;
    expect(value.kind).toBe("BinaryExpression");
    if (value.kind !== "BinaryExpression") return;
    expect(text.slice(value.span.start, value.span.end)).toBe("(a + b) * c");
    expect(text.slice(value.left.span.start, value.left.span.end)).toBe("a + b");
  });
});

describe("spans", () => {
  it("cover each node's whole source", () => {
    const text =
      "model big = mlp(input: 784, hidden: [1200, 1200])\nstage s after a, b {\n  epochs 3\n  evaluate on d.test every 1 epoch { accuracy }\n}";
    const program = parseOk(text);
    const slice = (n: { span: { start: number; end: number } }) => text.slice(n.span.start, n.span.end);
    const [model, st] = program.declarations as [Declaration, StageDeclaration];
    expect(slice(model)).toBe("model big = mlp(input: 784, hidden: [1200, 1200])");
    if (model.kind !== "ModelDeclaration" || model.value.kind !== "CallExpression") throw new Error("shape");
    expect(slice(model.value.args[1]!)).toBe("hidden: [1200, 1200]");
    expect(slice(model.value.args[1]!.value)).toBe("[1200, 1200]");
    expect(slice(st)).toBe(text.slice(text.indexOf("stage")));
    const [setting, evaluate] = st.body;
    expect(slice(setting!)).toBe("epochs 3");
    if (setting!.kind !== "SettingStatement") throw new Error("shape");
    expect(text.slice(setting.keywordSpan.start, setting.keywordSpan.end)).toBe("epochs");
    expect(slice(evaluate!)).toBe("evaluate on d.test every 1 epoch { accuracy }");
    if (evaluate!.kind !== "EvaluateStatement") throw new Error("shape");
    expect(slice(evaluate.every!)).toBe("1 epoch");
    expect(program.span).toEqual({ file: "test.kd", start: 0, end: text.length });
  });
});

describe("stage statements", () => {
  it("tells the setting `epochs 12` from the unit literal `3 epochs`", () => {
    const body = statements("epochs 12\nbatch 128\nepochs 3 epochs\nseed 7\noptimizer adam(lr: 1e-3)");
    expect(body.map((s) => (s.kind === "SettingStatement" ? `${s.setting}=${show(s.value)}` : s.kind))).toEqual([
      "epochs=12",
      "batch=128",
      "epochs=<3 epochs>",
      "seed=7",
      "optimizer=(call adam lr:1e-3)",
    ]);
  });

  it("starts the metric list after a unit literal", () => {
    const [evaluate] = statements("evaluate on digits.test every 1 epoch { accuracy, agreement(big), ece, }");
    expect(evaluate!.kind).toBe("EvaluateStatement");
    if (evaluate!.kind !== "EvaluateStatement") return;
    expect(show(evaluate.data)).toBe("(. digits test)");
    expect(show(evaluate.every!)).toBe("<1 epochs>");
    expect(evaluate.metrics.map(show)).toEqual(["accuracy", "(call agreement big)", "ece"]);
    const [once] = statements("evaluate on d {}");
    expect(once).toMatchObject({ kind: "EvaluateStatement", every: undefined, metrics: [] });
  });

  it("parses every statement form", () => {
    const body = statements(
      [
        "train small on digits.train",
        "teacher a, b",
        "let temp = linear(from: 2 * T, to: T)",
        "minimize hinton(small, big, T: temp)",
        "checkpoint every 5 epochs keep 2",
        "checkpoint keep 1",
        "checkpoint",
        'export small to "runs/x"',
      ].join("\n"),
    );
    expect(body[0]).toMatchObject({ kind: "TrainStatement", model: { name: "small" } });
    expect(body[1]).toMatchObject({ kind: "TeacherStatement", models: [{ name: "a" }, { name: "b" }] });
    expect(body[2]).toMatchObject({ kind: "LetStatement", name: { name: "temp" } });
    expect(body[3]).toMatchObject({ kind: "MinimizeStatement" });
    expect(body[4]).toMatchObject({ kind: "CheckpointStatement", every: { kind: "UnitLiteral" }, keep: { raw: "2" } });
    expect(body[5]).toMatchObject({ kind: "CheckpointStatement", every: undefined, keep: { raw: "1" } });
    expect(body[6]).toMatchObject({ kind: "CheckpointStatement", every: undefined, keep: undefined });
    expect(body[7]).toMatchObject({ kind: "ExportStatement", model: { name: "small" }, path: { value: "runs/x" } });
  });
});

describe("comments", () => {
  it("attaches consecutive /// lines directly above a declaration as its doc", () => {
    const program = parseOk(
      "/// not attached: a blank line follows\n\n/// first\n///second\n///\nmodel m = x\n// plain\nmodel n = y /// trailing\n/// broken\n// by this\nmodel o = z",
    );
    expect(program.declarations.map((d) => d.doc)).toEqual(["first\nsecond\n", undefined, undefined]);
  });

  it("collects every comment in source order", () => {
    const program = parseOk("// a\nmodel m = f(/* b */ x) // c\n/** d */\n/// e\nstage s { /* f */ }");
    expect(program.comments.map((c) => c.text)).toEqual(["// a", "/* b */", "// c", "/** d */", "/// e", "/* f */"]);
  });
});
