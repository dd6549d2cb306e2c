import { test } from "vitest";
import { compileText } from "../helpers/hosts.js";
test("deep compile", async () => {
  for (const inner of [Array.from({ length: 10000 }, () => "1").join(" + "), "a" + ".b".repeat(10000), "(".repeat(5000) + "1" + ")".repeat(5000)]) {
    const text = `param p = ${inner}\ndataset digits = mnist(train: 200, test: 100)\n`;
    try {
      const r = await compileText(text);
      console.log("ok", r.diagnostics.map((d) => d.code + " " + d.message.slice(0, 100)));
    } catch (e) { console.log("THREW", String(e).slice(0, 200)); }
  }
});
