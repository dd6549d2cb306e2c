import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type {
  Declaration,
  Expression,
  LossDeclaration,
  ParamDeclaration,
  RecipeDeclaration,
  StageDeclaration,
  StageStatement,
} from "../../grammar/ast.js";
import { parse } from "../../grammar/parse.js";
import { allNodes } from "./ast-walk.js";
import { EVERY_CONSTRUCT } from "./every-construct.js";
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

  it("the Hinton golden recipe has the expected declarations and statements", () => {
    // A checked-in golden, not the example: the example's settings are tuned over time.
    const file = fileURLToPath(new URL("../cases/valid/hinton/recipe.kd", import.meta.url));
    const program = parse("hinton.kd", readFileSync(file, "utf8")).value;
    expect(program.declarations.map((d) => d.kind)).toEqual([
      "ImportDeclaration",
      "ParamDeclaration",
      "DatasetDeclaration",
      "ModelDeclaration",
      "ModelDeclaration",
      "StageDeclaration",
      "StageDeclaration",
    ]);
    const distill = program.declarations[6] as StageDeclaration;
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

describe("pipelines, percentages and comprehensions", () => {
  it("makes >> the loosest operator, left-associative", () => {
    expect(show(expr("conv(kernel: 1) >> batchnorm >> relu"))).toBe("(>> (>> (call conv kernel:1) batchnorm) relu)");
    expect(show(expr("a + b >> c * d"))).toBe("(>> (+ a b) (* c d))");
    expect(show(expr("a >> (b >> c)"))).toBe("(>> a (>> b c))");
    expect(show(expr("f(a >> b, via: c >> d)"))).toBe("(call f (>> a b) via:(>> c d))");
    expect(show(expr("-a >> b ^ 2"))).toBe("(>> (neg a) (^ b 2))");
  });

  it("reads a percentage as a literal of its own", () => {
    expect(expr("10%")).toMatchObject({
      kind: "PercentLiteral",
      value: { kind: "NumberLiteral", raw: "10", value: 10 },
    });
    expect(show(expr("cosine(from: 1e-3, warmup: 2.5%)"))).toBe("(call cosine from:1e-3 warmup:<2.5%>)");
    expect(show(expr("-10% * 2"))).toBe("(* (neg <10%>) 2)");
  });

  it("parses sum and mean comprehensions over a half-open range", () => {
    expect(show(expr("sum over i in 0..3 { fitnet(s.block[i], t.block[i]) }"))).toBe(
      "(sum i 0..3 (call fitnet (index (. s block) i) (index (. t block) i)))",
    );
    expect(show(expr("mean over i in 0..n - 1 { x[i] } * 2"))).toBe("(* (mean i 0..(- n 1) (index x i)) 2)");
    expect(show(expr("sum over i in 1.5..2 { sum over j in i..2 epochs { j } }"))).toBe(
      "(sum i 1.5..2 (sum j i..<2 epochs> j))",
    );
    const c = expr("mean over k in a..b { k }");
    expect(c).toMatchObject({
      kind: "ComprehensionExpression",
      reducer: "mean",
      variable: { name: "k" },
      from: { name: "a" },
      to: { name: "b" },
      body: { name: "k" },
    });
  });

  it("keeps sum, mean, min and max ordinary names otherwise", () => {
    expect(show(expr("sum(x, axis: 1) + mean(y) + min(epoch / 20, 1) + max(a, b)"))).toBe(
      "(+ (+ (+ (call sum x axis:1) (call mean y)) (call min (/ epoch 20) 1)) (call max a b))",
    );
    expect(show(expr("[sum, mean, over, in, by, none, best, run, module, recipe]"))).toBe(
      "[sum mean over in by none best run module recipe]",
    );
  });

  it("reads epoch and step as names, and a unit only after a number on its line", () => {
    expect(show(expr("min(epoch / 20, 1)"))).toBe("(call min (/ epoch 20) 1)");
    expect(show(expr("step * 3 epochs"))).toBe("(* step <3 epochs>)");
    expect(show(expr("epoch + steps"))).toBe("(+ epoch steps)");
    const body = statements(
      "let w = min(epoch / 20, 1)\nlet v = 2 * step\nepochs 3 epochs\nsteps 500\nevaluate on d every 100 steps {}",
    );
    expect(body.map((s) => s.kind)).toEqual([
      "LetStatement",
      "LetStatement",
      "SettingStatement",
      "SettingStatement",
      "EvaluateStatement",
    ]);
    expect(body[3]).toMatchObject({ setting: "steps", value: { kind: "NumberLiteral", raw: "500" } });
  });
});

describe("recipes, modules, run blocks and stage instantiation", () => {
  it("parses a recipe: parameters and a stage body", () => {
    const [recipe] = parseOk(
      "/// Reusable.\nrecipe distill_with(student: model, teacher: model, T: scalar = 4,) {\n  train student on data\n  teacher teacher\n}\nrecipe none() {}",
    ).declarations as [RecipeDeclaration, RecipeDeclaration];
    expect(recipe.kind).toBe("RecipeDeclaration");
    expect(recipe.doc).toBe("Reusable.");
    expect(
      recipe.params.map((p) => `${p.name.name}:${p.type.name.name}${p.default ? `=${show(p.default)}` : ""}`),
    ).toEqual(["student:model", "teacher:model", "T:scalar=4"]);
    expect(recipe.body.map((s) => s.kind)).toEqual(["TrainStatement", "TeacherStatement"]);
  });

  it("parses a stage that instantiates a recipe, with or without a body", () => {
    const [bare, extended, plain] = parseOk(
      "stage a after x, y = distill_with(small, big, T: 2)\nstage b = r() { epochs 3 }\nstage c {}",
    ).declarations as StageDeclaration[];
    expect(bare).toMatchObject({ kind: "StageDeclaration", name: { name: "a" }, body: [] });
    expect(bare!.after.map((a) => a.name)).toEqual(["x", "y"]);
    expect(show(bare!.template!)).toBe("(call distill_with small big T:2)");
    expect(extended!.template).toMatchObject({
      kind: "CallExpression",
      callee: { kind: "Identifier", name: "r" },
      args: [],
    });
    expect(extended!.body.map((s) => s.kind)).toEqual(["SettingStatement"]);
    expect(plain!.template).toBeUndefined();
  });

  it("parses module declarations and run blocks at the top level and in a stage", () => {
    const program = parseOk(
      "/// doc\nmodule proj = conv(kernel: 1) >> relu\n/// settings\nrun { backend: wasm, threads: 2, precision: float32, }\nrun {}\nstage s { run { threads: 1 } }",
    );
    const [module, run, empty, stage] = program.declarations;
    expect(module).toMatchObject({ kind: "ModuleDeclaration", name: { name: "proj" }, doc: "doc" });
    expect(run).toMatchObject({ kind: "RunDeclaration", doc: "settings" });
    if (run!.kind !== "RunDeclaration") throw new Error("shape");
    expect(run.entries.map((e) => `${e.name!.name}=${show(e.value)}`)).toEqual([
      "backend=wasm",
      "threads=2",
      "precision=float32",
    ]);
    expect(run.entries[0]!.value.kind).toBe("Identifier");
    expect(empty).toMatchObject({ kind: "RunDeclaration", entries: [] });
    expect((stage as StageDeclaration).body[0]).toMatchObject({
      kind: "RunStatement",
      entries: [{ kind: "Argument", name: { name: "threads" }, value: { raw: "1" } }],
    });
  });

  it("tells `run {` starting a line from `run` as a name in the middle of one", () => {
    const [evaluate, run] = statements("evaluate on run { accuracy }\nrun { threads: 2 }");
    expect(evaluate).toMatchObject({
      kind: "EvaluateStatement",
      data: { name: "run" },
      metrics: [{ name: "accuracy" }],
    });
    expect(run).toMatchObject({ kind: "RunStatement" });
  });
});

describe("new stage statements", () => {
  it("marks trainable teachers", () => {
    const [a, b, c] = statements("teacher big trainable, small\nteacher x, y trainable\nteacher trainable");
    expect(a).toMatchObject({
      kind: "TeacherStatement",
      models: [{ name: "big" }, { name: "small" }],
      trainable: [true, false],
    });
    expect(b).toMatchObject({ trainable: [false, true] });
    expect(c).toMatchObject({ models: [{ name: "trainable" }], trainable: [false] });
  });

  it("parses references, named and none", () => {
    const [named, none, keywordNamed] = statements("reference ref = policy\nreference none\nreference none = none");
    expect(named).toMatchObject({ kind: "ReferenceStatement", name: { name: "ref" }, model: { name: "policy" } });
    expect(none).toEqual({ kind: "ReferenceStatement", name: undefined, model: undefined, span: none!.span });
    expect(keywordNamed).toMatchObject({ name: { name: "none" }, model: { name: "none" } });
  });

  it("parses clip, steps, accumulate and freeze", () => {
    const body = statements(
      "clip 1.0\nsteps 500\naccumulate 8\naccumulate 8 by tokens\naccumulate n * 2 by examples\nfreeze small.hidden[0]\nfreeze small",
    );
    expect(body[0]).toMatchObject({ kind: "SettingStatement", setting: "clip", value: { raw: "1.0" } });
    expect(body[1]).toMatchObject({ kind: "SettingStatement", setting: "steps", value: { raw: "500" } });
    expect(body[2]).toMatchObject({ kind: "AccumulateStatement", value: { raw: "8" }, by: undefined });
    expect(body[3]).toMatchObject({ kind: "AccumulateStatement", by: "tokens" });
    expect(body[4]).toMatchObject({ kind: "AccumulateStatement", value: { kind: "BinaryExpression" }, by: "examples" });
    if (body[5]!.kind !== "FreezeStatement" || body[6]!.kind !== "FreezeStatement") throw new Error("shape");
    expect(show(body[5]!.target)).toBe("(index (. small hidden) 0)");
    expect(show(body[6]!.target)).toBe("small");
  });

  it("evaluates on several splits", () => {
    const [several, one] = statements(
      "evaluate on digits.val, digits.test, x every 1 epoch { accuracy }\nevaluate on d {}",
    );
    if (several!.kind !== "EvaluateStatement") throw new Error("shape");
    expect(show(several.data)).toBe("(. digits val)");
    expect(several.also.map(show)).toEqual(["(. digits test)", "x"]);
    expect(show(several.every!)).toBe("<1 epochs>");
    expect(one).toMatchObject({ also: [] });
  });

  it("parses best checkpoints, alone and with every and keep", () => {
    const body = statements(
      [
        "checkpoint best by accuracy on digits.val",
        "checkpoint best by accuracy(top: 5) on digits.val keep 2",
        "checkpoint every 1 epoch best by ece on digits.val min keep 3",
        "checkpoint best by margin on prefs.val max",
        "checkpoint every 1 epoch keep 3",
      ].join("\n"),
    );
    expect(body.map((s) => s.kind)).toEqual(Array(5).fill("CheckpointStatement"));
    const parts = body.map((s) =>
      s.kind === "CheckpointStatement"
        ? [
            s.every && show(s.every),
            s.best && [show(s.best.metric), show(s.best.split), s.best.mode],
            s.keep && show(s.keep),
          ]
        : [],
    );
    expect(parts).toEqual([
      [undefined, ["accuracy", "(. digits val)", undefined], undefined],
      [undefined, ["(call accuracy top:5)", "(. digits val)", undefined], "2"],
      ["<1 epochs>", ["ece", "(. digits val)", "min"], "3"],
      [undefined, ["margin", "(. prefs val)", "max"], undefined],
      ["<1 epochs>", undefined, "3"],
    ]);
  });
});

describe("the recipe that uses every construct", () => {
  it("parses with no diagnostics and produces every node kind", () => {
    const program = parseOk(EVERY_CONSTRUCT);
    const kinds = new Set(allNodes(program).map((n) => n.kind));
    for (const kind of [
      "ImportDeclaration",
      "ParamDeclaration",
      "DatasetDeclaration",
      "ModelDeclaration",
      "ModuleDeclaration",
      "LossDeclaration",
      "RecipeDeclaration",
      "StageDeclaration",
      "RunDeclaration",
      "TrainStatement",
      "TeacherStatement",
      "ReferenceStatement",
      "SettingStatement",
      "AccumulateStatement",
      "FreezeStatement",
      "RunStatement",
      "LetStatement",
      "MinimizeStatement",
      "EvaluateStatement",
      "CheckpointStatement",
      "ExportStatement",
      "Parameter",
      "TypeReference",
      "Argument",
      "Identifier",
      "NumberLiteral",
      "StringLiteral",
      "UnitLiteral",
      "PercentLiteral",
      "ListExpression",
      "CallExpression",
      "MemberExpression",
      "IndexExpression",
      "BinaryExpression",
      "ComprehensionExpression",
    ]) {
      expect(kinds, kind).toContain(kind);
    }
    const docs = program.declarations.filter((d) => d.doc !== undefined).map((d) => d.kind);
    expect(docs).toEqual([
      "RunDeclaration",
      "ParamDeclaration",
      "ModuleDeclaration",
      "RecipeDeclaration",
      "StageDeclaration",
    ]);
  });

  it("gives every node a span inside the text, and statements spans that cover their source", () => {
    const program = parseOk(EVERY_CONSTRUCT);
    for (const n of allNodes(program)) {
      expect(0 <= n.span.start && n.span.start <= n.span.end && n.span.end <= EVERY_CONSTRUCT.length).toBe(true);
    }
    const slice = (n: { span: { start: number; end: number } }) => EVERY_CONSTRUCT.slice(n.span.start, n.span.end);
    const stages = program.declarations.filter((d): d is StageDeclaration => d.kind === "StageDeclaration");
    const statementsOf = (name: string) => stages.find((s) => s.name.name === name)!.body;
    expect(statementsOf("teach").map(slice)).toContain(
      "evaluate on digits.val, digits.test every 1 epoch { accuracy(top: 5), ece }",
    );
    expect(statementsOf("teach").map(slice)).toContain("run { threads: 1, precision: float16 }");
    expect(statementsOf("distill").map(slice)).toContain(
      "checkpoint every 1 epoch best by ece on digits.val min keep 3",
    );
    expect(statementsOf("distill").map(slice)).toContain("teacher big trainable, other");
    expect(statementsOf("free").map(slice)).toContain("reference none");
    const quick = stages.find((s) => s.name.name === "quick")!;
    expect(slice(quick)).toBe("stage quick after teach = distill_with(small, big, digits.train)");
    expect(slice(quick.template!)).toBe("distill_with(small, big, digits.train)");
    const layers = program.declarations.find((d) => d.kind === "LossDeclaration")!;
    if (layers.kind !== "LossDeclaration") throw new Error("shape");
    expect(slice(layers.body)).toMatch(/^sum over i in 0\.\.n \{ .* \}$/);
  });
});
