import { describe, expect, it } from "vitest";
import type { ModelDeclaration, ParamDeclaration, RecipeDeclaration, StageDeclaration } from "../../grammar/ast.js";
import { parse } from "../../grammar/parse.js";
import { SourceFile } from "../../compiler/source.js";

/** Each diagnostic as `CODE line:col-line:col message`. */
function diagnose(text: string): string[] {
  const source = new SourceFile("test.kd", text);
  return parse("test.kd", text).diagnostics.map((d) => {
    const start = source.position(d.span!.start);
    const end = source.position(d.span!.end);
    return `${d.code} ${start.line}:${start.column}-${end.line}:${end.column} ${d.message}`;
  });
}

describe("lexer diagnostics", () => {
  it("KD0001 for an unexpected character", () => {
    expect(diagnose("model m = mlp(x) @")).toEqual(["KD0001 1:18-1:19 unexpected character `@`"]);
    expect(diagnose("param a = 1\nparam b = 2 # note")).toEqual(["KD0001 2:13-2:14 unexpected character `#`"]);
  });

  it("KD0001 for an invalid escape in a string", () => {
    expect(diagnose('param p = "a\\qb"')).toEqual(["KD0001 1:13-1:15 unexpected character `\\q`"]);
    expect(diagnose('param p = "\\u{110000}"')).toEqual(["KD0001 1:12-1:22 unexpected character `\\u{110000}`"]);
  });

  it("KD0002 for an unterminated string", () => {
    expect(diagnose('stage s {\n  export m to "runs/x\n}')).toEqual(["KD0002 2:15-2:22 this string is never closed"]);
  });

  it("KD0003 for an unterminated block comment", () => {
    expect(diagnose("model m = x\n  /* never closed\nmodel n = y")).toEqual([
      "KD0003 2:3-2:5 this block comment is never closed",
    ]);
  });
});

describe("parser diagnostics", () => {
  it("KD1001 names what was expected and what was found", () => {
    expect(diagnose("model m mlp(x)")).toEqual(["KD1001 1:9-1:12 expected `=`, found `mlp`"]);
    expect(diagnose("model = mlp(x)")).toEqual(["KD1001 1:7-1:8 expected a name, found `=`"]);
    expect(diagnose("stage s after {\n}")).toEqual(["KD1001 1:15-1:16 expected a name, found `{`"]);
    expect(diagnose("modle m = x")).toEqual([
      "KD1001 1:1-1:6 expected a declaration (import, param, dataset, model, module, loss, recipe, stage or run), found `modle`",
    ]);
    expect(diagnose("stage s {\n  epoch 12\n}")).toEqual([
      "KD1001 2:3-2:8 expected a stage statement or `}`, found `epoch`",
    ]);
    expect(diagnose("stage s {\n  train big digits.train\n}")).toEqual([
      "KD1001 2:13-2:19 expected `on`, found `digits`",
    ]);
    expect(diagnose('import { a b } from "x"')).toEqual(["KD1001 1:12-1:13 expected `,` or `}`, found `b`"]);
    expect(diagnose("loss f(a: model b: model) = 1")).toEqual(["KD1001 1:17-1:18 expected `,` or `)`, found `b`"]);
    expect(diagnose("param p = f(=)")).toEqual(["KD1001 1:13-1:14 expected an expression or `)`, found `=`"]);
    expect(diagnose("loss f(=) = 1")).toEqual(["KD1001 1:8-1:9 expected a parameter or `)`, found `=`"]);
  });

  it("KD1001 at the end of the file has a zero-width span at the end", () => {
    const text = "param p =\n";
    const [d, ...rest] = parse("test.kd", text).diagnostics;
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ code: "KD1001", message: "expected an expression, found end of file" });
    expect(d!.span).toEqual({ file: "test.kd", start: text.length, end: text.length });
  });

  it("KD1002 for a bracket that is never closed, at the bracket", () => {
    expect(diagnose("model m = mlp(input: 784\nmodel n = x")).toEqual(["KD1002 1:14-1:15 this `(` is never closed"]);
    expect(diagnose("stage s {\n  epochs 3\n")).toEqual(["KD1002 1:9-1:10 this `{` is never closed"]);
    expect(diagnose("param p = [1, 2")).toEqual(["KD1002 1:11-1:12 this `[` is never closed"]);
    expect(diagnose("param p = f(a, ")).toEqual(["KD1002 1:12-1:13 this `(` is never closed"]);
  });

  it("reports one diagnostic for one mistake", () => {
    // The keyword `batch` after a missing comma would otherwise start a new statement.
    expect(diagnose("stage s {\n  minimize ce(big.logits batch.label)\n  epochs 3\n}")).toEqual([
      "KD1001 2:26-2:31 expected `,` or `)`, found `batch`",
    ]);
    expect(diagnose("model m = f(x))\nmodel n = 3")).toEqual([
      "KD1001 1:15-1:16 expected a declaration (import, param, dataset, model, module, loss, recipe, stage or run), found `)`",
    ]);
  });
});

