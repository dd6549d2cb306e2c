// Every generated trainer type-checks against the runtime's own types, in an in-memory project.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Project, ts } from "ts-morph";
import { describe, expect, it } from "vitest";
import { nodeHost } from "../../compiler/cli/node-host.js";
import { compile } from "../../compiler/program.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const recipes = [
  ...readdirSync(join(ROOT, "test/cases/valid")).map((n) => join(ROOT, "test/cases/valid", n, "recipe.kd")),
  ...readdirSync(join(ROOT, "recipes/examples")).map((n) => join(ROOT, "recipes/examples", n)),
];

describe("generated trainers type-check against the runtime", () => {
  // One project for all trainers: the runtime's types are loaded once.
  const project = new Project({
    compilerOptions: {
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      skipLibCheck: true,
      noEmit: true,
      noUnusedLocals: true,
      paths: { "kdc/runtime": [join(ROOT, "runtime/index.ts")] },
      types: ["node"],
    },
    skipAddingFilesFromTsConfig: true,
  });

  for (const recipe of recipes) {
    it(recipe.slice(ROOT.length), async () => {
      const result = await compile(recipe, nodeHost(ROOT));
      expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      const [name, text] = [...result.files].find(([n]) => n.endsWith(".trainer.ts"))!;
      const file = project.createSourceFile(join(ROOT, "test", ".generated", name), text, { overwrite: true });
      const problems = file.getPreEmitDiagnostics().map((d) => {
        const where = d.getSourceFile()?.getFilePath().slice(ROOT.length) ?? "?";
        return `${where}:${d.getLineNumber() ?? "?"}: ${ts.flattenDiagnosticMessageText(d.compilerObject.messageText, "\n")}`;
      });
      expect(problems).toEqual([]);
    });
  }
});
