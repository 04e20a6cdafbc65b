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
}

/** Parses `name`, `name=version` or `name:arch` as given on a command line or in a stack file. */
export function parseWanted(spec: string): { name: string; version?: string; arch?: string } {
  const m = /^([a-z0-9][a-z0-9+.-]*)(?::([a-z0-9-]+))?(?:=(\S+))?$/.exec(spec.trim());
  if (!m) {
    throw new DepsError("DEBIAN_NOT_FOUND", `${JSON.stringify(spec)} is not a package name`, {
      hint: "write a package as name or name=version, e.g. ca-certificates or tzdata=2025b-4",
    });
  }
  return { name: m[1]!, ...(m[3] ? { version: m[3] } : {}), ...(m[2] ? { arch: m[2] } : {}) };
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

  constructor(
    private readonly index: PackageIndex,
    private readonly opts: ResolveOptions,
  ) {
    this.excluded = new Set(opts.exclude ?? []);
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
    return { packages, skipped: this.skipped, requiredBy: this.parent };
  }

  private want(w: { name: string; version?: string; arch?: string }): void {
    const label = w.version ? `${w.name}=${w.version}` : w.name;
    if (this.excluded.has(w.name)) {
      throw new DepsError("DEBIAN_EXCLUDED", `${label} is both wanted and excluded`, {
        hint: "remove it from the package list or from the exclusions",
      });
    }
    const rel: Relation = { name: w.name, ...(w.arch ? { arch: w.arch } : {}) };
    if (w.version) Object.assign(rel, { op: "=", version: w.version });
    const real = this.index.versions(w.name).filter((p) => this.realMatches(p, rel));
    let pick: BinaryPackage | undefined = real[0];
    if (!pick && this.index.versions(w.name).length === 0) pick = this.bestProvider(rel);
    if (!pick) throw this.notFound(w.name, w.version);
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
    const excludedHits: string[] = [];
    const conflicts: string[] = [];
    for (const r of alts) {
      const real = this.index.versions(r.name).filter((p) => this.realMatches(p, r));
      const usable = real.filter((p) => !this.excluded.has(p.name));
      excludedHits.push(...real.filter((p) => this.excluded.has(p.name)).map((p) => p.name));
      const pick = usable[0] ?? this.bestProvider(r, excludedHits);
      if (!pick) continue;
      const sel = this.selected.get(pick.name);
      if (sel) {
        conflicts.push(`${sel.name} ${sel.version} is already selected${this.chainSuffix(sel.name)}`);
        continue;
      }
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
      else if (this.index.candidate(p.pkg.name) === p.pkg || this.selected.get(p.pkg.name) === p.pkg) ok.push(p.pkg);
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
