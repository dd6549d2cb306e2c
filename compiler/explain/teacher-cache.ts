// Whether caching a frozen model's outputs is legal, decided at compile time by the same rules the
// runtime applies (runtime/train/teacher-cache.ts, `whyNotCacheable`): the split's inputs must not
// change between epochs (no random augmentation), and the model must be frozen in the stage and
// deterministic in inference mode. A `teacher m trainable` is trained with the student, so never
// cached (the runtime does not even consider it: it is not among the stage's frozen models). Whether the cache is then used is the runtime's call, by its
// memory budget and by whether anything can be reused.
import type { IrProgram, IrStage } from "../lower/ir.js";
import { splitOf } from "./shapes.js";

export interface CacheLegality {
  readonly model: string;
  /** `teacher` or `reference` (a snapshot of `model`). */
  readonly role: "teacher" | "reference";
  readonly legal: boolean;
  readonly reason: string;
  /** What the runtime's default (`cacheTeachers: "auto"`) will do beyond legality. */
  readonly runtime: string;
}

export function cacheLegality(ir: IrProgram, stage: IrStage, index: number): CacheLegality[] {
  const trainable = new Set(stage.trainableTeachers ?? []);
  const frozen: { model: string; role: CacheLegality["role"]; shown: string }[] = stage.teachers.map((t) => ({ model: t, role: "teacher", shown: t }));
  if (stage.reference) frozen.push({ model: stage.reference.model, role: "reference", shown: stage.reference.name });
  const split = `${stage.data.dataset}.${stage.data.split}`;
  const augmented = splitOf(ir, stage.data)?.augmented === true;
  return frozen.map(({ model, role, shown }) => {
    const trainedHere = role === "teacher" && (model === stage.train || trainable.has(model));
    const trainMode = role === "teacher" && (stage.trainModeTeachers ?? []).includes(model);
    const legal = !trainedHere && !augmented && !trainMode;
    const what = role === "reference" ? `\`${shown}\` is a snapshot of \`${model}\` taken when the stage starts, so it is frozen` : `\`${model}\` is frozen (not trained in this stage)`;
    // In the runtime's order (whyNotCacheable): the split first, then the model.
    const reason = legal
      ? `${what}, deterministic in inference mode (dropout off), and \`${split}\` has no random augmentation: its inputs are the same every epoch`
      : augmented
        ? `split \`${split}\` is augmented (its inputs change every epoch: random \`augment\` transforms are redrawn for every seed and epoch)`
        : trainable.has(model)
          ? `\`${model}\` is trained in this stage (\`teacher ${model} trainable\`): its outputs change after every step`
          : trainMode
            ? `\`${model}\` runs in training mode (\`mode train\`): dropout is on, so its outputs change on every call`
            : `\`${model}\` is trained in this stage`;
    const reusedLater = ir.stages
      .slice(index + 1)
      .some((s) => (s.teachers.includes(model) || s.reference?.model === model) && s.data.dataset === stage.data.dataset && s.data.split === stage.data.split);
    const runtime = !legal
      ? "never cached"
      : stage.epochs < 2 && !reusedLater
        ? "not cached: one epoch and no later stage reads it on this split, so there is nothing to reuse"
        : "cached from the first epoch when the outputs the objective reads fit the memory budget (1 GiB by default)";
    return { model: shown, role, legal, reason, runtime };
  });
}
