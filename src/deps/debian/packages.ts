// Packages indexes: one stanza per binary package. Split streaming; a stanza is parsed (line by
// line, keeping the fields the resolver and the lockfile need plus its raw text) only when needed.
import { DepsError } from "../errors.js";

export interface BinaryPackage {
  name: string;
  version: string;
  architecture: string;
  /** Path of the .deb relative to the archive root, e.g. `pool/main/z/zlib/zlib1g_…_amd64.deb`. */
  filename: string;
  size: number;
  /** Lowercase hex SHA-256 of the .deb. */
  sha256: string;
  depends?: string;
  preDepends?: string;
  provides?: string;
  multiArch?: string;
  /** The source package name. */
  source?: string;
  /** The source package version, when it differs from `version`. */
  sourceVersion?: string;
  priority?: string;
  essential: boolean;
  section?: string;
  installedSize?: number;
  /** The synopsis: the first line of Description. */
  description?: string;
  /** The raw stanza text, as the index has it. */
  control: string;
  /** The suite and component whose index listed it (the suite picks the mirror it downloads from). */
  suite: string;
  component: string;
}

export interface IndexOrigin {
  suite: string;
  component: string;
  /** For messages: the index file, e.g. `trixie main/binary-amd64/Packages.xz`. */
  where: string;
}

/**
 * Splits a Packages index (a stream of decompressed bytes) into stanzas, calling `onStanza` with
 * each stanza's text. Cheap: one native scan for blank lines, one decode per stanza.
 */
export async function splitStanzas(source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>, onStanza: (stanza: string) => void): Promise<number> {
  let carry: Buffer = Buffer.alloc(0);
  let count = 0;
  const emit = (b: Buffer, start: number, end: number) => {
    while (start < end && b[start] === 10) start++;
    if (start >= end) return;
    onStanza(b.toString("utf8", start, end));
    count++;
  };
  for await (const chunk of source) {
    const buf = carry.length ? Buffer.concat([carry, toBuffer(chunk)]) : toBuffer(chunk);
    let start = 0;
    for (;;) {
      const end = buf.indexOf("\n\n", start);
      if (end < 0) break;
      emit(buf, start, end + 1);
      start = end + 2;
    }
    carry = buf.subarray(start);
  }
  emit(carry, 0, carry.length);
  return count;
}

function toBuffer(c: Buffer | string): Buffer {
  return typeof c === "string" ? Buffer.from(c) : c;
}

// Field slots, looked up by the first character and length of a field name, so that the lines
// we skip (most of them) cost no allocation at all.
const FIELDS = [
  "Package", "Version", "Architecture", "Filename", "Size", "SHA256", "Depends", "Pre-Depends",
  "Provides", "Multi-Arch", "Source", "Priority", "Essential", "Section", "Installed-Size", "Description",
] as const;
type Field = (typeof FIELDS)[number];
const SLOT = Object.fromEntries(FIELDS.map((f, i) => [f, i])) as Record<Field, number>;
const BY_FIRST: Array<Array<[string, number]> | undefined> = [];
for (const [i, f] of FIELDS.entries()) (BY_FIRST[f.charCodeAt(0)] ??= []).push([`${f}:`, i]);

/** Parses one stanza (exported for tests and for status files built from an index). */
export function parseStanza(stanza: string, origin: IndexOrigin): BinaryPackage {
  const v: Array<string | undefined> = new Array(FIELDS.length);
  let pos = 0;
  const len = stanza.length;
  while (pos < len) {
    let nl = stanza.indexOf("\n", pos);
    if (nl < 0) nl = len;
    const candidates = BY_FIRST[stanza.charCodeAt(pos)];
    if (candidates) {
      for (const [prefix, slot] of candidates) {
        if (stanza.startsWith(prefix, pos)) {
          v[slot] = stanza.slice(pos + prefix.length, nl).trim();
          break;
        }
      }
    }
    pos = nl + 1;
  }
  const get = (k: Field): string | undefined => v[SLOT[k]] || undefined;
  const need = (k: Field): string => {
    const x = get(k);
    if (x === undefined) {
      throw new DepsError(
        "DEBIAN_INDEX",
        `package ${get("Package") ?? "(unnamed)"} in ${origin.where} has no ${k} field`,
        { hint: "the index is malformed or truncated; clear the cache entry and retry" },
      );
    }
    return x;
  };
  const version = need("Version");
  const size = Number(need("Size"));
  const pkg: BinaryPackage = {
    name: need("Package"),
    version,
    architecture: need("Architecture"),
    filename: need("Filename"),
    size,
    sha256: need("SHA256"),
    essential: get("Essential") === "yes",
    control: stanza,
    suite: origin.suite,
    component: origin.component,
  };
  if (!Number.isSafeInteger(size) || pkg.sha256.length !== 64 || !HEX64.test(pkg.sha256)) {
    throw new DepsError("DEBIAN_INDEX", `package ${pkg.name} in ${origin.where} has a malformed Size or SHA256`);
  }
  const depends = get("Depends");
  if (depends) pkg.depends = depends;
  const pre = get("Pre-Depends");
  if (pre) pkg.preDepends = pre;
  const provides = get("Provides");
  if (provides) pkg.provides = provides;
  const ma = get("Multi-Arch");
  if (ma) pkg.multiArch = ma;
  const priority = get("Priority");
  if (priority) pkg.priority = priority;
  const section = get("Section");
  if (section) pkg.section = section;
  const description = get("Description");
  if (description) pkg.description = description;
  const installed = get("Installed-Size");
  if (installed) pkg.installedSize = Number(installed);
  const src = get("Source");
  if (src) {
    const sp = src.indexOf(" ");
    pkg.source = sp < 0 ? src : src.slice(0, sp);
    const m = sp < 0 ? undefined : /\((\S+)\)/.exec(src);
    if (m?.[1] && m[1] !== version) pkg.sourceVersion = m[1];
  }
  return pkg;
}

const HEX64 = /^[a-f0-9]{64}$/;
