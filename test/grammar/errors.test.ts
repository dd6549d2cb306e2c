import { describe, expect, it } from "vitest";
import type { ModelDeclaration, ParamDeclaration, StageDeclaration } from "../../grammar/ast.js";
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
      "KD1001 1:1-1:6 expected a declaration (import, param, dataset, model, loss or stage), found `modle`",
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
      "KD1001 1:15-1:16 expected a declaration (import, param, dataset, model, loss or stage), found `)`",
    ]);
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