describe("diagnostics for the newer constructs", () => {
  it("KD1001 names what was expected in each", () => {
    const cases: [string, string][] = [
      ["stage s {\n  reference\n  epochs 3\n}", "KD1001 3:3-3:9 expected a name or `none`, found `epochs`"],
      ["stage s {\n  reference ref policy\n}", "KD1001 2:13-2:16 expected a name or `none`, found `ref`"],
      ["stage s {\n  accumulate 8 by bytes\n}", "KD1001 2:19-2:24 expected `tokens` or `examples`, found `bytes`"],
      ["stage s {\n  accumulate by tokens\n}", "KD1001 2:14-2:16 expected an expression, found `by`"],
      ["stage s {\n  freeze\n  epochs 3\n}", "KD1001 3:3-3:9 expected an expression, found `epochs`"],
      ["stage s model m = x", "KD1001 1:9-1:14 expected `{` or `=`, found `model`"],
      ["stage s = f\nmodel m = x", "KD1001 2:1-2:6 expected `(`, found `model`"],
      ["param p = sum over i in 0..3 x", "KD1001 1:30-1:31 expected `{`, found `x`"],
      ["param p = sum over i 0..3 { x }", "KD1001 1:22-1:23 expected `in`, found `0`"],
      ["param p = sum over i in 0.3 { x }", "KD1001 1:29-1:30 expected `..`, found `{`"],
      ["param p = sum over i in 0..3 { x", "KD1002 1:30-1:31 this `{` is never closed"],
      ["param p = a >>", "KD1001 1:15-1:15 expected an expression, found end of file"],
      ["param p = a > b", "KD0001 1:13-1:14 unexpected character `>`"],
      ["run { threads 2 }", "KD1001 1:15-1:16 expected `:`, found `2`"],
      ["run { a: 1 b: 2 }", "KD1001 1:12-1:13 expected `,` or `}`, found `b`"],
      ["run { 2 }", "KD1001 1:7-1:8 expected a setting (`name: value`) or `}`, found `2`"],
      ["run threads: 2", "KD1001 1:5-1:12 expected `{`, found `threads`"],
      ["stage s {\n  checkpoint best accuracy on d\n}", "KD1001 2:19-2:27 expected `by`, found `accuracy`"],
      ["stage s {\n  checkpoint best by accuracy d.val\n}", "KD1001 2:31-2:32 expected `on`, found `d`"],
      // The clauses come in a fixed order: every, best, keep.
      [
        "stage s {\n  checkpoint best by accuracy on d.val every 1 epoch\n}",
        "KD1001 2:40-2:45 expected a stage statement or `}`, found `every`",
      ],
      ["recipe r(a: model b: model) {}", "KD1001 1:19-1:20 expected `,` or `)`, found `b`"],
      ["recipe r() {\n  epoch 12\n}", "KD1001 2:3-2:8 expected a stage statement or `}`, found `epoch`"],
      ["recipe r {\n  epochs 12\n}", "KD1001 1:10-1:11 expected `(`, found `{`"],
      ["stage s {\n  evaluate on a b { x }\n}", "KD1001 2:17-2:18 expected `{`, found `b`"],
      ["stage s {\n  evaluate on a, { x }\n}", "KD1001 2:18-2:19 expected an expression, found `{`"],
      ["module m x", "KD1001 1:10-1:11 expected `=`, found `x`"],
      // A unit word belongs to the number before it on the same line.
      ["stage s {\n  clip 1.0 steps 500\n}", "KD1001 2:18-2:21 expected a stage statement or `}`, found `500`"],
    ];
    for (const [text, expected] of cases) expect(diagnose(text), text).toEqual([expected]);
  });

  it("does not take a keyword that starts the next line for a missing name", () => {
    for (const text of [
      "stage s = 3\nmodel m = x",
      "stage s after 3\nmodel m = x",
      "stage s {\n  train 3\n  epochs 3\n}",
    ]) {
      const result = parse("test.kd", text);
      expect(
        result.diagnostics.map((d) => d.message),
        text,
      ).toEqual(["expected a name, found `3`"]);
    }
    const [, model] = parse("test.kd", "stage s = 3\nmodel m = x").value.declarations;
    expect(model).toMatchObject({ kind: "ModelDeclaration", name: { name: "m" } });
  });

  it("does not take a keyword that starts the next line for one more name of a list", () => {
    const text = "stage s after a,\nmodel m = x\nstage t {\n  teacher big,\n  epochs 2\n}";
    expect(diagnose(text)).toEqual([
      "KD1001 2:1-2:6 expected a name, found `model`",
      "KD1001 5:3-5:9 expected a name, found `epochs`",
    ]);
    const [s, m, t] = parse("test.kd", text).value.declarations as [
      StageDeclaration,
      ModelDeclaration,
      StageDeclaration,
    ];
    expect(s.after.map((a) => a.name)).toEqual(["a"]);
    expect(m).toMatchObject({ kind: "ModelDeclaration", name: { name: "m" } });
    expect(t.body).toMatchObject([
      { kind: "TeacherStatement", models: [{ name: "big" }], trainable: [false] },
      { kind: "SettingStatement", setting: "epochs" },
    ]);
    // Within a line, keywords are names as usual.
    expect(parse("test.kd", "stage s {\n  teacher big, epochs\n}").diagnostics).toEqual([]);
  });

  it("reads `evaluate on` and `run {` at the start of a line as statements, not a missing operand", () => {
    const text = "stage s {\n  let x =\n  run { a: 1 }\n  minimize\n  evaluate on d { a }\n}";
    expect(diagnose(text)).toEqual([
      "KD1001 3:3-3:6 expected an expression, found `run`",
      "KD1001 5:3-5:11 expected an expression, found `evaluate`",
    ]);
    const body = (parse("test.kd", text).value.declarations[0] as StageDeclaration).body;
    expect(body.map((s) => s.kind)).toEqual(["LetStatement", "RunStatement", "MinimizeStatement", "EvaluateStatement"]);
  });

  it("keeps a recipe's statements around a broken one, with Missing parts", () => {
    const text = "recipe r(s: model) {\n  train s on\n  freeze s.hidden[0]\n  accumulate\n  reference ref = s\n}";
    const result = parse("test.kd", text);
    expect(result.diagnostics).toHaveLength(2);
    const recipe = result.value.declarations[0] as RecipeDeclaration;
    expect(recipe.body.map((s) => s.kind)).toEqual([
      "TrainStatement",
      "FreezeStatement",
      "AccumulateStatement",
      "ReferenceStatement",
    ]);
    expect(recipe.body[0]).toMatchObject({ data: { kind: "Missing" } });
    expect(recipe.body[2]).toMatchObject({ value: { kind: "Missing" }, by: undefined });
  });
});

