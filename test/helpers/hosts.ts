// Compiler hosts for tests: recipes given as strings, with the real standard library.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compile, type CompileResult } from "../../compiler/program.js";
import type { CompilerHost } from "../../compiler/host.js";
import { renderDiagnostics } from "../../compiler/diagnostics/render.js";

const STD = fileURLToPath(new URL("../../recipes/std/", import.meta.url));

/** Files by path (`main.kd`, `lib/x.kd`); `std/…` imports read the shipped library. */
export function memoryHost(files: Readonly<Record<string, string>>): CompilerHost {
  const normalise = (p: string): string => {
    const out: string[] = [];
    for (const part of p.split("/")) {
      if (part === "..") out.pop();
      else if (part !== "." && part !== "") out.push(part);
    }
    return out.join("/");
  };
  return {
    readFile(path) {
      if (path.startsWith("std/")) {
        try {
          return readFileSync(STD + path.slice(4), "utf8");
        } catch {
          return undefined;
        }
      }
      return files[path];
    },
    resolveImport(specifier, from) {
      const ext = (p: string) => (p.endsWith(".kd") ? p : `${p}.kd`);
      if (specifier.startsWith("std/")) return ext(specifier);
      if (specifier.startsWith(".")) return normalise(`${from.split("/").slice(0, -1).join("/")}/${ext(specifier)}`);
      return ext(`node_modules/${specifier}`);
    },
    resolvePath: (path, from) => (path.startsWith("/") ? path : normalise(`${from.split("/").slice(0, -1).join("/")}/${path}`)),
    displayPath: (path) => path,
  };
}

export async function compileText(text: string, extra: Readonly<Record<string, string>> = {}, overrides?: Record<string, string>): Promise<CompileResult> {
  return compile("main.kd", memoryHost({ "main.kd": text, ...extra }), overrides ? { overrides: new Map(Object.entries(overrides)) } : {});
}

export function codes(result: CompileResult): string[] {
  return result.diagnostics.map((d) => d.code);
}

export function rendered(result: CompileResult): string {
  return renderDiagnostics(result.diagnostics, result.sources);
}

/** A small valid recipe that tests vary one line of. */
export const BASE = `
import { hinton } from "std/kd"
param T: float = 4
dataset digits = mnist(train: 512, test: 128, unlabeled: 64, seed: 1)
model big = mlp(input: 784, hidden: [64], classes: 10)
model small = mlp(input: 784, hidden: [16], classes: 10)
stage teach {
  train big on digits.train
  epochs 2
  batch 64
  optimizer adam(lr: 1e-3)
  minimize ce(big.logits, batch.label)
}
stage distill after teach {
  train small on digits.train
  teacher big
  epochs 2
  batch 64
  optimizer adam(lr: 1e-3)
  minimize hinton(small, big, T: T)
}
`;
