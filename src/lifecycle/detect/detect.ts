// The detect phase (CNB-6..9, CNB-34..38): read → decide (expandOrder, resolveGroup) → write.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import {
  type ApiVersion,
  buildpackFeatures,
  execEnvMatches,
  type GroupFile,
  type Order,
  type OrderEntry,
  platformFeatures,
  type PlanFile,
  requirePlatformApi,
  type RunImageTarget,
  stringifyGroupToml,
  stringifyPlanToml,
  type SystemFile,
  targetMatches,
} from "../../cnb/index.js";
import type { Runner } from "../../sandbox/index.js";
import {
  type Buildpack,
  buildpackKey,
  type BuildPaths,
  type BuildpackStore,
  dirStore,
  type ExecSettings,
  type HostFactory,
  type HostSession,
  lazyHost,
  type PhaseEnvironment,
  preparePhaseEnvironment,
} from "../exec/index.js";
import { LifecycleError, toLifecycleError } from "../errors.js";
import type { BuildLog } from "../log.js";
import { expandOrder, withSystemBuildpacks } from "./order.js";
import { type DetectOutcome, resolveGroup } from "./resolve.js";
import { type DetectRun, detectOne, limiter } from "./run.js";

export interface DetectInputs {
  paths: BuildPaths;
  exec: ExecSettings;
  platformApi: ApiVersion;
  /** The builder's order (`/cnb/order.toml`), or one group from `--buildpack` (see `orderFromBuildpacks`). */
  order: Order;
  /** `[[order-extensions]]`: image extensions are not run (CNB-73); a warning says so. */
  orderExtensions?: Order;
  /** `/cnb/system.toml` (merged into every group from Platform API 0.15). */
  system?: SystemFile;
  /** The run image's target (CNB-37) and the source of CNB_TARGET_* (CNB-6). */
  runImageTarget: RunImageTarget;
  /** CNB_EXEC_ENV (CNB-26); default "production". */
  execEnv?: string;
  /** How many bin/detect run at once (default 4). */
  concurrency?: number;
  /** Where buildpacks are read from (default: `dirStore(paths)`); share one with the build phase. */
  store?: BuildpackStore;
  /**
   * Earlier outcomes a platform keeps (paketo's detection memo); without it every bin/detect runs.
   * With it, each run is asked for the app paths it looks at, and the group is resolved from
   * reused and fresh outcomes alike.
   */
  outcomes?: DetectOutcomes;
}

/** Detect outcomes kept across builds, per buildpack. */
export interface DetectOutcomes {
  /** The outcome of an earlier run whose inputs are unchanged, or undefined. */
  lookup(bp: Buildpack): Promise<DetectRun | undefined>;
  /** A fresh run, to keep for later builds. */
  record(bp: Buildpack, run: DetectRun): void;
}

export interface DetectDeps {
  runner: Runner;
  log: BuildLog;
  /** Runs buildpacks on paketo's buildpack API in one process for the phase (exec/host.ts); without it each runs as its own. */
  host?: HostFactory;
}

export interface DetectResult {
  /** group.toml: the passing buildpacks of the first passing group, in order (CNB-38). */
  group: GroupFile;
  /** plan.toml: the resolved build plan (CNB-36). */
  plan: PlanFile;
  /** The group's buildpacks, loaded. */
  buildpacks: Buildpack[];
}

/** `--buildpack id@version ...` as an order of one group, none optional. */
export function orderFromBuildpacks(refs: readonly Pick<OrderEntry, "id" | "version">[]): Order {
  return [{ group: refs.map((r) => ({ id: r.id, version: r.version, optional: false })) }];
}

/** A loaded buildpack, or why it could not be loaded (thrown only when a tried group reaches it, as the reference). */
type Loaded = { ok: true; bp: Buildpack } | { ok: false; error: unknown };

/**
 * Runs detection: the first group of the order whose required buildpacks pass and whose build plan
 * resolves wins. Writes `<layers>/group.toml` and `<layers>/plan.toml`. Fails with exit 20 when
 * no group passes, 21 when no group passes and a buildpack errored, 22 for other errors.
 */
export async function detect(inputs: DetectInputs, deps: DetectDeps): Promise<DetectResult> {
  const { log } = deps;
  return log.time("detect", async () => {
    try {
      log.phase("detecting");
      return await runDetect(inputs, deps);
    } catch (e) {
      throw toLifecycleError(e, "DETECT_ERROR", "detect");
    }
  });
}