describe("recovery", () => {
  it("reports two independent mistakes and keeps the valid declarations", () => {
    const text = [
      "dataset digits = mnist(train: 8000)",
      "model big mlp(input: 784)", // missing `=`
      "model small = mlp(input: 784)",
      "stage teach {",
      "  train big on digits.train",
      "  epochs = 12", // `=` is not an expression
      "  batch 128",
      "}",
      "param T = 4",
    ].join("\n");
    const result = parse("test.kd", text);
    expect(result.diagnostics.map((d) => d.code)).toEqual(["KD1001", "KD1001"]);
    expect(diagnose(text)).toEqual([
      "KD1001 2:11-2:14 expected `=`, found `mlp`",
      "KD1001 6:10-6:11 expected an expression, found `=`",
    ]);
    const decls = result.value.declarations;
    expect(decls.map((d) => ("name" in d ? d.name.name : d.kind))).toEqual(["digits", "big", "small", "teach", "T"]);
    expect((decls[1] as ModelDeclaration).value.kind).toBe("CallExpression");
    const teach = decls[3] as StageDeclaration;
    expect(teach.body.map((s) => s.kind)).toEqual(["TrainStatement", "SettingStatement", "SettingStatement"]);
  });

  it("turns a missing expression into a Missing node with exactly one diagnostic", () => {
    const text = "param T: float =\ndataset d = mnist()";
    const result = parse("test.kd", text);
    expect(diagnose(text)).toEqual(["KD1001 2:1-2:8 expected an expression, found `dataset`"]);
    const [param, dataset] = result.value.declarations as [ParamDeclaration, ...unknown[]];
    expect(param.kind).toBe("ParamDeclaration");
    expect(param.value).toEqual({ kind: "Missing", span: { file: "test.kd", start: 16, end: 16 } });
    expect(param.span).toEqual({ file: "test.kd", start: 0, end: 16 });
    expect(dataset).toMatchObject({ kind: "DatasetDeclaration", name: { name: "d" } });
  });

  it("makes a Missing operand of a binary expression and of a stage statement", () => {
    const result = parse("test.kd", "stage s {\n  minimize a +\n  let x = \n}");
    expect(result.diagnostics).toHaveLength(2);
    const [minimize, let_] = (result.value.declarations[0] as StageDeclaration).body;
    expect(minimize).toMatchObject({
      kind: "MinimizeStatement",
      objective: { kind: "BinaryExpression", operator: "+", right: { kind: "Missing" } },
    });
    expect(let_).toMatchObject({ kind: "LetStatement", value: { kind: "Missing" } });
  });

  it("drops a declaration whose name is missing", () => {
    const result = parse("test.kd", "model = 3\nmodel m = 4");
    expect(result.diagnostics).toHaveLength(1);
    expect(result.value.declarations.map((d) => d.kind)).toEqual(["ModelDeclaration"]);
  });
});

