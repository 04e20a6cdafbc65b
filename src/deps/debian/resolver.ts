// Dependency closure: from wanted package names to the exact set of .debs to install. Pure: it
// reads a PackageIndex and returns a value; the caller downloads.
import { DepsError } from "../errors.js";
import type { BinaryPackage } from "./packages.js";
import type { PackageIndex, Provider } from "./package-index.js";
import { formatGroup, formatRelation, parseRelations, type Relation, type RelationGroup } from "./relation.js";
import { satisfiesVersion } from "./version.js";
import { suggestNames } from "./suggest.js";

export interface ResolveOptions {
  /** Packages never to install (e.g. `bash`, `dash` to keep a `tiny` image free of a shell). */
  exclude?: readonly string[];
  /**
   * A dependency that only excluded packages can satisfy: `"error"` (the default) refuses the
   * resolution; `"skip"` leaves the dependency unsatisfied and records it in `skipped`. Use "skip"
   * for things like debconf or perl-base, pulled in by maintainer-script needs that never run in
   * an image assembled without dpkg.
   */
  onExcluded?: "error" | "skip";
  /**
   * Packages already on the target system (say a run image's dpkg database). A dependency they
   * satisfy (by name and version, or through their Provides) pulls nothing in; a wanted package
   * they already are is not installed again. One whose version falls short of a dependency is
   * shadowed: the index's version is selected, and the resolution says so in `shadowed`.
   */
  installed?: readonly InstalledPackage[];
  /**
   * apt's pin priority of a suite (default 500 for every suite). Among the versions that satisfy
   * a dependency, the highest priority wins, then the highest version: give extra suites such as
   * backports or an older release a lower priority and they are used only where the others fall
   * short, or where a wanted package names them (`name/suite`).
   */
  priority?: (suite: string) => number;
}

/** A package already installed on the target: what dpkg's status database says of it. */
export interface InstalledPackage {
  name: string;
  version: string;
  architecture: string;
  /** The Provides field, as dpkg records it. */
  provides?: string;
  multiArch?: string;
}

export interface ShadowedPackage {
  name: string;
  installed: string;
  /** The version selected instead, and who needed more than the installed one. */
  selected: string;
  requiredBy: string;
}

export interface SkippedDependency {
  /** The dependency as the index wrote it, e.g. `debconf (>= 0.5) | debconf-2.0`. */
  dependency: string;
  requiredBy: string;
  /** The excluded packages that could have satisfied it. */
  excluded: string[];
}

export interface Resolution {
  /** The closure, sorted by name: one version per package. */
  packages: BinaryPackage[];
  skipped: SkippedDependency[];
  /** Who pulled each package in; wanted packages are absent. */
  requiredBy: ReadonlyMap<string, string>;
  /** Installed packages the closure relies on (wanted ones included), sorted by name. */
  present: InstalledPackage[];
  shadowed: ShadowedPackage[];
}

export interface Wanted {
  name: string;
  version?: string;
  arch?: string;
  /** `name/suite` (apt's syntax): the version comes from that suite. */
  suite?: string;
}

/**
 * Parses `name`, `name=version`, `name:arch` or `name/suite` (apt's syntax, e.g.
 * `python3.11/bookworm`) as given on a command line or in a stack file.
 */
export function parseWanted(spec: string): Wanted {
  const m = /^([a-z0-9][a-z0-9+.-]*)(?::([a-z0-9-]+))?(?:\/([a-z0-9][a-z0-9.-]*))?(?:=(\S+))?$/.exec(spec.trim());
  if (!m) {
    throw new DepsError("DEBIAN_NOT_FOUND", `${JSON.stringify(spec)} is not a package name`, {
      hint: "write a package as name, name=version or name/suite, e.g. ca-certificates, tzdata=2025b-4 or python3.11/bookworm",
    });
  }
  return { name: m[1]!, ...(m[4] ? { version: m[4] } : {}), ...(m[2] ? { arch: m[2] } : {}), ...(m[3] ? { suite: m[3] } : {}) };
}

export function resolve(index: PackageIndex, wanted: readonly string[], opts: ResolveOptions = {}): Resolution {
  return new Resolver(index, opts).run(wanted);
}

const PRIORITY_RANK: Record<string, number> = { required: 0, important: 1, standard: 2, optional: 3, extra: 4 };

