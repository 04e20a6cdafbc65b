// Where a stack's packages come from: the lockfile when it is current, else a fresh resolution
// against the archive's signed index; and the verified .debs, from the cache or the mirror.
import { debian } from "../deps/index.js";
import type { OnProgress } from "../oci/index.js";
import { StackError } from "./errors.js";
import { flavorInputs, type LockedFlavor, readLockFile, type StackLock } from "./lockfile.js";
import { resolveFlavors } from "./resolve.js";
import { FLAVORS, type StackDefinition } from "./stack-file.js";

/** What finding the packages needs (a subset of CreateStackOptions). */
export interface SourceOptions {
  def: StackDefinition;
  lockPath: string;
  arch: string;
  update?: boolean;
  mirrors?: debian.Mirrors;
  aptRoot?: string;
  http: debian.HttpOptions;
  debCacheDir: string;
  verifier?: debian.ArchiveOptions["verifier"];
  requireSignature?: boolean;
  onProgress?: OnProgress;
}

/** The lock to build from: the file's when it is current, else a fresh resolution. */
export async function lockFor(opts: SourceOptions, say: (m: string) => void): Promise<{ lock: StackLock; resolved: boolean }> {
  const { def, arch } = opts;
  const existing = await readLockFile(opts.lockPath);
  if (existing && existing.stack !== def.id) {
    throw new StackError("STACK_LOCK", `${opts.lockPath} is a lock for ${existing.stack}, not ${def.id}`, { hint: "pass the lock of this stack with --lock, or --update to write a new one" });
  }
  const section = existing?.architectures[arch];
  if (section && !opts.update) {
    const stale = FLAVORS.filter((f) => section[f]?.inputs !== flavorInputs(def, arch, f));
    if (stale.length === 0) return { lock: existing as StackLock, resolved: false };
    throw new StackError("STACK_LOCK", `${opts.lockPath} is out of date for ${arch}: the stack file changed the packages of ${stale.join(", ")}`, {
      hint: "run `paketo stack create --update` to re-resolve and rewrite the lock",
    });
  }
  const mirrors = opts.mirrors ?? debian.mirrorsFromAptSources(await debian.readAptSources(opts.aptRoot ?? "/"));
  say(`resolving ${def.distro.suites.join(", ")} (${arch}) from ${mirrors.archive}`);
  const index = await debian.loadPackageIndex({
    suites: def.distro.suites,
    components: def.distro.components,
    architecture: arch,
    mirrors,
    cacheDir: opts.debCacheDir,
    http: opts.http,
    logger: { warn: (m) => say(`warning: ${m}`) },
    ...(opts.verifier ? { verifier: opts.verifier } : {}),
    ...(opts.requireSignature !== undefined ? { requireSignature: opts.requireSignature } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  const r = resolveFlavors(def, arch, index);
  for (const f of FLAVORS) {
    for (const s of r[f].skipped) say(`${f}: left out ${s.dependency} (needed by ${s.requiredBy}; excluded: ${s.excluded.join(", ")})`);
  }
  say(`locked ${r.build.packages.length} build, ${r.base.packages.length} base and ${r.tiny.packages.length} tiny packages`);
  const lock: StackLock = { stack: def.id, architectures: { ...existing?.architectures } };
  lock.architectures[arch] = { build: strip(r.build), base: strip(r.base), tiny: strip(r.tiny) };
  return { lock, resolved: true };
}

function strip(f: LockedFlavor): LockedFlavor {
  return { inputs: f.inputs, packages: f.packages };
}

/** The verified .debs, by SHA-256: from the cache, or downloaded (by pinned file and hash). */
export async function fetchDebs(opts: SourceOptions, pkgs: readonly debian.LockedPackage[], say: (m: string) => void): Promise<{ debs: Map<string, debian.CachedPackage>; downloaded: number }> {
  const unique = [...new Map(pkgs.map((p) => [p.sha256, p])).values()];
  const cache = new debian.ContentCache(opts.debCacheDir);
  const missing: debian.LockedPackage[] = [];
  for (const p of unique) if (!(await cache.has(p))) missing.push(p);
  let mirrors: debian.Mirrors | undefined;
  if (missing.length > 0) {
    mirrors = opts.mirrors ?? debian.mirrorsFromAptSources(await debian.readAptSources(opts.aptRoot ?? "/"));
    say(`downloading ${missing.length} packages (${(missing.reduce((n, p) => n + p.size, 0) / 1e6).toFixed(1)} MB) from ${mirrors.archive}`);
  }
  let got: debian.CachedPackage[];
  try {
    got = await debian.fetchPackages(unique, {
      cacheDir: opts.debCacheDir,
      http: opts.http,
      ...(mirrors ? { mirrors } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
  } catch (e) {
    if (e instanceof debian.HttpStatusError && e.status === 404 && mirrors) {
      const gone = missing.find((p) => e.message.includes(p.filename));
      throw new StackError("STACK_PACKAGE_GONE", `${gone ? `${gone.name} ${gone.version}` : "a locked package"} is no longer on the mirror: ${e.message}`, {
        cause: e,
        hint: "Debian removes superseded versions from its archive; run `paketo stack create --update` to re-resolve the lock against the current index",
      });
    }
    throw e;
  }
  return { debs: new Map(got.map((g) => [g.pkg.sha256, g])), downloaded: got.filter((g) => g.downloaded).length };
}
