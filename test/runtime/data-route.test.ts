// Route columns (csv) and fields (jsonl): not inputs, carried by every batch as `route` [B] int32,
// rejected when not a non-negative integer.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as kd from "../../runtime/index.js";
import { disposeBatch } from "../../runtime/data/memory-split.js";

const dir = mkdtempSync(join(tmpdir(), "kdc-route-"));
beforeAll(async () => {
  await kd.tf.setBackend("cpu");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function firstBatch(split: kd.Split): { input: number[][]; route: number[] | undefined } {
  const batch = [...split.batches(split.size, 0, 0)][0]!;
  const out = { input: batch.input.arraySync() as number[][], route: batch.route ? Array.from(batch.route.dataSync()) : undefined };
  disposeBatch(batch);
  return out;
}

describe("route ids", () => {
  it("csv: the route column is left out of the input and rides along each row", () => {
    const path = join(dir, "r.csv");
    writeFileSync(path, "a,domain,b,y\n1,0,10,0\n2,1,20,1\n3,1,30,0\n");
    const { all } = kd.data.csv(path, { label: "y", route: "domain" });
    expect(all.features).toBe(2);
    const { input, route } = firstBatch(all);
    input.forEach((row, i) => expect(route![i]).toBe(row[0] === 1 ? 0 : 1));
    expect(firstBatch(kd.data.csv(path, { label: "y" }).all).route).toBeUndefined();
  });

  it("jsonl: an integer field", () => {
    const path = join(dir, "r.jsonl");
    writeFileSync(path, '{"x": [1, 2], "d": 2}\n{"x": [3, 4], "d": 0}\n');
    const { input, route } = firstBatch(kd.data.jsonl(path, { input: "x", route: "d" }).all);
    input.forEach((row, i) => expect(route![i]).toBe(row[0] === 1 ? 2 : 0));
  });

  it("rejects route ids that are not non-negative integers", () => {
    const csv = join(dir, "bad.csv");
    writeFileSync(csv, "a,domain\n1,-1\n");
    expect(() => kd.data.csv(csv, { route: "domain" })).toThrow(/not a non-negative integer/);
    const jsonl = join(dir, "bad.jsonl");
    writeFileSync(jsonl, '{"x": 1, "d": 0.5}\n');
    expect(() => kd.data.jsonl(jsonl, { input: "x", route: "d" })).toThrow(/non-negative integer/);
  });
});
