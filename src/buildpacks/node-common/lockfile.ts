// Lockfiles: a first check that they are readable (so a broken one fails with its name and the
// cause before any install), and the integrity each one records per package, for the SBOM.
import { NodeError } from "./errors.js";

export type LockfileKind = "package-lock.json" | "npm-shrinkwrap.json" | "yarn.lock" | "pnpm-lock.yaml";

/** `name@version` → SRI integrity (`sha512-...`), as the lockfile records it. */
export type IntegrityMap = Map<string, string>;

/** A yarn.lock is berry's (v2+) when it carries `__metadata`; classic's starts with `# yarn lockfile v1`. */
export function isBerryLockfile(text: string): boolean {
  return /^__metadata:/m.test(text);
}

/** Throws NODE_LOCKFILE naming the file when the lockfile cannot be what it claims to be. */
export function checkLockfile(kind: LockfileKind, text: string, shownName: string): void {
  const broken = (cause: string, hint?: string): never => {
    throw new NodeError("NODE_LOCKFILE", `${shownName} is broken: ${cause}`, { hint: hint ?? `regenerate it with the package manager and commit it` });
  };
  if (kind === "package-lock.json" || kind === "npm-shrinkwrap.json") {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      broken(`not valid JSON (${(e as Error).message})`, "run `npm install` to regenerate it, then commit it");
    }
    if (typeof v !== "object" || v === null || typeof (v as { lockfileVersion?: unknown }).lockfileVersion !== "number") {
      broken("it has no lockfileVersion", "run `npm install` to regenerate it, then commit it");
    }
    return;
  }
  if (kind === "pnpm-lock.yaml") {
    const first = text.split(/\r?\n/).find((l) => l.trim() !== "" && !l.startsWith("#") && !l.startsWith("---"));
    if (first === undefined) return; // empty: pnpm treats it as absent
    if (!/^lockfileVersion:\s*['"]?\d+(\.\d+)?['"]?\s*$/.test(first)) broken(`the first entry is ${JSON.stringify(first.slice(0, 60))}, not lockfileVersion`, "run `pnpm install` to regenerate it, then commit it");
    return;
  }
  // yarn.lock: entries (`"a@^1", a@^1.2:`, berry's `"a@npm:1.0.0":`) at column 0, indented fields below.
  const spec = `("[^"]*"|[^\\s"{}\\[\\],]+)`;
  const entry = new RegExp(`^${spec}(,\\s*${spec})*:\\s*$`);
  const field = new RegExp(`^\\s+(${spec}(:.*|\\s+\\S.*)?|-\\s.*)$`);
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    if (!(/^\s/.test(line) ? field : entry).test(line)) {
      broken(`line ${i + 1} is neither an entry nor a field: ${JSON.stringify(line.slice(0, 60))}`, "run `yarn install` to regenerate it, then commit it");
    }
  }
}

/** The lockfileVersion of a pnpm-lock.yaml ("9.0", "6.0", "5.4"), or undefined. */
export function pnpmLockfileVersion(text: string): string | undefined {
  return /^lockfileVersion:\s*['"]?([\d.]+)['"]?/m.exec(text)?.[1];
}

/** Integrity by `name@version` from a lockfile's text; empty for formats that record none (yarn berry's checksums are of its own zips). */
export function lockfileIntegrity(kind: LockfileKind, text: string): IntegrityMap {
  const out: IntegrityMap = new Map();
  try {
    if (kind === "package-lock.json" || kind === "npm-shrinkwrap.json") npmIntegrity(JSON.parse(text) as NpmLock, out);
    else if (kind === "yarn.lock") {
      if (!isBerryLockfile(text)) yarnClassicIntegrity(text, out);
    } else pnpmIntegrity(text, out);
  } catch {
    // a lockfile the package manager accepted but we cannot read: no integrity in the SBOM
  }
  return out;
}

interface NpmLockEntry {
  name?: string;
  version?: string;
  integrity?: string;
  dependencies?: Record<string, NpmLockEntry>;
}
interface NpmLock {
  packages?: Record<string, NpmLockEntry>;
  dependencies?: Record<string, NpmLockEntry>;
}

function npmIntegrity(lock: NpmLock, out: IntegrityMap): void {
  for (const [path, e] of Object.entries(lock.packages ?? {})) {
    const at = path.lastIndexOf("node_modules/");
    if (at < 0 || !e.version || !e.integrity) continue;
    out.set(`${e.name ?? path.slice(at + "node_modules/".length)}@${e.version}`, e.integrity);
  }
  const v1 = (deps: Record<string, NpmLockEntry> | undefined): void => {
    for (const [name, e] of Object.entries(deps ?? {})) {
      if (e.version && e.integrity) out.set(`${name}@${e.version}`, e.integrity);
      v1(e.dependencies);
    }
  };
  v1(lock.dependencies);
}

function yarnClassicIntegrity(text: string, out: IntegrityMap): void {
  let name: string | undefined;
  let version: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (/^\S/.test(line) && !line.startsWith("#")) {
      const first = line.replace(/:\s*$/, "").split(",")[0]!.trim().replace(/^"|"$/g, "");
      name = first.slice(0, first.lastIndexOf("@") > 0 ? first.lastIndexOf("@") : undefined);
      version = undefined;
    } else if (name !== undefined) {
      const m = /^\s+(version|integrity)\s+"?([^"\s]+)"?/.exec(line);
      if (m?.[1] === "version") version = m[2];
      else if (m?.[1] === "integrity" && version !== undefined) out.set(`${name}@${version}`, m[2]!);
    }
  }
}

function pnpmIntegrity(text: string, out: IntegrityMap): void {
  // `  is-number@7.0.0:` (v9), `  /is-number@7.0.0:` (v6), `  /is-number/7.0.0:` (v5), with a
  // `resolution: {integrity: ...}` line below; peer suffixes `(react@18.0.0)` are dropped.
  const re = /^ {2}['"]?\/?((?:@[^@/\s'"]+\/)?[^@/\s'"(]+)[@/]([^:('"\s]+)[^:\n]*['"]?:\s*\n(?: {4}.*\n)*? {4}resolution:\s*\{[^}]*integrity:\s*([^,}\s]+)/gm;
  for (const m of text.matchAll(re)) out.set(`${m[1]}@${m[2]}`, m[3]!);
}
