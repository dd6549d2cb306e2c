import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { catalogue } from "../../compiler/diagnostics/codes.js";
import { diagnosticsReference } from "../../compiler/diagnostics/reference.js";

describe("the diagnostics catalogue", () => {
  it("is documented in docs/diagnostics.md", async () => {
    await expect(diagnosticsReference()).toMatchFileSnapshot(fileURLToPath(new URL("../../docs/diagnostics.md", import.meta.url)));
  });
  it("has well-formed codes, titles and explanations", () => {
    for (const [code, e] of Object.entries(catalogue)) {
      expect(code).toMatch(/^KD[0-49]\d{3}$/);
      expect(e.title.length).toBeGreaterThan(3);
      expect(e.explanation.length).toBeGreaterThan(20);
    }
  });
});
