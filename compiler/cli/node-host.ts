// The compiler host over the real file system: reads recipes, resolves imports (`std/…` to the
// library shipped with kdc, `./…` relative, bare names through node_modules).
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { CompilerHost } from "../host.js";

/** The kdc package root: the nearest folder above this file whose package.json is named kdc. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === "kdc") return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the kdc package root");
    dir = parent;
  }
}

const withExtension = (path: string): string => (path.endsWith(".kd") ? path : `${path}.kd`);

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function nodeHost(cwd: string = process.cwd()): CompilerHost {
  const stdDir = join(packageRoot(), "recipes", "std");
  return {
    readFile(path) {
      try {
        return readFileSync(path, "utf8");
      } catch {
        return undefined;
      }
    },
    resolveImport(specifier, fromPath) {
      if (specifier.startsWith("std/")) return join(stdDir, withExtension(specifier.slice(4)));
      if (specifier.startsWith("./") || specifier.startsWith("../")) return resolve(dirname(fromPath), withExtension(specifier));
      if (isAbsolute(specifier)) return undefined;
      return resolvePackage(specifier, dirname(fromPath));
    },
    resolvePath(path, fromPath) {
      return isAbsolute(path) ? path : resolve(dirname(fromPath), path);
    },
    displayPath(path) {
      const fromStd = relative(stdDir, path);
      if (!fromStd.startsWith("..") && !isAbsolute(fromStd)) return `std/${fromStd.split(sep).join("/")}`;
      const rel = relative(cwd, path);
      return (rel.startsWith("..") || isAbsolute(rel) ? path : rel).split(sep).join("/");
    },
  };
}

/**
 * `@acme/kd-recipes/vision` → node_modules/@acme/kd-recipes/vision.kd, searching upwards like Node.
 * A bare package name uses the manifest's `kd` field, else `index.kd`.
 */
function resolvePackage(specifier: string, fromDir: string): string | undefined {
  const parts = specifier.split("/");
  const nameLength = specifier.startsWith("@") ? 2 : 1;
  const name = parts.slice(0, nameLength).join("/");
  const subpath = parts.slice(nameLength).join("/");
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const pkg = join(dir, "node_modules", name);
    if (existsSync(pkg)) {
      if (subpath) return join(pkg, withExtension(subpath));
      try {
        const manifest = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")) as { kd?: string };
        if (manifest.kd) return join(pkg, manifest.kd);
      } catch {
        // no manifest: fall through to index.kd
      }
      const index = join(pkg, "index.kd");
      return isFile(index) ? index : undefined;
    }
    if (dirname(dir) === dir) return undefined;
  }
}
