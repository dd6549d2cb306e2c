// The stages a stage runs after, directly or through others: what they trained is what it may read.
import type { StageDeclaration } from "../../grammar/ast.js";
import type { StageInfo } from "./stage.js";

/**
 * Every stage `stage` runs after, transitively, or undefined when that is unknown: an `after` that
 * did not resolve, or a dependency that failed to check (`all` holds every declared stage, `checked`
 * those that checked cleanly). Rules skip such stages: their failure was reported already.
 */
export function stagesBefore(stage: StageInfo, checked: readonly StageInfo[], all: readonly StageDeclaration[]): StageInfo[] | undefined {
  const byDecl = new Map<StageDeclaration, StageInfo>(checked.map((s) => [s.decl, s]));
  const found = new Set<StageInfo>();
  const visit = (s: StageInfo): boolean => {
    if (s.after.length !== s.decl.after.length) return false;
    for (const dep of s.after) {
      const info = byDecl.get(dep);
      if (!info) {
        if (all.includes(dep)) return false;
        continue;
      }
      if (found.has(info)) continue;
      found.add(info);
      if (!visit(info)) return false;
    }
    return true;
  };
  return visit(stage) ? [...found] : undefined;
}
