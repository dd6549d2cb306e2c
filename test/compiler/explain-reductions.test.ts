// `kdc explain` states each loss's resolved `reduction`, so a recipe matching a peer's torch
// convention (KLDivLoss reduction="mean" is batchmean / C) shows it.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { nodeHost } from "../../compiler/cli/node-host.js";
import { explain } from "../../compiler/explain/report.js";
import { compile } from "../../compiler/program.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

it("names the chosen reduction of every KL-family term and of ce", async () => {
  const result = await compile(join(ROOT, "test/cases/valid/loss-reductions/recipe.kd"), nodeHost(ROOT), { irOnly: true });
  const x = explain(result.ir!);
  const terms = x.stages.find((s) => s.name === "distill")!.objective.terms;
  const reductionOf = (call: string) => terms.find((t) => t.call.startsWith(call))!.reduction;
  expect(reductionOf("kd(")).toMatch(/all B·C elements.*batchmean \/ C/);
  expect(reductionOf("reverse_kl(")).toMatch(/^sum over classes and over the batch/);
  expect(reductionOf("jsd(")).toMatch(/^sum over classes per example, mean over the batch \(batchmean\)$/);
  expect(reductionOf("gjsd(")).toMatch(/batchmean \/ C/);
  expect(reductionOf("tvd(")).toMatch(/^0.5·Σ\|p − q\|/);
  expect(reductionOf("ce(")).toMatch(/^mean over rows/);
  const teach = x.stages.find((s) => s.name === "teach")!.objective.terms;
  expect(teach[0]!.reduction).toMatch(/^sum over rows whose label is not -100/);
});
