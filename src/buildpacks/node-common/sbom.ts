// The packages installed in a node_modules tree (npm's nested layout, yarn's, pnpm's .pnpm store
// layout), and their SBOM: CycloneDX and SPDX JSON through the sbom module, in a fixed order.
import { lstat, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { type Component, type Hash, type HashAlgorithm, purl, type SbomDocument, toCycloneDx, toSpdx } from "../../sbom/index.js";
import type { IntegrityMap } from "./lockfile.js";
import type { Env } from "./project.js";

export interface InstalledPackage {
  name: string;
  version: string;
  /** Declared licenses from its package.json (`license`, or the old `licenses` list). */
  licenses: string[];
  /** Where it is, relative to the node_modules dir walked (the first copy found). */
  path: string;
}

async function readManifest(dir: string): Promise<{ name?: unknown; version?: unknown; license?: unknown; licenses?: unknown } | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function licensesOf(m: { license?: unknown; licenses?: unknown }): string[] {
  const one = (l: unknown): string | undefined => {
    if (typeof l === "string") return l.trim() || undefined;
    if (typeof l === "object" && l !== null && typeof (l as { type?: unknown }).type === "string") return (l as { type: string }).type.trim() || undefined;
    return undefined;
  };
  const all = [one(m.license), ...(Array.isArray(m.licenses) ? m.licenses.map(one) : [])];
  return [...new Set(all.filter((l): l is string => l !== undefined))];
}

async function entries(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

/**
 * Every package in `nodeModules`, nested ones included, each `name@version` once (the first copy
 * in path order). Symbolic links are not followed: in npm and yarn trees they are workspace
 * members (the app's own code); pnpm's top-level links point into `.pnpm`, which is walked instead.
 */
export async function listPackages(nodeModules: string): Promise<InstalledPackage[]> {
  const found = new Map<string, InstalledPackage>();
  const pkg = async (dir: string, rel: string, fallbackName: string): Promise<void> => {
    const st = await lstat(dir).catch(() => undefined);
    if (!st?.isDirectory()) return;
    const m = await readManifest(dir);
    if (m && typeof m.version === "string") {
      const name = typeof m.name === "string" && m.name !== "" ? m.name : fallbackName;
      const key = `${name}@${m.version}`;
      if (!found.has(key)) found.set(key, { name, version: m.version, licenses: licensesOf(m), path: rel });
    }
    await tree(join(dir, "node_modules"), `${rel}/node_modules`);
  };
  const tree = async (dir: string, rel: string): Promise<void> => {
    for (const name of await entries(dir)) {
      if (name === ".pnpm") {
        for (const id of await entries(join(dir, name))) {
          if (id !== "node_modules" && !id.startsWith(".")) await tree(join(dir, name, id, "node_modules"), `${rel}/.pnpm/${id}/node_modules`);
        }
      } else if (name.startsWith(".")) {
        continue; // .bin, .cache, .package-lock.json, .yarn-state.yml, .modules.yaml
      } else if (name.startsWith("@")) {
        for (const sub of await entries(join(dir, name))) await pkg(join(dir, name, sub), `${rel}/${name}/${sub}`, `${name}/${sub}`);
      } else {
        await pkg(join(dir, name), `${rel}/${name}`, name);
      }
    }
  };
  await tree(nodeModules, "node_modules");
  return [...found.values()].sort((a, b) => (a.name === b.name ? (a.version < b.version ? -1 : 1) : a.name < b.name ? -1 : 1));
}

const SRI_ALG: Record<string, HashAlgorithm> = { sha512: "SHA-512", sha256: "SHA-256", sha1: "SHA-1" };

/** SRI (`sha512-<base64>`, possibly several) → the sbom model's hex hash: the strongest one it carries. */
export function hashFromIntegrity(sri: string): Hash | undefined {
  let best: { rank: number; hash: Hash } | undefined;
  for (const part of sri.trim().split(/\s+/)) {
    const m = /^(sha512|sha256|sha1)-([A-Za-z0-9+/=]+)$/.exec(part);
    if (!m) continue;
    const rank = ["sha1", "sha256", "sha512"].indexOf(m[1]!);
    if (best === undefined || rank > best.rank) best = { rank, hash: { alg: SRI_ALG[m[1]!]!, content: Buffer.from(m[2]!, "base64").toString("hex") } };
  }
  return best?.hash;
}

export function packageComponent(p: InstalledPackage, integrity: IntegrityMap): Component {
  let id: string | undefined;
  try {
    id = purl.npm(p.name, p.version);
  } catch {
    id = undefined; // a name the purl spec cannot hold (a git dependency's odd name): no purl
  }
  const sri = integrity.get(`${p.name}@${p.version}`);
  const hash = sri === undefined ? undefined : hashFromIntegrity(sri);
  return {
    type: "library",
    name: p.name,
    version: p.version,
    ...(id === undefined ? {} : { purl: id }),
    ...(p.licenses.length ? { licenses: p.licenses } : {}),
    ...(hash ? { hashes: [hash] } : {}),
  };
}

/** The document's time: SOURCE_DATE_EPOCH, else the fixed time reproducible images carry (1980-01-01T00:00:01Z). */
export function sbomTime(env: Env): Date {
  const epoch = Number(env.SOURCE_DATE_EPOCH);
  return Number.isFinite(epoch) && env.SOURCE_DATE_EPOCH !== undefined && env.SOURCE_DATE_EPOCH !== "" ? new Date(epoch * 1000) : new Date(Date.UTC(1980, 0, 1, 0, 0, 1));
}

export interface ModulesSbomOptions {
  /** The app (package.json name and version): the document's subject. */
  app: { name?: string; version?: string };
  tool: { name: string; version: string };
  env: Env;
}

/** CycloneDX and SPDX JSON of the packages, deterministic for the same tree. */
export function modulesSbom(packages: readonly InstalledPackage[], integrity: IntegrityMap, opts: ModulesSbomOptions): { cyclonedx: string; spdx: string } {
  const appName = opts.app.name && opts.app.name !== "" ? opts.app.name : "app";
  const doc: SbomDocument = {
    name: `${appName} node_modules`,
    timestamp: sbomTime(opts.env),
    tool: opts.tool,
    subject: { type: "application", name: appName, ...(opts.app.version ? { version: opts.app.version } : {}), ref: `app/${appName}` },
    components: packages.map((p) => packageComponent(p, integrity)),
  };
  return { cyclonedx: toCycloneDx(doc), spdx: toSpdx(doc) };
}
