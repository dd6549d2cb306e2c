import { describe, expect, it } from "vitest";
import { codes, compileText } from "../../helpers/hosts.js";

const FILES = {
  "two.csv": "a,b,y,domain\n1,2,0,0\n3,4,1,1\n5,6,0,1\n",
  "three.csv": "a,b,y,domain\n1,2,0,0\n3,4,1,2\n5,6,0,1\n",
  "plain.csv": "a,b,y\n1,2,0\n3,4,1\n",
};

const recipe = (data: string, objective: string) => `
dataset d = csv("${data}", label: "y"${data === "plain.csv" ? "" : ', route: "domain"'})
model a = mlp(input: 2, classes: 2)
model b = mlp(input: 2, classes: 2)
model s = mlp(input: 2, classes: 2)
stage teach {
  train a on d.train
  epochs 1
  batch 2
  optimizer adam()
  minimize ce(a.logits, batch.label)
}
stage teach_b {
  train b on d.train
  epochs 1
  batch 2
  optimizer adam()
  minimize ce(b.logits, batch.label)
}
stage distill after teach, teach_b {
  train s on d.train
  teacher a, b
  epochs 1
  batch 2
  optimizer adam()
  minimize ${objective}
}
`;

describe("rule: route ids exist and name a teacher (KD3041, KD3042)", () => {
  it("stays silent on valid recipes", async () => {
    for (const r of [
      recipe("two.csv", "kd(s.logits, ensemble(a.logits, b.logits, route: batch.route))"),
      recipe("two.csv", "kd(s.logits, ensemble(a.logits, b.logits, route: batch.route, T: [1, 2]), T: 1)"),
      recipe("three.csv", "kd(s.logits, ensemble(a.logits, b.logits, a.logits, route: batch.route))"),
    ])
      expect(codes(await compileText(r, FILES))).toEqual([]);
  });

  it("reports KD3041 when the split has no route column", async () => {
    expect(codes(await compileText(recipe("plain.csv", "kd(s.logits, ensemble(a.logits, b.logits, route: batch.route))"), FILES))).toEqual(["KD3041"]);
  });

  it("reports KD3042 when a route id has no teacher", async () => {
    expect(codes(await compileText(recipe("three.csv", "kd(s.logits, ensemble(a.logits, b.logits, route: batch.route))"), FILES))).toEqual(["KD3042"]);
  });

  it("stays silent where the parser recovered", async () => {
    const found = codes(await compileText(recipe("plain.csv", "kd(s.logits, ensemble(a.logits, b.logits, route: batch.))"), FILES));
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((c) => /^KD[01]/.test(c)), found.join(", ")).toBe(true);
  });
  it("refuses route ids where class labels are expected (KD3004)", async () => {
    const r = await compileText(recipe("two.csv", "ce(s.logits, batch.route) + kd(s.logits, ensemble(a.logits, b.logits, route: batch.route))"), FILES);
    expect(codes(r)).toEqual(["KD3004"]);
    expect(r.diagnostics[0]!.message).toContain("route ids");
  });
});
