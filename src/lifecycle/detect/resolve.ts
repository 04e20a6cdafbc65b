// Group selection and build plan resolution (CNB-35, CNB-36): pure, tested with literals.
import { type DetectPlan, planAlternatives, type Provide, type Requirement } from "../../cnb/index.js";

/** What one bin/detect run came to (CNB-7). */
export type DetectOutcome =
  | { kind: "pass"; plan: DetectPlan }
  /** Exit 100 (or, for an optional buildpack, a target mismatch). */
  | { kind: "fail" }
  /** Any other exit, a signal, a bad plan, or a target mismatch of a required buildpack (CNB-37). */
  | { kind: "error"; reason: string };

/** An element of a flat group. */
export interface Candidate {
  id: string;
  version: string;
  optional: boolean;
}

/** One plan entry: the requires of a single name and the elements that provide it (plan.toml). */
export interface ResolvedEntry<E> {
  name: string;
  providers: E[];
  requires: Requirement[];
}

export type GroupResolution<E> =
  /** The passing elements, in group order, and the resolved plan. */
  | { kind: "pass"; group: E[]; plan: ResolvedEntry<E>[] }
  /** A required element failed, nothing passed, or no plan trial worked; `reason` says which. */
  | { kind: "fail"; reason: string }
  /** A required element failed and some element errored (the group counts as errored, exit 21). */
  | { kind: "error"; reason: string; errored: E[] };

const show = (e: Candidate) => `${e.id}@${e.version}`;

/**
 * Whether a group passes (CNB-35) and its build plan (CNB-36), as the reference resolves them:
 * - every required element must pass; optional ones that fail or error are dropped;
 * - at least one element must pass;
 * - plan trials: each passing element offers its top-level plan, then each `[[or]]`, enumerated
 *   depth-first, left to right; the first trial that resolves wins. In a trial every `requires`
 *   needs a provider at the same or an earlier position and every `provides` a requirer at the
 *   same or a later one; an optional element that breaks this is removed (with its requires and
 *   provides) until nothing changes; a required one fails the trial. Only an optional element's
 *   last alternative may be dropped: its earlier alternatives count as required (reference quirk).
 */
export function resolveGroup<E extends Candidate>(group: readonly E[], outcomeOf: (e: E) => DetectOutcome): GroupResolution<E> {
  const passed: { el: E; plan: DetectPlan }[] = [];
  const errored: E[] = [];
  let missing: string | undefined;
  for (const el of group) {
    const o = outcomeOf(el);
    if (o.kind === "pass") passed.push({ el, plan: o.plan });
    else {
      if (o.kind === "error") errored.push(el);
      if (!el.optional && missing === undefined) missing = `${show(el)} ${o.kind === "error" ? "errored" : "did not pass detection"}`;
    }
  }
  if (missing !== undefined) {
    const reason = missing;
    return errored.length > 0 ? { kind: "error", reason, errored } : { kind: "fail", reason };
  }
  if (passed.length === 0) return { kind: "fail", reason: "no buildpack passed detection" };

  const options = passed.map(({ el, plan }) => {
    const alts = planAlternatives(plan);
    return alts.map((s, i) => ({ el, optional: el.optional && i === alts.length - 1, provides: s.provides, requires: s.requires }));
  });
  let lastReason = "";
  for (const trial of trials(options)) {
    const r = runTrial(trial);
    if (r.ok) return { kind: "pass", group: r.trial.map((o) => o.el), plan: r.plan };
    lastReason = r.reason;
  }
  return { kind: "fail", reason: lastReason };
}

interface TrialOption<E> {
  el: E;
  optional: boolean;
  provides: Provide[];
  requires: Requirement[];
}

/** Every combination of one option per element: the first element's options vary slowest. */
function* trials<T>(options: readonly (readonly T[])[], prefix: T[] = []): Generator<T[]> {
  if (prefix.length === options.length) {
    yield prefix;
    return;
  }
  for (const o of options[prefix.length] ?? []) yield* trials(options, [...prefix, o]);
}

interface Dep<E> {
  providers: E[];
  requires: Requirement[];
  /** Elements that require the name before anyone provides it. */
  earlyRequires: TrialOption<E>[];
  /** Elements that provide the name after its last requirer. */
  extraProvides: TrialOption<E>[];
}

function depMap<E>(trial: readonly TrialOption<E>[]): Map<string, Dep<E>> {
  const m = new Map<string, Dep<E>>();
  const get = (name: string) => {
    let d = m.get(name);
    if (d === undefined) {
      d = { providers: [], requires: [], earlyRequires: [], extraProvides: [] };
      m.set(name, d);
    }
    return d;
  };
  for (const o of trial) {
    for (const p of o.provides) get(p.name).extraProvides.push(o);
    for (const r of o.requires) {
      const d = get(r.name);
      d.providers.push(...d.extraProvides.map((x) => x.el));
      d.extraProvides = [];
      if (d.providers.length === 0) d.earlyRequires.push(o);
      else d.requires.push(r);
    }
  }
  return m;
}

type TrialResult<E> = { ok: true; trial: TrialOption<E>[]; plan: ResolvedEntry<E>[] } | { ok: false; reason: string };

function runTrial<E extends Candidate>(initial: readonly TrialOption<E>[]): TrialResult<E> {
  let trial = [...initial];
  for (;;) {
    const deps = depMap(trial);
    const drop = new Set<TrialOption<E>>();
    for (const [name, d] of deps) {
      for (const o of d.earlyRequires) {
        if (!o.optional) return { ok: false, reason: `${show(o.el)} requires ${name}, which no buildpack before it provides` };
        drop.add(o);
      }
      for (const o of d.extraProvides) {
        if (!o.optional) return { ok: false, reason: `${show(o.el)} provides ${name}, which no buildpack after it requires` };
        drop.add(o);
      }
    }
    if (drop.size === 0) {
      if (trial.length === 0) return { ok: false, reason: "no buildpack is left once unmet optional buildpacks are dropped" };
      const plan = [...deps].filter(([, d]) => d.requires.length > 0).map(([name, d]) => ({ name, providers: d.providers, requires: d.requires }));
      return { ok: true, trial, plan };
    }
    trial = trial.filter((o) => !drop.has(o));
  }
}