async function runDetect(inputs: DetectInputs, deps: DetectDeps): Promise<DetectResult> {
  const { paths, platformApi } = inputs;
  const { log } = deps;
  requirePlatformApi(platformApi, "Platform API");
  const pf = platformFeatures(platformApi);
  if ((inputs.orderExtensions?.length ?? 0) > 0) log.warn("the builder's image extensions ([[order-extensions]]) are ignored: paketo does not run extensions");
  const store = inputs.store ?? dirStore(paths);
  const order = inputs.system && pf.systemToml ? withSystemBuildpacks(inputs.order, inputs.system) : inputs.order;
  const loaded = await loadReachable(order, store);
  const groups = expandOrder(order, (e) => {
    const l = loaded.get(buildpackKey(e));
    return l?.ok && l.bp.descriptor.order.length > 0 ? l.bp.descriptor.order : undefined;
  });

  const env = await preparePhaseEnvironment(paths, inputs.exec, platformApi);
  const execEnv = inputs.execEnv ?? "production";
  const limit = limiter(inputs.concurrency ?? 4);
  const host = lazyHost(deps, { paths, exec: inputs.exec, env: env.base, access: { workspace: "ro", layers: "none" }, home: env.home }, {
    count: Math.min(2, availableParallelism()),
    onStart: () => deps.log.debug("Started the buildpack host: one Node.js process runs the buildpacks on the buildpack API"),
  });
  try {
    return await detectGroups(inputs, deps, { groups, loaded, env, execEnv, limit, host: host.get, pf });
  } finally {
    await host.close();
  }
}

async function detectGroups(
  inputs: DetectInputs,
  deps: DetectDeps,
  ctx: {
    groups: ReturnType<typeof expandOrder>;
    loaded: Map<string, Loaded>;
    env: PhaseEnvironment;
    execEnv: string;
    limit: <T>(task: () => Promise<T>) => Promise<T>;
    host: (bp: Buildpack) => Promise<HostSession | undefined>;
    pf: ReturnType<typeof platformFeatures>;
  },
): Promise<DetectResult> {
  const { paths } = inputs;
  const { log } = deps;
  const { groups, loaded, env, execEnv, limit, pf } = ctx;
  const runs = new Map<string, Promise<DetectRun>>();
  const shown = new Set<string>();
  const history: string[] = [];
  let anyErrored = false;

  for (const [gi, flat] of groups.entries()) {
    const elements: (OrderEntry & { bp: Buildpack })[] = [];
    for (const e of flat) {
      const l = loaded.get(buildpackKey(e));
      if (l === undefined || !l.ok) throw l?.error ?? new Error(`internal: ${buildpackKey(e)} was not loaded`);
      // CNB-26: a buildpack for other execution environments is skipped (Platform 0.15, Buildpack 0.12).
      if (pf.execEnv && buildpackFeatures(l.bp.api).execEnv && !execEnvMatches(l.bp.descriptor.buildpack.execEnv, execEnv)) {
        log.debug(`skip: ${buildpackKey(e)} (not for execution environment ${execEnv})`);
        continue;
      }
      elements.push({ ...e, bp: l.bp });
    }
    const outcomes = new Map<string, DetectRun>();
    await Promise.all(
      elements.map(async (el) => {
        const k = buildpackKey(el);
        // CNB-37: a required buildpack that cannot run on the run image errors without running;
        // an optional one is dropped (the reference would still run it).
        if (pf.targetData && !targetMatches(el.bp.targets, inputs.runImageTarget)) {
          const reason = `its targets ${JSON.stringify(el.bp.targets)} do not include the run image's ${JSON.stringify(inputs.runImageTarget)}`;
          outcomes.set(k, { outcome: el.optional ? { kind: "fail" } : { kind: "error", reason }, lines: [] });
          return;
        }
        let run = runs.get(k);
        if (run === undefined) {
          run = runOrReuse(el.bp, inputs, deps, env, limit, ctx.host);
          runs.set(k, run);
        }
        outcomes.set(k, await run);
      }),
    );
    for (const el of elements) {
      const k = buildpackKey(el);
      const r = outcomes.get(k);
      if (r === undefined || shown.has(k)) continue;
      shown.add(k);
      showRun(log, el.bp, r);
    }
    const res = resolveGroup(elements, (el) => outcomes.get(buildpackKey(el))?.outcome ?? { kind: "error", reason: "not run" });
    history.push(`group ${gi + 1}: ${elements.map((el) => `${buildpackKey(el)}${el.optional ? " (optional)" : ""}: ${label(outcomes.get(buildpackKey(el))?.outcome)}`).join(", ") || "(empty)"}`);
    if (res.kind !== "pass") {
      history.push(`  ${res.reason}`);
      if (res.kind === "error") anyErrored = true;
      log.debug(history.slice(-2).join("\n"));
      continue;
    }
    const result: DetectResult = {
      group: {
        group: res.group.map((el) => ({
          id: el.bp.id,
          version: el.bp.version,
          api: el.bp.api,
          ...(el.bp.descriptor.buildpack.homepage ? { homepage: el.bp.descriptor.buildpack.homepage } : {}),
        })),
        groupExtensions: [],
      },
      plan: {
        entries: res.plan.map((entry) => ({
          providers: entry.providers.map((p) => ({ id: p.bp.id, version: p.bp.version, extension: false })),
          requires: entry.requires,
        })),
      },
      buildpacks: res.group.map((el) => el.bp),
    };
    showGroup(log, res.group.length, elements.length, result);
    await mkdir(paths.host.layers, { recursive: true });
    // rm first: never write through a link someone left in <layers>.
    for (const [file, text] of [
      ["group.toml", stringifyGroupToml(result.group)],
      ["plan.toml", stringifyPlanToml(result.plan)],
    ] as const) {
      await rm(join(paths.host.layers, file), { force: true, recursive: true });
      await writeFile(join(paths.host.layers, file), text);
    }
    return result;
  }

  if (!log.verbose) log.info(history.join("\n"));
  throw new LifecycleError(anyErrored ? "DETECT_ERRORED" : "DETECT_NO_GROUP", "no buildpack group passed detection", {
    hint: anyErrored
      ? "a buildpack failed with an error (its output is above); fix it or the app, or choose buildpacks with --buildpack"
      : "none of the builder's buildpack groups recognised the app; check --path, or choose buildpacks with --buildpack (--verbose shows each buildpack's detect output)",
  });
}

