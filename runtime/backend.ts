// Backend selection. The backend must be chosen before any tensor exists, which is why `run`
// selects it first and only then builds the program.
//
// - wasm (default): @tensorflow/tfjs-backend-wasm with SIMD; ~20× faster than cpu in Node.
// - cpu: the pure-JS reference backend; slow but the most exact, used by correctness tests.
// - tensorflow: libtensorflow through @tensorflow/tfjs-node-gpu (CUDA) or @tensorflow/tfjs-node.
//   Both are optionalDependencies that usually fail to install, so they are loaded with a
//   dynamic import of a computed specifier (no static import, no type dependency).
import * as tf from "@tensorflow/tfjs";
import type { BackendName } from "./program.js";
import { KdcRuntimeError } from "./errors.js";

export const BACKENDS: readonly BackendName[] = ["wasm", "cpu", "tensorflow"];

/** Native packages tried in order for `--backend tensorflow`. */
const NATIVE_PACKAGES = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"] as const;

/**
 * Makes `name` the active tfjs backend and returns what actually runs, e.g. `wasm`, `cpu` or
 * `tensorflow (tfjs-node-gpu)`. Throws a KdcRuntimeError (never a raw stack) when it cannot.
 */
export async function selectBackend(name: BackendName = "wasm"): Promise<string> {
  // tfjs warns on stderr about installing tfjs-node whenever the cpu backend is first used; kdc
  // has its own --backend flag, so the advice is noise. PROD only silences tfjs warnings.
  tf.env().set("PROD", true);
  switch (name) {
    case "cpu":
      await activate("cpu");
      return "cpu";
    case "wasm":
      // The package registers the backend as a side effect; load it only when asked for.
      await import("@tensorflow/tfjs-backend-wasm");
      (await import("./kernels/index.js")).registerWasmKernels(); // gradients wasm lacks or gets wrong
      await activate("wasm");
      return "wasm";
    case "tensorflow":
      return `tensorflow (${await loadNative()})`;
    default:
      throw new KdcRuntimeError(
        `unknown backend '${String(name)}'`,
        `use one of: ${BACKENDS.join(", ")}`,
      );
  }
}

async function loadNative(): Promise<string> {
  const failures: string[] = [];
  for (const pkg of NATIVE_PACKAGES) {
    try {
      const specifier: string = pkg; // a plain string keeps tsc from resolving the module
      await import(specifier);
    } catch (error) {
      failures.push(`  ${pkg}: ${firstLine(error)}`);
      continue;
    }
    if (tf.findBackendFactory("tensorflow") === null) {
      // Loaded, but it registered with another copy of @tensorflow/tfjs-core.
      failures.push(`  ${pkg}: loaded, but its @tensorflow/tfjs-core is not the one kdc uses (version mismatch?)`);
      continue;
    }
    await activate("tensorflow");
    return pkg.slice("@tensorflow/".length);
  }
  throw new KdcRuntimeError(
    `backend 'tensorflow' needs @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node, and neither loaded:\n${failures.join("\n")}`,
    "install one (npm install @tensorflow/tfjs-node, or @tensorflow/tfjs-node-gpu with CUDA), or run with --backend wasm",
  );
}

async function activate(name: string): Promise<void> {
  let ok = false;
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } catch (error) {
    throw new KdcRuntimeError(`backend '${name}' failed to start: ${firstLine(error)}`, "try --backend cpu");
  }
  if (!ok || tf.getBackend() !== name) {
    throw new KdcRuntimeError(`backend '${name}' failed to start`, "try --backend cpu");
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n", 1)[0] ?? text;
}
