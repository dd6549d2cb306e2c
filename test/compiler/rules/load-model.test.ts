// `load("dir")` types a saved model from its model.json when the recipe is checked.
import { describe, expect, it } from "vitest";
import { BASE, codes, compileText } from "../../helpers/hosts.js";

const topology = (layers: object[]) =>
  JSON.stringify({ format: "layers-model", modelTopology: { class_name: "Sequential", config: { name: "t", layers } }, weightsManifest: [] });
const dense = (units: number, input?: number) => ({ class_name: "Dense", config: { units, ...(input ? { batch_input_shape: [null, input] } : {}) } });

const withLoaded = (classes: number) => ({
  "runs/teacher/model.json": topology([dense(64, 784), { class_name: "Dropout", config: {} }, dense(classes)]),
});
const recipe = BASE.replace("model big = mlp(input: 784, hidden: [64], classes: 10)", 'model big = load("runs/teacher")').replace(
  /stage teach \{[\s\S]*?\n\}\n/,
  "",
).replace("stage distill after teach", "stage distill");

describe("load(dir) models (KD3024)", () => {
  it("types a loaded teacher from model.json, which needs no earlier stage", async () => {
    const r = await compileText(recipe, withLoaded(10));
    expect(codes(r)).toEqual([]);
    expect(r.ir?.models[0]).toMatchObject({ name: "big", builtin: "load", input: 784, hidden: [64], classes: 10 });
  });
  it("checks the loaded model's shapes like any other", async () => {
    expect(codes(await compileText(recipe, withLoaded(100)))).toEqual(["KD3005"]);
  });
  it("reports a missing folder at the path", async () => {
    const r = await compileText(recipe);
    expect(codes(r)).toEqual(["KD3024"]);
    expect(r.diagnostics[0]!.message).toContain("there is no model.json");
  });
  it("reports a topology it cannot type", async () => {
    const files = { "runs/teacher/model.json": topology([{ class_name: "Conv2D", config: { batch_input_shape: [null, 28, 28, 1] } }]) };
    const r = await compileText(recipe, files);
    expect(codes(r)).toEqual(["KD3024"]);
    expect(r.diagnostics[0]!.message).toContain("[null, 28, 28, 1]");
    expect(codes(await compileText(recipe, { "runs/teacher/model.json": "{ not json" }))).toEqual(["KD3024"]);
  });
  it("refuses to train a loaded model, as the student or as a trainable teacher (KD4002)", async () => {
    const trained = recipe.replace("train small on", "train big on");
    expect(codes(await compileText(trained, withLoaded(10)))).toContain("KD4002");
    const trainable = recipe.replace(/teacher big\b/, "teacher big trainable");
    expect(trainable).not.toEqual(recipe);
    expect(codes(await compileText(trainable, withLoaded(10)))).toEqual(["KD4002"]);
  });
});
