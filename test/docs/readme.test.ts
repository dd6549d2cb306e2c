// The README quotes real files and real output; these keep the quotes true.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const read = (path: string) => readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), "utf8");
const readme = read("README.md");

describe("README.md", () => {
  it("quotes the example recipe exactly", () => {
    expect(readme).toContain("```kd\n" + read("recipes/examples/mnist-hinton.kd") + "```");
  });
  it("quotes the KD3005 diagnostic exactly as kdc renders it", () => {
    const golden = read("test/cases/invalid/class-mismatch/recipe.diagnostics.txt");
    const second = golden.slice(golden.indexOf("error[KD3005]", 1)).replace(/\n\n\d+ errors?\n$/, "");
    expect(readme).toContain(second);
  });
  it("quotes `kdc explain` output exactly as the golden has it", () => {
    const quoted = readme.slice(readme.indexOf("```text\nstage 3/3") + 8, readme.indexOf("```", readme.indexOf("```text\nstage 3/3") + 8));
    expect(quoted.length).toBeGreaterThan(200);
    expect(read("test/cases/explain/mnist-hinton.explain.txt")).toContain(quoted);
  });
  it("starts with the two commands that install, train and test", () => {
    const firstBlock = readme.slice(readme.indexOf("```sh"), readme.indexOf("```", readme.indexOf("```sh") + 5));
    expect(firstBlock).toContain("npm install && npx kdc run recipes/examples/mnist-hinton.kd");
    expect(firstBlock).toContain("npm test");
    expect(read(".ci/run")).toContain("npm test");
  });
});
