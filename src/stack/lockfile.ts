// The stack lockfile: per architecture and flavor, the exact packages (name, version, file,
// SHA-256, size, suite) an image is made of. Same lock, same image digests.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "../fs/index.js";
import { parse as parseToml, TomlError } from "smol-toml";
import type { debian } from "../deps/index.js";
import { StackError } from "./errors.js";
import { FLAVORS, type FlavorName, type StackDefinition } from "./stack-file.js";

export const LOCK_VERSION = 1;

export interface LockedFlavor {
  /**
   * Hash of what the stack file asks for this flavor (suites, components, architecture, packages,
   * exclusions). A lock whose inputs differ from the stack file's is out of date.
   */
  inputs: string;
  /** The whole closure, sorted by name. For build: the base packages too. */
  packages: debian.LockedPackage[];
}

export interface StackLock {
  /** The stack id the lock was made for. */
  stack: string;
  /** architecture → flavor → packages. */
  architectures: Record<string, Partial<Record<FlavorName, LockedFlavor>>>;
}

/** What the stack file asks of a flavor, as a hash: the lock records it to notice edits. */
export function flavorInputs(def: StackDefinition, arch: string, flavor: FlavorName): string {
  const sel = (f: FlavorName) => ({ packages: [...def.flavors[f].packages].sort(), exclude: [...def.flavors[f].exclude].sort() });
  const v = {
    suites: def.distro.suites,
    components: def.distro.components,
    arch,
    flavor: sel(flavor),
    ...(flavor === "build" ? { base: sel("base") } : {}),
  };
  return `sha256:${createHash("sha256").update(JSON.stringify(v)).digest("hex")}`;
}

/** Reads a lockfile; undefined when it does not exist. */
export async function readLockFile(path: string): Promise<StackLock | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new StackError("STACK_LOCK", `cannot read the lockfile ${path}`, { cause: e });
  }
  return parseLock(text, path);
}

/** Writes a lockfile atomically (a temporary file renamed over it). */
export async function writeLockFile(path: string, lock: StackLock): Promise<void> {
  try {
    await writeFileAtomic(path, formatLock(lock), { durable: true });
  } catch (e) {
    throw new StackError("STACK_LOCK", `cannot write the lockfile ${path}`, { cause: e });
  }
}

export function parseLock(text: string, what: string): StackLock {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    const line = e instanceof TomlError ? ` (line ${e.line})` : "";
    throw new StackError("STACK_LOCK", `${what} is not valid TOML${line}: ${(e as Error).message.split("\n")[0]}`, { cause: e });
  }
  const bad = (why: string) =>
    new StackError("STACK_LOCK", `${what}: ${why}`, { hint: "regenerate it with `paketo stack create --update`" });
  if (doc["lock-version"] !== LOCK_VERSION) throw bad(`lock-version is ${JSON.stringify(doc["lock-version"])}, this paketo reads ${LOCK_VERSION}`);
  if (typeof doc.stack !== "string") throw bad("stack is missing");
  const lock: StackLock = { stack: doc.stack, architectures: {} };
  for (const [arch, v] of Object.entries(doc)) {
    if (arch === "lock-version" || arch === "stack") continue;
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw bad(`${arch} is not a table of flavors`);
    const flavors: Partial<Record<FlavorName, LockedFlavor>> = {};
    for (const [flavor, f] of Object.entries(v as Record<string, unknown>)) {
      if (!(FLAVORS as readonly string[]).includes(flavor)) throw bad(`${arch}.${flavor} is not a flavor (${FLAVORS.join(", ")})`);
      const t = f as { inputs?: unknown; packages?: unknown };
      if (typeof t?.inputs !== "string" || !Array.isArray(t.packages)) throw bad(`${arch}.${flavor} needs inputs and packages`);
      flavors[flavor as FlavorName] = {
        inputs: t.inputs,
        packages: t.packages.map((p, i) => lockedPackage(p, `${arch}.${flavor}.packages[${i}]`, bad)),
      };
    }
    lock.architectures[arch] = flavors;
  }
  return lock;
}

function lockedPackage(v: unknown, at: string, bad: (why: string) => StackError): debian.LockedPackage {
  const p = v as Record<string, unknown>;
  const str = (k: string) => {
    if (typeof p?.[k] !== "string" || p[k] === "") throw bad(`${at}.${k} is missing`);
    return p[k] as string;
  };
  const size = p?.size;
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) throw bad(`${at}.size is not a byte count`);
  const sha256 = str("sha256");
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw bad(`${at}.sha256 is not a lowercase hex SHA-256`);
  const out: debian.LockedPackage = {
    name: str("name"),
    version: str("version"),
    architecture: str("architecture"),
    filename: str("filename"),
    sha256,
    size,
    suite: str("suite"),
  };
  if (typeof p.source === "string") out.source = p.source;
  if (typeof p["source-version"] === "string") out.sourceVersion = p["source-version"];
  return out;
}

/** The lock as TOML: one line per package, so a diff of two locks reads as a package diff. */
export function formatLock(lock: StackLock): string {
  const out = [
    "# The exact packages of each image of the stack, per architecture. Same lock, same image digests.",
    "# Written by `paketo stack create --update`; do not edit by hand.",
    `lock-version = ${LOCK_VERSION}`,
    `stack = ${q(lock.stack)}`,
  ];
  for (const arch of Object.keys(lock.architectures).sort()) {
    const flavors = lock.architectures[arch] ?? {};
    for (const flavor of FLAVORS) {
      const f = flavors[flavor];
      if (!f) continue;
      out.push("", `[${arch}.${flavor}]`, `inputs = ${q(f.inputs)}`, "packages = [");
      for (const p of f.packages) {
        const fields = [
          `name = ${q(p.name)}`,
          `version = ${q(p.version)}`,
          `architecture = ${q(p.architecture)}`,
          `suite = ${q(p.suite)}`,
          ...(p.source ? [`source = ${q(p.source)}`] : []),
          ...(p.sourceVersion ? [`source-version = ${q(p.sourceVersion)}`] : []),
          `filename = ${q(p.filename)}`,
          `size = ${p.size}`,
          `sha256 = ${q(p.sha256)}`,
        ];
        out.push(`  { ${fields.join(", ")} },`);
      }
      out.push("]");
    }
  }
  return `${out.join("\n")}\n`;
}

/** A TOML basic string. */
function q(s: string): string {
  return `"${s.replace(/[\\"\u0000-\u001f\u007f]/g, (c) => (c === "\\" || c === '"' ? `\\${c}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`))}"`;
}
