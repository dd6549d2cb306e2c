// CST → AST. Produces exactly the nodes of grammar/ast.ts, with spans (half-open offsets)
// covering each node's whole source. Parenthesised expressions produce no node: the inner
// expression is returned as is, while enclosing nodes still cover the parentheses.
//
// Recovery: chevrotain leaves partial CST nodes where it recovered from an error. Every part
// may therefore be absent, and tokens "inserted" by single-token recovery have no position.
//  - A missing expression becomes a `Missing` node (zero width, right after the last token
//    before it).
//  - A missing required name or string inside an otherwise usable node becomes a zero-width
//    Identifier with name "" or StringLiteral with value "" (see `isRecoveredName`); later
//    phases treat it like `Missing`.
//  - A declaration or statement whose own name is missing (`model = …`) is dropped: the
//    diagnostic has been reported and nothing useful remains.
//  - A member access whose property is missing (`big.`) becomes `Missing` as a whole.
import type { CstNode, IToken } from "chevrotain";
import type {
  Argument,
  CallExpression,
  CheckpointBest,
  Comment,
  Declaration,
  DocComment,
  Expression,
  Identifier,
  Missing,
  Parameter,
  Program,
  SettingName,
  StageStatement,
  StringLiteral,
  TypeReference,
  Unit,
} from "./ast.js";
import { span, type Span } from "../compiler/source.js";
import { decodeString } from "./lexer.js";
import { DocComment as DocCommentToken } from "./tokens.js";

type Child = CstNode | IToken;

const isToken = (c: Child): c is IToken => (c as IToken).tokenType !== undefined;

/** A token that really is in the source (not inserted by recovery). */
const isReal = (t: IToken | undefined): t is IToken =>
  t !== undefined && t.isInsertedInRecovery !== true && Number.isFinite(t.startOffset);

/** Whether an Identifier or StringLiteral stands for a name or string that recovery could not find. */
export function isRecoveredName(node: Identifier | StringLiteral): boolean {
  return node.span.start === node.span.end;
}

export interface ToAstInput {
  readonly file: string;
  readonly text: string;
  readonly cst: CstNode;
  readonly commentTokens: readonly IToken[];
  readonly comments: readonly Comment[];
}

export function toAst(input: ToAstInput): Program {
  return new Builder(input).program(input.cst);
}

class Builder {
  private readonly file: string;
  private readonly text: string;
  private readonly commentTokens: readonly IToken[];
  private readonly comments: readonly Comment[];

  constructor(input: ToAstInput) {
    this.file = input.file;
    this.text = input.text;
    this.commentTokens = input.commentTokens;
    this.comments = input.comments;
  }

  // ── helpers ────────────────────────────────────────────────────────────────

  private span(start: number, end: number): Span {
    return span(this.file, start, Math.max(start, end));
  }

  private nodes(node: CstNode, label: string): CstNode[] {
    return ((node.children[label] ?? []) as Child[]).filter((c): c is CstNode => !isToken(c));
  }

  private node(node: CstNode, label: string): CstNode | undefined {
    return this.nodes(node, label)[0];
  }

  /** The real tokens under a label. */
  private tokens(node: CstNode, label: string): IToken[] {
    return ((node.children[label] ?? []) as Child[]).filter((c): c is IToken => isToken(c) && isReal(c));
  }

  private token(node: CstNode, label: string): IToken | undefined {
    return this.tokens(node, label)[0];
  }

  private start(t: IToken): number {
    return t.startOffset;
  }

  private end(t: IToken): number {
    return (t.endOffset ?? t.startOffset + t.image.length - 1) + 1;
  }

  /** Start offset of a CST node, or `fallback` when it holds no real token. */
  private nodeStart(node: CstNode | undefined, fallback: number): number {
    const s = node?.location?.startOffset;
    return s !== undefined && Number.isFinite(s) ? s : fallback;
  }

  /** Exclusive end offset of a CST node, or `fallback` when it holds no real token. */
  private nodeEnd(node: CstNode | undefined, fallback: number): number {
    const e = node?.location?.endOffset;
    return e !== undefined && Number.isFinite(e) ? e + 1 : fallback;
  }

  private missing(at: number): Missing {
    return { kind: "Missing", span: this.span(at, at) };
  }