describe("recovery inside brackets", () => {
  it("skips to the matching bracket, so the statement and the ones after it survive", () => {
    const text = [
      "stage s {",
      "  evaluate on d.test every 5 epochs { accura)y, agreement(big), ece }",
      "  checkpoint every 1 epoch",
      "}",
    ].join("\n");
    expect(diagnose(text)).toEqual(["KD1001 2:45-2:46 expected `,` or `}`, found `)`"]);
    const [evaluate, checkpoint] = (parse("test.kd", text).value.declarations[0] as StageDeclaration).body;
    expect(evaluate).toMatchObject({ kind: "EvaluateStatement", metrics: [{ kind: "Identifier", name: "accura" }] });
    expect(checkpoint).toMatchObject({ kind: "CheckpointStatement" });
  });

  it("resumes at a keyword only where it starts a line", () => {
    // `train` inside `digits.train` must not be taken for the next statement.
    const text = "stage s {\n  tran small on digits.train\n  teacher big\n}";
    expect(diagnose(text)).toEqual(["KD1001 2:3-2:7 expected a stage statement or `}`, found `tran`"]);
    const body = (parse("test.kd", text).value.declarations[0] as StageDeclaration).body;
    expect(body.map((s) => s.kind)).toEqual(["TeacherStatement"]);
  });
});
