// `paketo cache`: the work, loaded only when the command runs (the spec is ../cache.ts).
import { cacheBudget, cacheLayout, type CacheScan, paketoCacheRoot, parseDuration, parseSize, pruneCache, readLeases, scanCache, withCacheLock } from "../../../deps/index.js";
import { PaketoError } from "../../../errors/index.js";
import type { CliContext, Values } from "../../command.js";
import { humanBytes } from "../../reporter.js";

export async function run(ctx: CliContext, v: Values, [sub]: string[]): Promise<number | void> {
  const cache = cacheLayout(paketoCacheRoot(ctx.env));
  const budget = cacheBudget(ctx.env);
  if (sub === "du") {
    if (v.all || v["max-size"] !== undefined || v["older-than"] !== undefined) throw new PaketoError("CLI_USAGE", "--all, --max-size and --older-than are options of `paketo cache prune`");
    const scan = await scanCache(cache);
    const live = await withCacheLock(cache, "reading leases", () => readLeases(cache));
    if (v.json) {
      ctx.stdout.write(`${JSON.stringify(duJson(scan, budget, live.live.length))}\n`);
      return;
    }
    ctx.stdout.write(duTable(scan, budget, live.live.map((l) => `pid ${l.pid}: ${l.what}`)));
    return;
  }
  if (sub !== "prune") throw new PaketoError("CLI_USAGE", `unknown cache command ${JSON.stringify(sub)}`, { hint: "paketo cache du | paketo cache prune" });
  const maxSize = typeof v["max-size"] === "string" ? parseSize(v["max-size"], "--max-size") : undefined;
  const olderThan = typeof v["older-than"] === "string" ? parseDuration(v["older-than"], "--older-than") : undefined;
  const all = v.all === true;
  if (all && (maxSize !== undefined || olderThan !== undefined)) throw new PaketoError("CLI_USAGE", "--all removes every entry: it takes no --max-size or --older-than");
  const r = await pruneCache(cache, {
    thorough: true,
    all,
    ...(olderThan !== undefined ? { olderThanMs: olderThan } : {}),
    // Without a limit of its own, prune keeps the cache within the budget the builds keep.
    ...(maxSize !== undefined ? { maxBytes: maxSize } : !all && olderThan === undefined && budget !== undefined ? { maxBytes: budget } : {}),
  });
  if (v.json) {
    ctx.stdout.write(`${JSON.stringify({ root: cache.root, ...r })}\n`);
    return;
  }
  const inUse = r.inUseBytes > 0 ? `; kept ${humanBytes(r.inUseBytes)} that ${r.liveProcesses} running paketo process(es) use` : "";
  ctx.stdout.write(`Removed ${r.removed} entries, freed ${humanBytes(r.freedBytes)}; the cache now holds ${humanBytes(r.afterBytes)}${inUse}\n`);
}

function duJson(scan: CacheScan, budget: number | undefined, liveProcesses: number) {
  return {
    root: scan.root,
    bytes: scan.bytes,
    budget: budget ?? null,
    liveProcesses,
    parts: scan.parts.filter((p) => p.unit !== "internal").map((p) => ({ name: p.name, dir: p.dir, what: p.what, entries: p.entries, bytes: p.bytes, ...(p.linked ? { linked: true } : {}) })),
    leftovers: { entries: scan.garbage.length, bytes: scan.garbage.reduce((a, g) => a + g.bytes, 0) },
    other: scan.other,
  };
}

function duTable(scan: CacheScan, budget: number | undefined, live: string[]): string {
  const rows = scan.parts
    .filter((p) => p.unit !== "internal")
    .map((p) => [p.dir + (p.unit === "state" ? "" : "/"), p.linked ? "" : String(p.entries), p.linked ? "" : humanBytes(p.bytes), p.linked ? `${p.what} (a link to another cache's: not counted, never pruned)` : p.what]);
  const leftover = scan.garbage.reduce((a, g) => a + g.bytes, 0);
  if (scan.garbage.length > 0) rows.push(["(leftovers)", String(scan.garbage.length), humanBytes(leftover), "temps and work folders of processes that are gone: removed by prune"]);
  for (const o of scan.other) rows.push([`${o.name} *`, "", humanBytes(o.bytes), "not a part of this paketo's cache: left alone"]);
  const head = ["PART", "ENTRIES", "SIZE", "WHAT"];
  const w = [0, 1, 2].map((i) => Math.max(head[i]?.length ?? 0, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (r: string[]) => `${(r[0] ?? "").padEnd(w[0] ?? 0)}  ${(r[1] ?? "").padStart(w[1] ?? 0)}  ${(r[2] ?? "").padStart(w[2] ?? 0)}  ${r[3] ?? ""}`.trimEnd();
  const out = [`${scan.root}`, line(head), ...rows.map(line)];
  out.push(`total ${humanBytes(scan.bytes)}, ${budget === undefined ? "no budget (PAKETO_CACHE_MAX=off)" : `budget ${humanBytes(budget)} (PAKETO_CACHE_MAX)`}`);
  if (live.length > 0) out.push(`in use by: ${live.join(", ")}`);
  return `${out.join("\n")}\n`;
}
