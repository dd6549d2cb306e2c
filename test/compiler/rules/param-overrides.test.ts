import { describe, expect, it } from "vitest";
import { BASE, codes, compileText } from "../../helpers/hosts.js";

describe("rule: --set overrides name a param and fit its type (KD3013, KD9005)", () => {
  it("accepts good values of every type", async () => {
    const recipe = `${BASE}\nparam n: int = 1\nparam on: bool = false\nparam name: string = "x"\n`;
    const r = await compileText(recipe, {}, { T: "8.5", n: "3", on: "true", name: "anything at all" });
    expect(codes(r)).toEqual([]);
    expect(r.ir?.params.map((p) => p.value)).toEqual([8.5, 3, true, "anything at all"]);
  });
  it("rejects values of the wrong type", async () => {
    const recipe = `${BASE}\nparam n: int = 1\nparam on: bool = false\n`;
    for (const [name, value] of [["T", "hot"], ["T", ""], ["n", "1.5"], ["on", "yes"]] as const)
      expect(codes(await compileText(recipe, {}, { [name]: value })), `${name}=${value}`).toEqual(["KD3013"]);
  });
  it("rejects an unknown param, suggesting the closest", async () => {
    const r = await compileText(BASE, {}, { t: "2" });
    expect(codes(r)).toEqual(["KD9005"]);
    expect(r.diagnostics[0]!.help).toBe("did you mean `T`?");
  });
  it("stays silent where the parser recovered the param", async () => {
    const found = codes(await compileText(BASE.replace("param T: float = 4", "param T: = 4"), {}, { T: "2" }));
    expect(found.every((c) => /^KD[01]/.test(c)), found.join(", ")).toBe(true);
  });
});