async function runOrReuse(
  bp: Buildpack,
  inputs: DetectInputs,
  deps: DetectDeps,
  env: PhaseEnvironment,
  limit: <T>(task: () => Promise<T>) => Promise<T>,
  host: (bp: Buildpack) => Promise<HostSession | undefined>,
): Promise<DetectRun> {
  const memo = inputs.outcomes;
  if (memo === undefined) return limit(() => detectOne(bp, inputs, deps, env, { host: () => host(bp) }));
  const kept = await memo.lookup(bp);
  if (kept !== undefined) return { ...kept, reused: true };
  const run = await limit(() => detectOne(bp, inputs, deps, env, { askReads: true, host: () => host(bp) }));
  memo.record(bp, run);
  return run;
}

function label(o: DetectOutcome | undefined): string {
  if (o === undefined) return "not run";
  return o.kind === "error" ? `error (${o.reason})` : o.kind;
}

/** Reads every buildpack the order reaches, composites' components included, each once. */
async function loadReachable(order: Order, store: BuildpackStore): Promise<Map<string, Loaded>> {
  const loaded = new Map<string, Loaded>();
  let frontier: OrderEntry[] = order.flatMap((g) => g.group);
  while (frontier.length > 0) {
    const fresh = frontier.filter((e, i) => !loaded.has(buildpackKey(e)) && frontier.findIndex((f) => buildpackKey(f) === buildpackKey(e)) === i);
    const results = await Promise.all(
      fresh.map((e) =>
        store.lookup(e.id, e.version).then(
          (bp): Loaded => ({ ok: true, bp }),
          (error: unknown): Loaded => ({ ok: false, error }),
        ),
      ),
    );
    frontier = [];
    fresh.forEach((e, i) => {
      const r = results[i] as Loaded;
      loaded.set(buildpackKey(e), r);
      if (r.ok) frontier.push(...r.bp.descriptor.order.flatMap((g) => g.group));
    });
  }
  return loaded;
}

/** Output of errored buildpacks is shown (CNB-7, with why); with --verbose every run's output is. */
function showRun(log: BuildLog, bp: Buildpack, r: DetectRun): void {
  const errored = r.outcome.kind === "error";
  if (!errored && !log.verbose) return;
  const write = log.buildpack(`${bp.title} (detect: ${label(r.outcome)}${r.reused ? ", reused" : ""})`);
  for (const line of r.lines) write(line);
}

function showGroup(log: BuildLog, participating: number, total: number, result: DetectResult): void {
  if (participating !== total) log.info(`${participating} of ${total} buildpacks participating`);
  const width = Math.max(...result.group.group.map((e) => e.id.length));
  for (const e of result.group.group) log.info(`${e.id.padEnd(width)} ${e.version}`);
}