class Resolver {
  private readonly selected = new Map<string, BinaryPackage>();
  private readonly provided = new Map<string, Provider[]>();
  private readonly parent = new Map<string, string>();
  private readonly skipped: SkippedDependency[] = [];
  private readonly queue: BinaryPackage[] = [];
  private readonly excluded: ReadonlySet<string>;
  private readonly installed = new Map<string, InstalledPackage>();
  private readonly installedProvides = new Map<string, Array<{ pkg: InstalledPackage; version?: string }>>();
  private readonly present = new Map<string, InstalledPackage>();
  private readonly shadowed: ShadowedPackage[] = [];

  constructor(
    private readonly index: PackageIndex,
    private readonly opts: ResolveOptions,
  ) {
    this.excluded = new Set(opts.exclude ?? []);
    for (const p of opts.installed ?? []) {
      this.installed.set(p.name, p);
      for (const g of parseRelations(p.provides, `Provides of installed ${p.name}`)) {
        for (const r of g) {
          const list = this.installedProvides.get(r.name) ?? [];
          list.push(r.op === "=" && r.version ? { pkg: p, version: r.version } : { pkg: p });
          this.installedProvides.set(r.name, list);
        }
      }
    }
  }

  run(wanted: readonly string[]): Resolution {
    const specs = wanted.map(parseWanted).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const w of specs) this.want(w);
    for (let i = 0; i < this.queue.length; i++) {
      const pkg = this.queue[i]!;
      const where = `${pkg.name} ${pkg.version}`;
      for (const g of [...parseRelations(pkg.preDepends, where), ...parseRelations(pkg.depends, where)]) {
        this.satisfy(g, pkg);
      }
    }
    const packages = [...this.selected.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    const present = [...this.present.values()].filter((p) => !this.selected.has(p.name)).sort((a, b) => (a.name < b.name ? -1 : 1));
    return { packages, skipped: this.skipped, requiredBy: this.parent, present, shadowed: this.shadowed.filter((s) => this.selected.has(s.name)) };
  }

  private want(w: Wanted): void {
    const label = `${w.name}${w.suite ? `/${w.suite}` : ""}${w.version ? `=${w.version}` : ""}`;
    if (this.excluded.has(w.name)) {
      throw new DepsError("DEBIAN_EXCLUDED", `${label} is both wanted and excluded`, {
        hint: "remove it from the package list or from the exclusions",
      });
    }
    const rel: Relation = { name: w.name, ...(w.arch ? { arch: w.arch } : {}) };
    if (w.version) Object.assign(rel, { op: "=", version: w.version });
    const have = this.installed.get(w.name);
    // Already there: unless a version or suite asks for something else, nothing to install.
    if (have && !w.suite && this.installedMatches(have, rel)) {
      this.present.set(have.name, have);
      return;
    }
    const real = this.ranked(this.index.versions(w.name).filter((p) => this.realMatches(p, rel) && (!w.suite || p.suite === w.suite)));
    let pick: BinaryPackage | undefined = real[0];
    if (!pick && !w.suite && this.index.versions(w.name).length === 0) {
      const provided = this.installedProvider(rel);
      if (provided) {
        this.present.set(provided.name, provided);
        return;
      }
      pick = this.bestProvider(rel);
    }
    if (!pick && w.suite && this.index.versions(w.name).some((p) => p.suite === w.suite) === false) throw this.notInSuite(w.name, w.suite);
    if (!pick) throw this.notFound(w.name, w.version);
    if (have && have.version === pick.version) {
      this.present.set(have.name, have);
      return;
    }
    const existing = this.selected.get(pick.name);
    if (existing && existing.version !== pick.version) {
      throw new DepsError("DEBIAN_UNSATISFIABLE", `${label} conflicts with ${existing.name}=${existing.version}, also wanted`);
    }
    this.select(pick, undefined);
  }

  private select(pkg: BinaryPackage, requiredBy: string | undefined): void {
    if (this.selected.has(pkg.name)) return;
    this.selected.set(pkg.name, pkg);
    if (requiredBy !== undefined) this.parent.set(pkg.name, requiredBy);
    for (const g of parseRelations(pkg.provides, `Provides of ${pkg.name}`)) {
      for (const r of g) {
        const list = this.provided.get(r.name) ?? [];
        list.push(r.op === "=" && r.version ? { pkg, version: r.version } : { pkg });
        this.provided.set(r.name, list);
      }
    }
    this.queue.push(pkg);
  }

