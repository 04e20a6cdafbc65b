// The merged view of one or more Packages indexes (say trixie + trixie-updates + trixie-security)
// for one architecture: every version of every package, highest first, and who provides what.
// Stanzas are kept as text and parsed on first use: a resolution touches a few hundred of the
// ~70,000 packages, so loading an index costs little more than splitting it.
import { compareVersions } from "./version.js";
import { parseRelations } from "./relation.js";
import { parseStanza, type BinaryPackage, type IndexOrigin } from "./packages.js";

export interface Provider {
  pkg: BinaryPackage;
  /** The provided version (`Provides: libgcc1 (= 1:14.2.0-19)`), if the provide is versioned. */
  version?: string;
}

interface Entry {
  stanza: string;
  origin: IndexOrigin;
}

export class PackageIndex {
  private readonly entries = new Map<string, Entry[]>();
  private readonly parsed = new Map<string, readonly BinaryPackage[]>();
  private providerEntries: Map<string, Array<{ name: string; stanza: string }>> | undefined;
  private readonly providersParsed = new Map<string, readonly Provider[]>();

  constructor(
    /** The native architecture; `all` packages are always included too. */
    readonly architecture: string,
    /** Suites in the order given (for messages). */
    readonly suites: readonly string[],
    readonly components: readonly string[],
  ) {}

  /** Adds one stanza of a Packages index (parsed later, when the package is looked at). */
  addStanza(stanza: string, origin: IndexOrigin): void {
    const name = stanzaName(stanza);
    if (!name) return;
    const list = this.entries.get(name);
    if (list) list.push({ stanza, origin });
    else this.entries.set(name, [{ stanza, origin }]);
    this.parsed.delete(name);
    this.providerEntries = undefined;
    this.providersParsed.clear();
  }

  /**
   * Every version of a real package for this architecture, highest first. The same version
   * listed by two suites (the same file) appears once, from the first suite that listed it.
   */
  versions(name: string): readonly BinaryPackage[] {
    let list = this.parsed.get(name);
    if (!list) {
      const out: BinaryPackage[] = [];
      for (const e of this.entries.get(name) ?? []) {
        const p = parseStanza(e.stanza, e.origin);
        if (p.architecture !== this.architecture && p.architecture !== "all") continue;
        if (out.some((q) => q.version === p.version)) continue;
        out.push(p);
      }
      list = out.length > 1 ? out.sort((a, b) => compareVersions(b.version, a.version)) : out;
      this.parsed.set(name, list);
    }
    return list;
  }

  /** The candidate version: the highest across all suites (apt's default policy for one origin). */
  candidate(name: string): BinaryPackage | undefined {
    return this.versions(name)[0];
  }

  /** Packages (any version) whose Provides names `name`. */
  providers(name: string): readonly Provider[] {
    let list = this.providersParsed.get(name);
    if (list) return list;
    this.providerEntries ??= this.scanProvides();
    const out: Provider[] = [];
    for (const { name: pname, stanza } of this.providerEntries.get(name) ?? []) {
      const pkg = this.versions(pname).find((p) => p.control === stanza);
      if (!pkg) continue;
      for (const g of parseRelations(pkg.provides, `Provides of ${pkg.name}`)) {
        for (const r of g) {
          if (r.name !== name) continue;
          out.push(r.op === "=" && r.version ? { pkg, version: r.version } : { pkg });
        }
      }
    }
    list = out;
    this.providersParsed.set(name, list);
    return list;
  }

  names(): IterableIterator<string> {
    return this.entries.keys();
  }

  /** The number of package names. */
  get size(): number {
    return this.entries.size;
  }

  /** `trixie, trixie-updates (main, amd64)`, for messages. */
  describe(): string {
    return `${this.suites.join(", ")} (${this.components.join(", ")}, ${this.architecture})`;
  }

  /** Virtual name → stanzas that provide it, from each stanza's Provides line alone. */
  private scanProvides(): Map<string, Array<{ name: string; stanza: string }>> {
    const m = new Map<string, Array<{ name: string; stanza: string }>>();
    for (const [name, list] of this.entries) {
      for (const { stanza } of list) {
        const i = stanza.indexOf("\nProvides:");
        if (i < 0) continue;
        const end = stanza.indexOf("\n", i + 1);
        const line = stanza.slice(i + 10, end < 0 ? undefined : end);
        for (const part of line.split(",")) {
          const v = /^\s*([A-Za-z0-9][A-Za-z0-9+.-]*)/.exec(part)?.[1];
          if (!v) continue;
          const l = m.get(v);
          if (l) l.push({ name, stanza });
          else m.set(v, [{ name, stanza }]);
        }
      }
    }
    return m;
  }
}

/** The Package field of a stanza (normally its first line). */
function stanzaName(stanza: string): string | undefined {
  let i = stanza.startsWith("Package:") ? 0 : stanza.indexOf("\nPackage:");
  if (i < 0) return undefined;
  i += i === 0 ? 8 : 9;
  let end = stanza.indexOf("\n", i);
  if (end < 0) end = stanza.length;
  return stanza.slice(i, end).trim() || undefined;
}
