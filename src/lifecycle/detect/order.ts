// Order resolution (CNB-5, CNB-34): composites expanded into flat groups of component buildpacks.
import type { Order, OrderEntry, SystemFile } from "../../cnb/index.js";
import { LifecycleError } from "../errors.js";

/** A composite's `[[order]]`, or undefined for a component buildpack (or one that could not be read). */
export type CompositeOrder = (entry: OrderEntry) => Order | undefined;

/** Refuses orders whose expansion would be absurdly large (a product of many composites). */
export const MAX_GROUPS = 10_000;

const key = (e: OrderEntry) => `${e.id}@${e.version}`;

/**
 * The flat groups detection tries, in order (CNB-34): composites are expanded depth-first, left to
 * right, in place, each alternative group of a composite multiplying the outer group
 * (`[E,O,F]` with O = `[A,B] | [C,D]` gives `[E,A,B,F]`, `[E,C,D,F]`). An optional composite adds
 * the group without it, after its alternatives. An optional component keeps its flag (it is
 * dropped at resolution when it fails). A buildpack id that already appears earlier in a group is
 * left out (no duplicates, as the reference). A composite that contains itself is an error.
 */
export function expandOrder(order: Order, compositeOrder: CompositeOrder): OrderEntry[][] {
  const out: OrderEntry[][] = [];
  for (const g of order) {
    for (const flat of expandEntries(g.group, compositeOrder, [])) {
      out.push(dedupe(flat));
      if (out.length > MAX_GROUPS) tooMany();
    }
  }
  return out;
}

function tooMany(): never {
  throw new LifecycleError("DETECT_ERROR", `the order expands to more than ${MAX_GROUPS} groups`, {
    hint: "composite buildpacks with many alternatives multiply; simplify the order",
  });
}

function expandEntries(entries: readonly OrderEntry[], compositeOrder: CompositeOrder, stack: readonly string[]): OrderEntry[][] {
  let acc: OrderEntry[][] = [[]];
  for (const e of entries) {
    const alternatives = expandEntry(e, compositeOrder, stack);
    const next: OrderEntry[][] = [];
    for (const prefix of acc) {
      for (const alt of alternatives) {
        next.push([...prefix, ...alt]);
        if (next.length > MAX_GROUPS) tooMany();
      }
    }
    acc = next;
  }
  return acc;
}

function expandEntry(e: OrderEntry, compositeOrder: CompositeOrder, stack: readonly string[]): OrderEntry[][] {
  const sub = compositeOrder(e);
  if (sub === undefined) return [[e]];
  const k = key(e);
  if (stack.includes(k)) {
    throw new LifecycleError("DETECT_ERROR", `composite buildpack ${k} contains itself: ${[...stack, k].join(" → ")}`, {
      hint: "a composite's [[order]] must not name the composite or one that names it",
    });
  }
  const alternatives = sub.flatMap((g) => expandEntries(g.group, compositeOrder, [...stack, k]));
  if (e.optional) alternatives.push([]);
  return alternatives;
}

function dedupe(group: readonly OrderEntry[]): OrderEntry[] {
  const seen = new Set<string>();
  return group.filter((e) => {
    if (seen.has(e.id)) return false;
    seen.add(e.id);
    return true;
  });
}

/**
 * system.toml (Platform API 0.15, CNB-34): `pre` buildpacks at the start and `post` buildpacks at
 * the end of every group, unless the group already names the id.
 */
export function withSystemBuildpacks(order: Order, system: SystemFile): Order {
  return order.map((g) => {
    const ids = new Set(g.group.map((e) => e.id));
    const pre = system.pre.filter((e) => !ids.has(e.id));
    const post = system.post.filter((e) => !ids.has(e.id));
    return { group: [...pre, ...g.group, ...post] };
  });
}

