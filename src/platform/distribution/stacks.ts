// The stacks a buildpackage supports (CNB-67), computed as pack does. Stacks are legacy (targets
// replaced them in Buildpack API 0.10), but the buildpackage label still carries them.
import type { StackRef } from "../../cnb/index.js";

const WILDCARD = "*";

/**
 * The stacks two sets of buildpacks can both run on (pack's `stack.MergeCompatible`): ids in both,
 * with their mixins unioned; a set holding `*` accepts the other set as it is.
 */
export function mergeCompatibleStacks(a: readonly StackRef[], b: readonly StackRef[]): StackRef[] {
  const aWild = a.some((s) => s.id === WILDCARD);
  const bWild = b.some((s) => s.id === WILDCARD);
  if (aWild && bWild) return [{ id: WILDCARD, mixins: [] }];
  if (aWild) return [...b];
  if (bWild) return [...a];
  const mixinsOf = new Map(a.map((s) => [s.id, s.mixins]));
  const out: StackRef[] = [];
  for (const s of b) {
    const other = mixinsOf.get(s.id);
    if (other === undefined) continue;
    out.push({ id: s.id, mixins: [...new Set([...other, ...s.mixins])].sort() });
  }
  return out;
}

/**
 * The `stacks` of `io.buildpacks.buildpackage.metadata`: the entry buildpack's stacks merged with
 * every other buildpack's. A component buildpack without stacks (one that declares targets) counts
 * as `*`; composites are skipped. An empty result means the buildpacks share no stack.
 */
export function resolveStacks(main: { stacks: readonly StackRef[]; composite: boolean }, others: ReadonlyArray<{ stacks: readonly StackRef[]; composite: boolean }>): StackRef[] {
  const own = (bp: { stacks: readonly StackRef[]; composite: boolean }): StackRef[] =>
    bp.stacks.length === 0 && !bp.composite ? [{ id: WILDCARD, mixins: [] }] : [...bp.stacks];
  // Composites contribute nothing; the first buildpack that has stacks starts the set.
  let stacks: StackRef[] | undefined = main.composite && main.stacks.length === 0 ? undefined : own(main);
  for (const bp of others) {
    const s = own(bp);
    if (s.length === 0) continue;
    stacks = stacks === undefined ? s : mergeCompatibleStacks(stacks, s);
  }
  return stacks ?? [];
}