  private satisfy(group: RelationGroup, by: BinaryPackage): void {
    const alts = group.filter((r) => !r.archRestriction || archListMatches(r.archRestriction, this.index.architecture));
    if (alts.length === 0) return;
    if (alts.some((r) => this.satisfiedBySelected(r))) return;
    for (const r of alts) {
      const have = this.installed.get(r.name);
      const by = have && this.installedMatches(have, r) ? have : this.installedProvider(r);
      if (by) {
        this.present.set(by.name, by);
        return;
      }
    }
    const excludedHits: string[] = [];
    const conflicts: string[] = [];
    for (const r of alts) {
      const real = this.ranked(this.index.versions(r.name).filter((p) => this.realMatches(p, r)));
      const usable = real.filter((p) => !this.excluded.has(p.name));
      excludedHits.push(...real.filter((p) => this.excluded.has(p.name)).map((p) => p.name));
      const pick = usable[0] ?? this.bestProvider(r, excludedHits);
      if (!pick) continue;
      const sel = this.selected.get(pick.name);
      if (sel) {
        conflicts.push(`${sel.name} ${sel.version} is already selected${this.chainSuffix(sel.name)}`);
        continue;
      }
      const have = this.installed.get(pick.name);
      if (have) this.shadowed.push({ name: pick.name, installed: have.version, selected: pick.version, requiredBy: by.name });
      this.select(pick, by.name);
      return;
    }
    const dep = formatGroup(alts);
    const exc = [...new Set(excludedHits)].sort();
    if (exc.length > 0 && conflicts.length === 0) {
      if (this.opts.onExcluded === "skip") {
        this.skipped.push({ dependency: dep, requiredBy: by.name, excluded: exc });
        return;
      }
      throw new DepsError(
        "DEBIAN_EXCLUDED",
        `${dep} required by ${this.chain(by.name)} can only be satisfied by excluded ${exc.join(", ")}`,
        { hint: "drop the exclusion, or resolve with onExcluded: \"skip\" to leave the dependency unsatisfied" },
      );
    }
    throw new DepsError("DEBIAN_UNSATISFIABLE", `${dep} required by ${this.chain(by.name)}: ${this.why(alts, conflicts)}`, {
      hint: this.available(alts),
    });
  }

  private satisfiedBySelected(r: Relation): boolean {
    const sel = this.selected.get(r.name);
    if (sel && this.realMatches(sel, r)) return true;
    return (this.provided.get(r.name) ?? []).some((p) => this.providerMatches(p, r));
  }

  /** Versions ordered by suite priority (highest first), then version (as the index orders them). */
  private ranked(list: readonly BinaryPackage[]): BinaryPackage[] {
    const prio = this.opts.priority;
    if (!prio || list.length < 2) return [...list];
    return list.map((p, i) => ({ p, i, n: prio(p.suite) })).sort((a, b) => b.n - a.n || a.i - b.i).map((x) => x.p);
  }

  /** What apt would install for `name`: the best-ranked version. */
  private candidate(name: string): BinaryPackage | undefined {
    return this.ranked(this.index.versions(name))[0];
  }

  private installedMatches(p: InstalledPackage, r: Relation): boolean {
    if (r.arch && r.arch !== "any" && r.arch !== "native" && p.architecture !== "all" && p.architecture !== r.arch) return false;
    return !r.op || satisfiesVersion(p.version, r.op, r.version!);
  }

  /** An installed package whose Provides meets `r`. */
  private installedProvider(r: Relation): InstalledPackage | undefined {
    for (const p of this.installedProvides.get(r.name) ?? []) {
      if (!r.op) return p.pkg;
      if (p.version !== undefined && satisfiesVersion(p.version, r.op, r.version!)) return p.pkg;
    }
    return undefined;
  }

  private realMatches(p: BinaryPackage, r: Relation): boolean {
    if (!this.archMatches(p, r.arch, false)) return false;
    return !r.op || satisfiesVersion(p.version, r.op, r.version!);
  }

  private providerMatches(p: Provider, r: Relation): boolean {
    if (!this.archMatches(p.pkg, r.arch, true)) return false;
    if (!r.op) return true;
    return p.version !== undefined && satisfiesVersion(p.version, r.op, r.version!);
  }