  private identifier(t: IToken): Identifier {
    return { kind: "Identifier", name: t.image, span: this.span(this.start(t), this.end(t)) };
  }

  private recoveredIdentifier(at: number): Identifier {
    return { kind: "Identifier", name: "", span: this.span(at, at) };
  }

  private stringLiteral(t: IToken): StringLiteral {
    return { kind: "StringLiteral", value: decodeString(t.image).value, span: this.span(this.start(t), this.end(t)) };
  }

  /** The end of the last real token among `candidates`, else `fallback`. */
  private lastEnd(fallback: number, ...candidates: (IToken | undefined)[]): number {
    let end = fallback;
    for (const t of candidates) if (isReal(t)) end = Math.max(end, this.end(t));
    return end;
  }

  // ── program and doc comments ───────────────────────────────────────────────

  program(cst: CstNode): Program {
    const declarations: Declaration[] = [];
    for (const d of this.nodes(cst, "declaration")) {
      const decl = this.declaration(d);
      if (decl) declarations.push(decl);
    }
    return {
      kind: "Program",
      file: this.file,
      span: this.span(0, this.text.length),
      declarations,
      comments: this.comments,
    };
  }

  /**
   * Consecutive `///` lines directly above `start` (each alone on its line, nothing but
   * whitespace and one line break between them and the declaration).
   */
  private doc(start: number): DocComment {
    // The last comment ending at or before `start`.
    let lo = 0;
    let hi = this.commentTokens.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.end(this.commentTokens[mid]!) <= start) lo = mid + 1;
      else hi = mid;
    }
    const lines: string[] = [];
    let next = start;
    for (let i = lo - 1; i >= 0; i--) {
      const c = this.commentTokens[i]!;
      if (c.tokenType !== DocCommentToken) break;
      if (!/^[ \t\f\v\r]*\n[ \t\f\v\r]*$/.test(this.text.slice(this.end(c), next))) break;
      const lineStart = this.text.lastIndexOf("\n", this.start(c) - 1) + 1;
      if (!/^[ \t\f\v\r]*$/.test(this.text.slice(lineStart, this.start(c)))) break;
      const body = c.image.slice(3);
      lines.unshift(body.startsWith(" ") ? body.slice(1) : body);
      next = this.start(c);
    }
    return lines.length > 0 ? lines.join("\n") : undefined;
  }

  // ── declarations ───────────────────────────────────────────────────────────

  private declaration(node: CstNode): Declaration | undefined {
    const inner = Object.values(node.children)
      .flat()
      .find((c): c is CstNode => !isToken(c));
    if (!inner) return undefined;
    switch (inner.name) {
      case "importDeclaration":
        return this.importDeclaration(inner);
      case "paramDeclaration":
        return this.paramDeclaration(inner);
      case "datasetDeclaration":
      case "modelDeclaration":
        return this.valueDeclaration(inner);
      case "moduleDeclaration":
        return this.valueDeclaration(inner);
      case "lossDeclaration":
        return this.lossDeclaration(inner);
      case "recipeDeclaration":
        return this.recipeDeclaration(inner);
      case "stageDeclaration":
        return this.stageDeclaration(inner);
      case "runBlock": {
        const keyword = this.token(inner, "Run");
        if (!keyword) return undefined;
        return {
          kind: "RunDeclaration",
          entries: this.runEntries(inner),
          doc: this.doc(this.start(keyword)),
          span: this.span(this.start(keyword), this.nodeEnd(inner, this.end(keyword))),
        };
      }
      default:
        return undefined;
    }
  }

  private importDeclaration(node: CstNode): Declaration | undefined {
    const keyword = this.token(node, "Import");
    const names = this.tokens(node, "names").map((t) => this.identifier(t));
    if (!keyword || names.length === 0) return undefined;
    const fromToken = this.token(node, "from");
    const end = this.nodeEnd(node, this.end(keyword));
    const from = fromToken ? this.stringLiteral(fromToken) : this.recoveredString(end);
    return {
      kind: "ImportDeclaration",
      names,
      from,
      doc: this.doc(this.start(keyword)),
      span: this.span(this.start(keyword), end),
    };
  }

  private recoveredString(at: number): StringLiteral {
    return { kind: "StringLiteral", value: "", span: this.span(at, at) };
  }

  private paramDeclaration(node: CstNode): Declaration | undefined {
    const keyword = this.token(node, "Param");
    const nameToken = this.token(node, "name");
    if (!keyword || !nameToken) return undefined;
    const typeToken = this.token(node, "type");
    const type: TypeReference | undefined = typeToken ? this.typeReference(typeToken) : undefined;
    const after = this.lastEnd(this.end(nameToken), typeToken, this.token(node, "Equals"));
    const value = this.expression(this.node(node, "value"), after);
    return {
      kind: "ParamDeclaration",
      name: this.identifier(nameToken),
      type,
      value,
      doc: this.doc(this.start(keyword)),
      span: this.span(this.start(keyword), Math.max(this.nodeEnd(node, after), value.span.end)),
    };
  }

  private typeReference(t: IToken): TypeReference {
    const name = this.identifier(t);
    return { kind: "TypeReference", name, span: name.span };
  }

  private valueDeclaration(node: CstNode): Declaration | undefined {
    const forms = {
      datasetDeclaration: ["DatasetDeclaration", "Dataset"],
      modelDeclaration: ["ModelDeclaration", "Model"],
      moduleDeclaration: ["ModuleDeclaration", "Module"],
    } as const;
    const form = forms[node.name as keyof typeof forms];
    if (!form) return undefined;
    const [kind, keywordLabel] = form;
    const keyword = this.token(node, keywordLabel);
    const nameToken = this.token(node, "name");
    if (!keyword || !nameToken) return undefined;
    const after = this.lastEnd(this.end(nameToken), this.token(node, "Equals"));
    const value = this.expression(this.node(node, "value"), after);
    const common = {
      name: this.identifier(nameToken),
      value,
      doc: this.doc(this.start(keyword)),
      span: this.span(this.start(keyword), Math.max(this.nodeEnd(node, after), value.span.end)),
    };
    return { kind, ...common };
  }

  private parameters(node: CstNode): Parameter[] {
    const params: Parameter[] = [];
    for (const p of this.nodes(node, "params")) {
      const param = this.parameter(p);
      if (param) params.push(param);
    }
    return params;
  }

  private lossDeclaration(node: CstNode): Declaration | undefined {
    const keyword = this.token(node, "Loss");
    const nameToken = this.token(node, "name");
    if (!keyword || !nameToken) return undefined;
    const params = this.parameters(node);
    const after = this.lastEnd(
      Math.max(this.end(nameToken), ...params.map((p) => p.span.end)),
      this.token(node, "LParen"),
      this.token(node, "RParen"),
      this.token(node, "Equals"),
    );
    const body = this.expression(this.node(node, "body"), after);
    return {
      kind: "LossDeclaration",
      name: this.identifier(nameToken),
      params,
      body,
      doc: this.doc(this.start(keyword)),
      span: this.span(this.start(keyword), Math.max(this.nodeEnd(node, after), body.span.end)),
    };
  }

  private recipeDeclaration(node: CstNode): Declaration | undefined {
    const keyword = this.token(node, "Recipe");
    const nameToken = this.token(node, "name");
    if (!keyword || !nameToken) return undefined;
    return {
      kind: "RecipeDeclaration",
      name: this.identifier(nameToken),
      params: this.parameters(node),
      body: this.stageBody(this.node(node, "body")),
      doc: this.doc(this.start(keyword)),
      span: this.span(this.start(keyword), this.nodeEnd(node, this.end(nameToken))),
    };
  }

  private parameter(node: CstNode): Parameter | undefined {
    const nameToken = this.token(node, "name");
    if (!nameToken) return undefined;
    const typeToken = this.token(node, "type");
    const colonEnd = this.lastEnd(this.end(nameToken), this.token(node, "Colon"));
    const type: TypeReference = typeToken
      ? this.typeReference(typeToken)
      : { kind: "TypeReference", name: this.recoveredIdentifier(colonEnd), span: this.span(colonEnd, colonEnd) };
    const equals = this.token(node, "Equals");
    const hasDefault = (node.children["Equals"]?.length ?? 0) > 0;
    const defaultValue = hasDefault
      ? this.expression(this.node(node, "default"), this.lastEnd(type.span.end, equals))
      : undefined;
    const end = Math.max(this.nodeEnd(node, type.span.end), defaultValue?.span.end ?? 0);
    return {
      kind: "Parameter",
      name: this.identifier(nameToken),
      type,
      default: defaultValue,
      span: this.span(this.start(nameToken), end),
    };
  }

  private stageDeclaration(node: CstNode): Declaration | undefined {
    const keyword = this.token(node, "Stage");
    const nameToken = this.token(node, "name");
    if (!keyword || !nameToken) return undefined;
    const after = this.tokens(node, "after").map((t) => this.identifier(t));
    const calleeToken = this.token(node, "callee");
    const templateNode = this.node(node, "template");
    let template: CallExpression | undefined;
    if (calleeToken) {
      const callee = this.identifier(calleeToken);
      const { args, end } = this.callArguments(templateNode, callee.span.end);
      template = { kind: "CallExpression", callee, args, span: this.span(callee.span.start, end) };
    }
    return {
      kind: "StageDeclaration",
      name: this.identifier(nameToken),
      after,
      template,
      body: this.stageBody(this.node(node, "body")),
      doc: this.doc(this.start(keyword)),
      span: this.span(this.start(keyword), this.nodeEnd(node, this.end(nameToken))),
    };
  }

  private stageBody(node: CstNode | undefined): StageStatement[] {
    const body: StageStatement[] = [];
    if (!node) return body;
    for (const s of this.nodes(node, "statements")) {
      const statement = this.stageStatement(s);
      if (statement) body.push(statement);
    }
    return body;
  }

  /** The named entries of a `run { … }` block. */
  private runEntries(node: CstNode): Argument[] {
    const entries: Argument[] = [];
    for (const e of this.nodes(node, "entries")) {
      const nameToken = this.token(e, "name");
      if (!nameToken) continue;
      const name = this.identifier(nameToken);
      const value = this.expression(this.node(e, "value"), this.lastEnd(name.span.end, this.token(e, "Colon")));
      const end = Math.max(this.nodeEnd(e, value.span.end), value.span.end);
      entries.push({ kind: "Argument", name, value, span: this.span(name.span.start, end) });
    }
    return entries;
  }

  // ── stage statements ───────────────────────────────────────────────────────

  private stageStatement(node: CstNode): StageStatement | undefined {
    const inner = Object.values(node.children)
      .flat()
      .find((c): c is CstNode => !isToken(c));
    if (!inner) return undefined;
    const first = Object.values(inner.children)
      .flat()
      .find((c): c is IToken => isToken(c) && isReal(c));
    if (!first) return undefined;
    const start = this.start(first);
    const kwEnd = this.end(first);
    const spanTo = (end: number): Span => this.span(start, Math.max(this.nodeEnd(inner, kwEnd), end));

    switch (inner.name) {
      case "trainStatement": {
        const model = this.token(inner, "model");
        if (!model) return undefined;
        const modules = this.tokens(inner, "modules");
        const data = this.expression(this.node(inner, "data"), this.lastEnd(this.end(modules.at(-1) ?? model), this.token(inner, "On")));
        return { kind: "TrainStatement", model: this.identifier(model), modules: modules.map((t) => this.identifier(t)), data, span: spanTo(data.span.end) };
      }
      case "teacherStatement": {
        const modelTokens = this.tokens(inner, "models");
        if (modelTokens.length === 0) return undefined;
        const flags = this.tokens(inner, "trainable");
        const modeTokens = this.tokens(inner, "modes");
        const after = (i: number) => (f: IToken) => f.startOffset > modelTokens[i]!.startOffset && (i + 1 >= modelTokens.length || f.startOffset < modelTokens[i + 1]!.startOffset);
        const trainable = modelTokens.map((_, i) => flags.some(after(i)));
        const modes = modelTokens.map((_, i) => {
          const m = modeTokens.find(after(i));
          return m && this.identifier(m);
        });
        return {
          kind: "TeacherStatement",
          models: modelTokens.map((t) => this.identifier(t)),
          trainable,
          ...(modes.some((m) => m) ? { modes } : {}),
          span: spanTo(kwEnd),
        };
      }
      case "referenceStatement": {
        if (this.token(inner, "none")) {
          return { kind: "ReferenceStatement", name: undefined, model: undefined, span: spanTo(kwEnd) };
        }
        const name = this.token(inner, "name");
        if (!name) return undefined;
        const model = this.token(inner, "model");
        const end = this.lastEnd(this.end(name), this.token(inner, "Equals"));
        return {
          kind: "ReferenceStatement",
          name: this.identifier(name),
          model: model ? this.identifier(model) : this.recoveredIdentifier(end),
          span: spanTo(end),
        };
      }
      case "accumulateStatement": {
        const value = this.expression(this.node(inner, "value"), kwEnd);
        const by = this.token(inner, "by");
        return {
          kind: "AccumulateStatement",
          value,
          by: by ? (by.image as "tokens" | "examples") : undefined,
          span: spanTo(value.span.end),
        };
      }
      case "freezeStatement": {
        const target = this.expression(this.node(inner, "target"), kwEnd);
        return { kind: "FreezeStatement", target, span: spanTo(target.span.end) };
      }
      case "runBlock":
        return { kind: "RunStatement", entries: this.runEntries(inner), span: spanTo(kwEnd) };
      case "settingStatement": {
        const value = this.expression(this.node(inner, "value"), kwEnd);
        return {
          kind: "SettingStatement",
          setting: first.image as SettingName,
          keywordSpan: this.span(start, kwEnd),
          value,
          span: spanTo(value.span.end),
        };
      }
      case "letStatement": {
        const name = this.token(inner, "name");
        if (!name) return undefined;
        const value = this.expression(
          this.node(inner, "value"),
          this.lastEnd(this.end(name), this.token(inner, "Equals")),
        );
        return { kind: "LetStatement", name: this.identifier(name), value, span: spanTo(value.span.end) };
      }
      case "minimizeStatement": {
        const objective = this.expression(this.node(inner, "objective"), kwEnd);
        return { kind: "MinimizeStatement", objective, span: spanTo(objective.span.end) };
      }
      case "evaluateStatement": {
        const [dataNode, ...alsoNodes] = this.nodes(inner, "data");
        const data = this.expression(dataNode, this.lastEnd(kwEnd, this.token(inner, "On")));
        const also: Expression[] = [];
        let splitAfter = this.nodeEnd(dataNode, data.span.end);
        for (const n of alsoNodes) {
          const split = this.expression(n, splitAfter);
          also.push(split);
          splitAfter = Math.max(splitAfter, this.nodeEnd(n, split.span.end));
        }
        const everyToken = this.token(inner, "Every");
        const every = everyToken ? this.expression(this.node(inner, "every"), this.end(everyToken)) : undefined;
        const metrics: Expression[] = [];
        let metricAfter = this.lastEnd(every?.span.end ?? splitAfter, this.token(inner, "LBrace"));
        for (const m of this.nodes(inner, "metrics")) {
          const metric = this.expression(m, metricAfter);
          metrics.push(metric);
          metricAfter = Math.max(metricAfter, this.nodeEnd(m, metric.span.end));
        }
        return { kind: "EvaluateStatement", data, also, every, metrics, span: spanTo(metricAfter) };
      }
      case "checkpointStatement": {
        const everyToken = this.token(inner, "Every");
        const keepToken = this.token(inner, "Keep");
        const every = everyToken ? this.expression(this.node(inner, "every"), this.end(everyToken)) : undefined;
        const keep = keepToken ? this.expression(this.node(inner, "keep"), this.end(keepToken)) : undefined;
        const bestToken = this.token(inner, "Best");
        let best: CheckpointBest | undefined;
        if (bestToken) {
          const metric = this.expression(
            this.node(inner, "metric"),
            this.lastEnd(this.end(bestToken), this.token(inner, "By")),
          );
          const split = this.expression(
            this.node(inner, "split"),
            this.lastEnd(metric.span.end, this.token(inner, "On")),
          );
          const mode = this.token(inner, "mode");
          best = { metric, split, mode: mode ? (mode.image as "min" | "max") : undefined };
        }
        return {
          kind: "CheckpointStatement",
          every,
          best,
          keep,
          span: spanTo(Math.max(every?.span.end ?? 0, best?.split.span.end ?? 0, keep?.span.end ?? 0)),
        };
      }
      case "exportStatement": {
        const model = this.token(inner, "model");
        if (!model) return undefined;
        const pathToken = this.token(inner, "path");
        const end = this.nodeEnd(inner, this.end(model));
        return {
          kind: "ExportStatement",
          model: this.identifier(model),
          path: pathToken ? this.stringLiteral(pathToken) : this.recoveredString(end),
          span: spanTo(end),
        };
      }
      default:
        return undefined;
    }
  }

  // ── expressions ────────────────────────────────────────────────────────────

  /** `after`: where a missing expression would have started (the end of what precedes it). */
  expression(node: CstNode | undefined, after: number): Expression {
    if (!node) return this.missing(after);
    return this.binaryChain(node, after, (n, a) => this.additive(n, a));
  }

  private additive(node: CstNode, after: number): Expression {
    return this.binaryChain(node, after, (n, a) => this.multiplicative(n, a));
  }

  private multiplicative(node: CstNode, after: number): Expression {
    return this.binaryChain(node, after, (n, a) => this.unary(n, a));
  }

  /** A left-associative chain `operand (operator operand)*`, folded without recursion. */
  private binaryChain(node: CstNode, after: number, operand: (n: CstNode, after: number) => Expression): Expression {
    const operands = this.nodes(node, "operands");
    const operators = this.tokens(node, "operators");
    if (operands.length === 0) return this.missing(after);
    const start = this.nodeStart(operands[0], after);
    let left = operand(operands[0]!, after);
    for (let i = 0; i < operators.length; i++) {
      const op = operators[i]!;
      const rightNode = operands[i + 1];
      const right = rightNode ? operand(rightNode, this.end(op)) : this.missing(this.end(op));
      left = {
        kind: "BinaryExpression",
        operator: op.image as "+" | "-" | "*" | "/" | ">>",
        left,
        right,
        span: this.span(
          Math.min(start, left.span.start),
          Math.max(this.nodeEnd(rightNode, this.end(op)), right.span.end),
        ),
      };
    }
    return left;
  }

  private unary(node: CstNode, after: number): Expression {
    const operator = this.token(node, "operator");
    const operandNode = this.node(node, "operand");
    if (!operator) return operandNode ? this.power(operandNode, after) : this.missing(after);
    const operand = operandNode ? this.unary(operandNode, this.end(operator)) : this.missing(this.end(operator));
    return {
      kind: "UnaryExpression",
      operator: "-",
      operand,
      span: this.span(this.start(operator), Math.max(this.nodeEnd(operandNode, this.end(operator)), operand.span.end)),
    };
  }

  private power(node: CstNode, after: number): Expression {
    const baseNode = this.node(node, "base");
    const base = baseNode ? this.postfix(baseNode, after) : this.missing(after);
    const caret = this.token(node, "Caret");
    if (!caret) return base;
    const exponentNode = this.node(node, "exponent");
    const exponent = exponentNode ? this.unary(exponentNode, this.end(caret)) : this.missing(this.end(caret));
    return {
      kind: "BinaryExpression",
      operator: "^",
      left: base,
      right: exponent,
      span: this.span(
        this.nodeStart(baseNode, base.span.start),
        Math.max(this.nodeEnd(exponentNode, this.end(caret)), exponent.span.end),
      ),
    };
  }

  private postfix(node: CstNode, after: number): Expression {
    const primaryNode = this.node(node, "primary");
    let expr = primaryNode ? this.primary(primaryNode, after) : this.missing(after);
    const start = this.nodeStart(primaryNode, expr.span.start);
    for (const suffix of this.nodes(node, "suffixes")) {
      const end = this.nodeEnd(suffix, expr.span.end);
      switch (suffix.name) {
        case "callSuffix": {
          const call = this.callArguments(suffix, expr.span.end);
          expr = { kind: "CallExpression", callee: expr, args: call.args, span: this.span(start, call.end) };
          break;
        }
        case "memberSuffix": {
          const property = this.token(suffix, "property");
          expr = property
            ? {
                kind: "MemberExpression",
                object: expr,
                property: this.identifier(property),
                span: this.span(start, end),
              }
            : { kind: "Missing", span: this.span(start, end) };
          break;
        }
        case "indexSuffix": {
          const index = this.expression(
            this.node(suffix, "index"),
            this.lastEnd(expr.span.end, this.token(suffix, "LBracket")),
          );
          expr = {
            kind: "IndexExpression",
            object: expr,
            index,
            span: this.span(start, Math.max(end, index.span.end)),
          };
          break;
        }
      }
    }
    return expr;
  }

  /** The arguments of a call suffix `(…)` after `after`, and where the call ends. */
  private callArguments(suffix: CstNode | undefined, after: number): { args: Argument[]; end: number } {
    const args: Argument[] = [];
    if (!suffix) return { args, end: after };
    let argAfter = this.lastEnd(after, this.token(suffix, "LParen"));
    for (const a of this.nodes(suffix, "args")) {
      const arg = this.argument(a, argAfter);
      args.push(arg);
      argAfter = arg.span.end;
    }
    return { args, end: Math.max(this.nodeEnd(suffix, after), argAfter) };
  }

  private argument(node: CstNode, after: number): Argument {
    const nameToken = this.token(node, "name");
    const name = nameToken ? this.identifier(nameToken) : undefined;
    const value = this.expression(this.node(node, "value"), this.lastEnd(after, nameToken, this.token(node, "Colon")));
    const start = name ? name.span.start : this.nodeStart(node, value.span.start);
    return {
      kind: "Argument",
      name,
      value,
      span: this.span(start, Math.max(this.nodeEnd(node, value.span.end), value.span.end)),
    };
  }

  private primary(node: CstNode, after: number): Expression {
    const number = this.token(node, "number");
    if (number) {
      const literal = {
        kind: "NumberLiteral" as const,
        value: Number(number.image),
        raw: number.image,
        span: this.span(this.start(number), this.end(number)),
      };
      const percent = this.token(node, "percent");
      if (percent) {
        return { kind: "PercentLiteral", value: literal, span: this.span(this.start(number), this.end(percent)) };
      }
      const unit = this.token(node, "unit");
      if (!unit) return literal;
      return {
        kind: "UnitLiteral",
        value: literal,
        unit: (unit.image.startsWith("step") ? "steps" : "epochs") satisfies Unit,
        unitText: unit.image,
        span: this.span(this.start(number), this.end(unit)),
      };
    }
    const string = this.token(node, "string");
    if (string) return this.stringLiteral(string);
    const boolean = this.token(node, "boolean");
    if (boolean) {
      return {
        kind: "BooleanLiteral",
        value: boolean.image === "true",
        span: this.span(this.start(boolean), this.end(boolean)),
      };
    }
    const name = this.token(node, "name");
    if (name) return this.identifier(name);
    const comprehension = this.node(node, "comprehension");
    if (comprehension) return this.comprehension(comprehension, after);
    const list = this.node(node, "list");
    if (list) {
      const items: Expression[] = [];
      let itemAfter = this.lastEnd(after, this.token(list, "LBracket"));
      for (const item of this.nodes(list, "items")) {
        const e = this.expression(item, itemAfter);
        items.push(e);
        itemAfter = Math.max(itemAfter, this.nodeEnd(item, e.span.end));
      }
      const start = this.nodeStart(list, after);
      return {
        kind: "ListExpression",
        items,
        span: this.span(start, Math.max(this.nodeEnd(list, itemAfter), itemAfter)),
      };
    }
    const lparen = this.token(node, "LParen");
    if (lparen || this.node(node, "parenthesized")) {
      return this.expression(this.node(node, "parenthesized"), this.lastEnd(after, lparen));
    }
    return this.missing(after);
  }

  private comprehension(node: CstNode, after: number): Expression {
    const reducer = this.token(node, "reducer");
    if (!reducer) return this.missing(after);
    const variableToken = this.token(node, "variable");
    const overEnd = this.lastEnd(this.end(reducer), this.token(node, "Over"));
    const variable = variableToken ? this.identifier(variableToken) : this.recoveredIdentifier(overEnd);
    const fromNode = this.node(node, "from");
    const from = this.expression(fromNode, this.lastEnd(variable.span.end, this.token(node, "In")));
    const fromEnd = Math.max(this.nodeEnd(fromNode, from.span.end), from.span.end);
    const toNode = this.node(node, "to");
    const to = this.expression(toNode, this.lastEnd(fromEnd, this.token(node, "DotDot")));
    const toEnd = Math.max(this.nodeEnd(toNode, to.span.end), to.span.end);
    const body = this.expression(this.node(node, "body"), this.lastEnd(toEnd, this.token(node, "LBrace")));
    return {
      kind: "ComprehensionExpression",
      reducer: reducer.image === "mean" ? "mean" : "sum",
      variable,
      from,
      to,
      body,
      span: this.span(this.start(reducer), Math.max(this.nodeEnd(node, body.span.end), body.span.end)),
    };
  }
}
