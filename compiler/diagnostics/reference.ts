// docs/diagnostics.md, generated from the catalogue (a test keeps the file in sync).
import { catalogue, type Code } from "./codes.js";

const GROUPS: readonly [string, string][] = [
  ["KD0", "Lexer"],
  ["KD1", "Parser"],
  ["KD2", "Names and imports"],
  ["KD3", "Types, shapes, units and stages"],
  ["KD4", "Lowering"],
  ["KD9", "Tool"],
];

export function diagnosticsReference(): string {
  const codes = (Object.keys(catalogue) as Code[]).sort();
  const out = [
    "# kdc diagnostics",
    "",
    "<!-- Generated from compiler/diagnostics/codes.ts by test/compiler/diagnostics-doc.test.ts; run `npx vitest -u` to refresh. -->",
    "",
    "Every diagnostic has a stable code. `kdc explain CODE` prints the explanation below;",
    "`kdc check --format json` gives them to editors and CI.",
    "",
  ];
  for (const [prefix, title] of GROUPS) {
    const group = codes.filter((c) => c.startsWith(prefix));
    if (group.length === 0) continue;
    out.push(`## ${title}`, "");
    for (const code of group) {
      const e = catalogue[code];
      out.push(`### ${code}: ${e.title} (${e.severity})`, "", e.explanation.trim(), "");
    }
  }
  return `${out.join("\n").trimEnd()}\n`;
}
