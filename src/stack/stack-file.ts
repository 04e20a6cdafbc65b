// The stack file: a declarative description of a stack (build image + run images) made from
// Debian packages. Parsed once at the edge into a StackDefinition; nothing else reads TOML.
import { readFile } from "node:fs/promises";
import { parse as parseToml, TomlError } from "smol-toml";
import { StackError } from "./errors.js";

/** The images a stack makes: the build image and two run images. */
export type FlavorName = "build" | "base" | "tiny";
export const FLAVORS: readonly FlavorName[] = ["build", "base", "tiny"];

export interface UserIds {
  uid: number;
  gid: number;
}

export interface FlavorDefinition {
  /** `io.buildpacks.base.id` of the image. */
  baseId: string;
  description: string;
  /**
   * Wanted packages (`name` or `name=version`). The build flavor lists only what it adds: its
   * image is the base run image's OS layer plus a layer of these packages and their closure.
   */
  packages: string[];
  /** Packages never installed; a dependency only they could satisfy is left unsatisfied. */
  exclude: string[];
  /** Package paths left out of this flavor, on top of `paths.exclude` (globs, relative). */
  excludePaths: string[];
}

/** A file a maintainer script would write: a copy of a file in the rootfs, or given content. */
export interface FileEffect {
  /** Relative to the root: `etc/profile`. */
  path: string;
  /** Copy this file of the rootfs when it exists (what `install_from_default` does). */
  copy?: string;
  /** Otherwise write this content (when neither applies, nothing is written). */
  content?: string;
  mode: number;
  /** Only when this path exists in the rootfs. */
  ifExists?: string;
  /** Only in these flavors (default: all). */
  flavors?: FlavorName[];
}

export interface LinkEffect {
  path: string;
  target: string;
  ifExists?: string;
  flavors?: FlavorName[];
}

export interface DirEffect {
  path: string;
  mode: number;
  ifExists?: string;
  flavors?: FlavorName[];
}

/** One `update-alternatives --install LINK NAME PATH PRIORITY [--slave LINK NAME PATH]...`. */
export interface Alternative {
  name: string;
  link: string;
  path: string;
  priority: number;
  slaves: Array<{ name: string; link: string; path: string }>;
}

export interface StackDefinition {
  /** `io.buildpacks.stack.id` of every image, e.g. `io.buildpacks.stacks.trixie`. */
  id: string;
  /** Short name, used in default image names (`paketo/trixie:run`). */
  name: string;
  maintainer: string;
  homepage: string;
  distro: {
    /** `io.buildpacks.base.distro.name` (the ID of /etc/os-release), e.g. `debian`. */
    name: string;
    /** `io.buildpacks.base.distro.version` (VERSION_ID), e.g. `13`. */
    version: string;
    codename: string;
    suites: string[];
    components: string[];
    architectures: string[];
  };
  user: { name: string; group: string; home: string; build: UserIds; run: UserIds };
  /** Paths of package contents left out of the images (globs: `*` within a folder, `**` across). */
  paths: { exclude: string[]; keep: string[] };
  flavors: Record<FlavorName, FlavorDefinition>;
  files: FileEffect[];
  links: LinkEffect[];
  dirs: DirEffect[];
  alternatives: Alternative[];
}

/** Reads and validates a stack file. */
export async function loadStackFile(path: string): Promise<StackDefinition> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new StackError("STACK_FILE", `cannot read the stack file ${path}`, { cause: e, hint: "pass --stack FILE with a stack definition (see stacks/trixie.toml)" });
  }
  return parseStackFile(text, path);
}

/** Parses and validates the text of a stack file; `what` names it in errors. */
export function parseStackFile(text: string, what: string): StackDefinition {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    const line = e instanceof TomlError ? ` (line ${e.line})` : "";
    throw new StackError("STACK_FILE", `${what} is not valid TOML${line}: ${(e as Error).message.split("\n")[0]}`, { cause: e });
  }
  const r = new Table(doc, what, "");
  const distro = r.table("distro");
  const user = r.table("user");
  const paths = r.table("paths", true);
  const flavors = r.table("flavors");
  const def: StackDefinition = {
    id: r.str("id"),
    name: r.name("name"),
    maintainer: r.str("maintainer"),
    homepage: r.str("homepage"),
    distro: {
      name: distro.str("name"),
      version: distro.str("version"),
      codename: distro.name("codename"),
      suites: distro.list("suites"),
      components: distro.list("components", ["main"]),
      architectures: distro.list("architectures"),
    },
    user: {
      name: user.name("name"),
      group: user.name("group"),
      home: user.absPath("home"),
      build: ids(user.table("build")),
      run: ids(user.table("run")),
    },
    paths: { exclude: paths.list("exclude", []).map(relPattern), keep: paths.list("keep", []).map(relPattern) },
    flavors: {
      build: flavor(flavors.table("build")),
      base: flavor(flavors.table("base")),
      tiny: flavor(flavors.table("tiny")),
    },
    files: r.tables("files").map((t) => {
      const f: FileEffect = { path: t.absPath("path"), mode: t.int("mode", 0o644) };
      if (t.has("copy")) f.copy = t.absPath("copy");
      if (t.has("content")) f.content = t.str("content", undefined, true);
      if (f.copy === undefined && f.content === undefined) throw t.error("needs copy or content");
      return withWhen(t, f);
    }),
    links: r.tables("links").map((t) => withWhen<LinkEffect>(t, { path: t.absPath("path"), target: t.str("target") })),
    dirs: r.tables("dirs").map((t) => withWhen<DirEffect>(t, { path: t.absPath("path"), mode: t.int("mode", 0o755) })),
    alternatives: r.tables("alternatives").map((t) => {
      const a: Alternative = {
        name: t.name("name"),
        link: t.absPath("link"),
        path: t.absPath("path"),
        priority: t.int("priority"),
        slaves: t.tables("slaves").map((s) => {
          const slave = { name: s.name("name"), link: s.absPath("link"), path: s.absPath("path") };
          s.done();
          return slave;
        }),
      };
      t.done();
      return a;
    }),
  };
  for (const t of [distro, user, paths, flavors, r]) t.done();
  if (def.distro.suites.length === 0) throw new StackError("STACK_FILE", `${what}: distro.suites is empty`);
  if (def.distro.architectures.length === 0) throw new StackError("STACK_FILE", `${what}: distro.architectures is empty`);
  if (def.user.build.uid === 0 || def.user.run.uid === 0) {
    throw new StackError("STACK_FILE", `${what}: the CNB user may not be root (uid 0)`, { hint: "CNB-31: build and run images run as a non-root user" });
  }
  for (const name of FLAVORS) {
    if (def.flavors[name].packages.length === 0) throw new StackError("STACK_FILE", `${what}: flavors.${name}.packages is empty`);
  }
  return def;
}

