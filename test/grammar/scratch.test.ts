import { test } from "vitest";
import { compileText } from "../helpers/hosts.js";
test("deep compile", async () => {
  for (const n of [500, 1000, 1500, 2000, 3000, 5000]) {
    for (const inner of [Array.from({ length: n }, () => "1").join(" + "), "a" + ".b".repeat(n), "f" + "(x)".repeat(n)]) {
      const text = `param p = ${inner}\ndataset digits = mnist(train: 200, test: 100)\n`;
      const r = await compileText(text);
      console.log(n, inner.slice(0, 8), r.diagnostics.map((d) => d.code + " " + d.message.slice(0, 60)).join("; "));
    }
  }
});
