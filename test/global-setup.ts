// The CLI tests run the real `kdc` binary, which runs the compiled dist/. Build it once per run.
// Type errors do not stop the emit (they fail `npm run typecheck`, the first half of `npm test`),
// so a type error elsewhere cannot hide every test result.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const r = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], { cwd: root, encoding: "utf8" });
  if (r.status !== 0) process.stderr.write(`global setup: tsc reported errors (dist/ was still written):\n${r.stdout}${r.stderr}`);
}