function ids(t: Table): UserIds {
  const v = { uid: t.int("uid"), gid: t.int("gid") };
  t.done();
  return v;
}

function flavor(t: Table): FlavorDefinition {
  const f: FlavorDefinition = {
    baseId: t.str("base-id"),
    description: t.str("description"),
    packages: t.list("packages"),
    exclude: t.list("exclude", []),
    excludePaths: t.list("exclude-paths", []).map(relPattern),
  };
  t.done();
  return f;
}

function withFlavors<T extends { flavors?: FlavorName[] }>(t: Table, v: T): T {
  if (t.has("flavors")) {
    v.flavors = t.list("flavors").map((f) => {
      if (!(FLAVORS as readonly string[]).includes(f)) throw t.error(`flavor ${JSON.stringify(f)} is not one of ${FLAVORS.join(", ")}`, "flavors");
      return f as FlavorName;
    });
  }
  t.done();
  return v;
}

function withWhen<T extends { ifExists?: string; flavors?: FlavorName[] }>(t: Table, v: T): T {
  if (t.has("if-exists")) v.ifExists = t.absPath("if-exists");
  return withFlavors(t, v);
}

/** `/usr/share/doc/**` → `usr/share/doc/**`. */
function relPattern(p: string): string {
  return p.replace(/^\/+/, "");
}

/** A TOML table being read: typed getters with messages that name the key, and unknown keys refused. */
class Table {
  private readonly seen = new Set<string>();
  constructor(
    private readonly v: Record<string, unknown>,
    private readonly what: string,
    private readonly at: string,
  ) {}

  error(why: string, key?: string): StackError {
    const where = key ? `${this.at}${key}` : this.at.replace(/\.$/, "") || "top level";
    return new StackError("STACK_FILE", `${this.what}: ${where}: ${why}`);
  }

  has(key: string): boolean {
    return this.v[key] !== undefined;
  }

  private get(key: string): unknown {
    this.seen.add(key);
    return this.v[key];
  }

  str(key: string, dflt?: string, allowEmpty = false): string {
    const v = this.get(key);
    if (v === undefined && dflt !== undefined) return dflt;
    if (typeof v !== "string" || (!allowEmpty && v === "")) throw this.error(v === undefined ? "is missing" : "must be a non-empty string", key);
    return v;
  }

  /** A simple name: letters, digits, `.`, `_`, `-`, `+`. */
  name(key: string): string {
    const v = this.str(key);
    if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(v)) throw this.error(`${JSON.stringify(v)} is not a simple name`, key);
    return v;
  }

  /** An absolute path inside the image, returned relative to its root: `/etc/profile` → `etc/profile`. */
  absPath(key: string): string {
    const v = this.str(key);
    const parts = v.split("/").filter((c) => c !== "" && c !== ".");
    if (!v.startsWith("/") || parts.includes("..") || parts.length === 0 || v.includes("\0")) {
      throw this.error(`${JSON.stringify(v)} must be an absolute path inside the image, without ".."`, key);
    }
    return parts.join("/");
  }

  int(key: string, dflt?: number): number {
    const v = this.get(key);
    if (v === undefined && dflt !== undefined) return dflt;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw this.error(v === undefined ? "is missing" : "must be a non-negative integer", key);
    return v;
  }

  list(key: string, dflt?: string[]): string[] {
    const v = this.get(key);
    if (v === undefined && dflt !== undefined) return dflt;
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string" || x === "")) throw this.error(v === undefined ? "is missing" : "must be a list of non-empty strings", key);
    return [...(v as string[])];
  }

  table(key: string, optional = false): Table {
    const v = this.get(key);
    if (v === undefined && optional) return new Table({}, this.what, `${this.at}${key}.`);
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw this.error(v === undefined ? "is missing" : "must be a table", key);
    return new Table(v as Record<string, unknown>, this.what, `${this.at}${key}.`);
  }

  /** An array of tables (`[[files]]`); missing means none. */
  tables(key: string): Table[] {
    const v = this.get(key);
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== "object" || x === null || Array.isArray(x))) throw this.error("must be an array of tables", key);
    return (v as Array<Record<string, unknown>>).map((x, i) => new Table(x, this.what, `${this.at}${key}[${i}].`));
  }

  /** Refuses keys nobody read: a typo in a stack file must not be silently ignored. */
  done(): void {
    const unknown = Object.keys(this.v).filter((k) => !this.seen.has(k));
    if (unknown.length > 0) throw this.error(`unknown key${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => JSON.stringify(k)).join(", ")}`);
  }
}