  /** dpkg's multiarch rules, for an install of one native architecture (plus `all`). */
  private archMatches(p: BinaryPackage, qualifier: string | undefined, viaProvides: boolean): boolean {
    const native = this.index.architecture;
    const arch = p.architecture === "all" ? native : p.architecture;
    if (qualifier === undefined || qualifier === "native") return arch === native;
    if (qualifier === "any") return p.multiArch === "allowed" || (viaProvides && p.multiArch === "foreign");
    return arch === qualifier;
  }

  private bestProvider(r: Relation, excludedHits?: string[]): BinaryPackage | undefined {
    const matching = this.index.providers(r.name).filter((p) => this.providerMatches(p, r));
    const ok: BinaryPackage[] = [];
    for (const p of matching) {
      if (this.excluded.has(p.pkg.name)) excludedHits?.push(p.pkg.name);
      // only a package's candidate (highest) version can be installed alongside the rest
      else if (this.candidate(p.pkg.name) === p.pkg || this.selected.get(p.pkg.name) === p.pkg) ok.push(p.pkg);
    }
    ok.sort(
      (a, b) =>
        (PRIORITY_RANK[a.priority ?? "optional"] ?? 3) - (PRIORITY_RANK[b.priority ?? "optional"] ?? 3) ||
        (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
    return ok[0];
  }

  private chain(name: string): string {
    const seen = new Set<string>();
    const parts: string[] = [];
    for (let n: string | undefined = name; n !== undefined && !seen.has(n); n = this.parent.get(n)) {
      seen.add(n);
      parts.push(n);
    }
    return parts.join(" ← ");
  }

  private chainSuffix(name: string): string {
    const p = this.parent.get(name);
    return p ? ` (required by ${this.chain(p)})` : " (wanted)";
  }

  private why(alts: Relation[], conflicts: string[]): string {
    if (conflicts.length) return conflicts.join("; ");
    const names = alts.map((r) => r.name);
    const known = names.filter((n) => this.index.versions(n).length || this.index.providers(n).length);
    if (known.length === 0) return `${names.join(", ")} not found in ${this.index.describe()}`;
    return `no version in ${this.index.describe()} satisfies it`;
  }

  private available(alts: Relation[]): string {
    const have = alts.flatMap((r) => [
      ...this.index.versions(r.name).map((p) => `${p.name} ${p.version} (${p.suite})`),
      ...this.index.providers(r.name).map((p) => `${p.pkg.name} provides ${formatRelation({ name: r.name, ...(p.version ? { op: "=" as const, version: p.version } : {}) })}`),
    ]);
    return have.length
      ? `available: ${have.slice(0, 8).join(", ")}`
      : "add the suite or component that has it (e.g. trixie-updates, contrib), or check the name";
  }

  private notInSuite(name: string, suite: string): DepsError {
    const versions = this.index.versions(name);
    if (!this.index.suites.includes(suite)) {
      return new DepsError("DEBIAN_NOT_FOUND", `${name}/${suite}: suite ${suite} is not among ${this.index.describe()}`, { hint: `add ${suite} to the suites the index is loaded from` });
    }
    return new DepsError("DEBIAN_NOT_FOUND", `package "${name}" not found in ${suite}`, {
      hint: versions.length ? `available: ${versions.map((p) => `${p.version} (${p.suite})`).join(", ")}` : "check the name with `apt-cache search` on a Debian machine",
    });
  }

  private notFound(name: string, version: string | undefined): DepsError {
    const versions = this.index.versions(name);
    if (version && versions.length) {
      return new DepsError(
        "DEBIAN_NOT_FOUND",
        `package "${name}" version ${version} not found in ${this.index.describe()}`,
        { hint: `available versions: ${versions.map((p) => `${p.version} (${p.suite})`).join(", ")}` },
      );
    }
    const near = suggestNames(name, this.index.names());
    return new DepsError("DEBIAN_NOT_FOUND", `package "${name}" not found in ${this.index.describe()}`, {
      hint: near.length ? `did you mean ${near.map((n) => `"${n}"`).join(", ")}?` : "check the name with `apt-cache search` on a Debian machine",
    });
  }
}

function archListMatches(list: string[], arch: string): boolean {
  const neg = list.filter((a) => a.startsWith("!"));
  if (neg.length === list.length) return !neg.includes(`!${arch}`) && !neg.includes("!any");
  return list.includes(arch) || list.includes("any");
}
