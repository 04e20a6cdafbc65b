// Which buildpacks a build runs, and where the sandbox finds them. Without `--buildpack` or a
// project.toml group, the builder's order is used as it is. Otherwise the named buildpacks form one
// group (as pack does): ids from the builder; folders, .tgz files, buildpackage images and inline
// (project.toml `script`) buildpacks laid out in a per-build buildpacks dir that also holds the
// builder's buildpacks as hard links, so the sandbox sees one /cnb/buildpacks either way.
import { copyFile, chmod, link, lstat, mkdir, readdir, readlink, symlink, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import {
  type BuildpackId,
  type BuildpackVersion,
  escapeId,
  type Order,
  type OrderEntry,
  parseBuildpackId,
  parseBuildpackVersion,
  type ProjectBuildpack,
} from "../../cnb/index.js";
import { PaketoError } from "../../errors/index.js";
import type { BuildLog } from "../../lifecycle/index.js";
import { exists } from "../../fs/index.js";
import { extract, transport } from "../../oci/index.js";
import {
  type BuilderInfo,
  distributionMode,
  type ImageAccess,
  locateModule,
  looksLikePath,
  openImage,
  readBuildpackage,
  readBuildpackArtifact,
} from "../distribution/index.js";

/** One buildpack the user named, before it is resolved. */
export type BuildpackRef =
  /** `ID` or `ID@VERSION` of a buildpack on the builder. */
  | { kind: "builder"; id: string; version?: string; where: string }
  /** A folder, a .tgz, a .cnb file or an image (any transport), relative paths from `baseDir`. */
  | { kind: "uri"; uri: string; baseDir: string; id?: string; version?: string; where: string }
  /** A project.toml inline buildpack: bin/build runs `inline` with `shell`. */
  | { kind: "inline"; id: string; version: string; api: string; inline: string; shell: string; where: string };

/** `ID` or `ID@VERSION` (buildpack ids have no `:`, versions no `/`). */
const ID_REF = /^([A-Za-z0-9][A-Za-z0-9._/-]*)(?:@([^@/:\s]+))?$/;

/**
 * A `--buildpack` value as pack reads it: a transport-prefixed image, an existing path (folder,
 * .tgz, .cnb), `ID[@VERSION]` of a buildpack on the builder, else an image name.
 */
export async function parseBuildpackArg(arg: string, cwd: string, builder: BuilderInfo, i: number): Promise<BuildpackRef> {
  const where = `--buildpack ${arg}`;
  if (arg.trim() === "") throw new PaketoError("PLATFORM_BUILDPACK", `--buildpack #${i + 1} is empty`);
  if (transport.hasTransport(arg) || arg.startsWith("file://") || looksLikePath(arg)) return { kind: "uri", uri: arg, baseDir: cwd, where };
  if (await exists(join(cwd, arg))) return { kind: "uri", uri: arg, baseDir: cwd, where };
  const m = ID_REF.exec(arg);
  if (m) {
    const [, id, version] = m as unknown as [string, string, string | undefined];
    if (version !== undefined || builder.buildpacks.some((b) => b.id === id)) {
      return version === undefined ? { kind: "builder", id, where } : { kind: "builder", id, version, where };
    }
  }
  return { kind: "uri", uri: arg, baseDir: cwd, where };
}

/** A project.toml `[[io.buildpacks.group]]` (or pre/post) entry; uris are relative to the descriptor's folder. */
export function projectBuildpackRef(bp: ProjectBuildpack, baseDir: string, where: string): BuildpackRef {
  if (bp.script) {
    return { kind: "inline", id: bp.id as string, version: "0.0.0", api: bp.script.api, inline: bp.script.inline, shell: bp.script.shell, where };
  }
  if (bp.uri !== undefined) {
    const r: BuildpackRef = { kind: "uri", uri: bp.uri, baseDir, where };
    if (bp.id !== undefined) r.id = bp.id;
    if (bp.version !== undefined) r.version = bp.version;
    return r;
  }
  return bp.version === undefined ? { kind: "builder", id: bp.id as string, where } : { kind: "builder", id: bp.id as string, version: bp.version, where };
}

export interface BuildpackPlanInputs {
  /** The group to run; empty: the builder's order. */
  group: readonly BuildpackRef[];
  /** project.toml `pre` and `post`: put at the start and end of every group (CNB-70). */
  pre?: readonly BuildpackRef[];
  post?: readonly BuildpackRef[];
  builder: BuilderInfo;
  /** The builder's root filesystem (its buildpacks are at `cnb/buildpacks`). */
  rootfs: string;
  /** The build's work dir: the per-build buildpacks dir and unpacked artifacts go here. */
  workDir: string;
  images: ImageAccess;
  log: BuildLog;
}

export interface BuildpackPlan {
  order: Order;
  /** The per-build buildpacks dir (for `buildPaths({ buildpacksDir })`); undefined: the builder's own. */
  buildpacksDir?: string;
}

/** Resolves the buildpacks of a build and lays out those that do not come from the builder. */
export async function planBuildpacks(p: BuildpackPlanInputs): Promise<BuildpackPlan> {
  const layout = new Layout(p);
  const resolve = async (refs: readonly BuildpackRef[] | undefined) => {
    const out: OrderEntry[] = [];
    for (const r of refs ?? []) out.push(await layout.resolve(r));
    return out;
  };
  const group = await resolve(p.group);
  const pre = await resolve(p.pre);
  const post = await resolve(p.post);
  let order: Order = group.length > 0 ? [{ group }] : p.builder.order;
  if (order.length === 0) {
    throw new PaketoError("PLATFORM_BUILDPACK", "the builder has no order and no buildpacks were named", {
      hint: "name the buildpacks with --buildpack, or in project.toml [[io.buildpacks.group]]",
    });
  }
  if (pre.length > 0 || post.length > 0) {
    // As system buildpacks: an entry whose id the group already names is not added again.
    order = order.map((g) => {
      const ids = new Set(g.group.map((e) => e.id));
      return { group: [...pre.filter((e) => !ids.has(e.id)), ...g.group, ...post.filter((e) => !ids.has(e.id))] };
    });
  }
  const buildpacksDir = await layout.finish();
  return buildpacksDir === undefined ? { order } : { order, buildpacksDir };
}

function fullName(e: { id: string; version: string }): string {
  return `${e.id}@${e.version}`;
}

/** The per-build buildpacks dir, filled as refs are resolved. */
class Layout {
  /** `<work>/buildpacks-root`: image layers are extracted here; the buildpacks dir is its `cnb/buildpacks`. */
  private readonly root: string;
  readonly dir: string;
  /** id@version laid out → where it came from. */
  private readonly placed = new Map<string, string>();

  constructor(private readonly p: BuildpackPlanInputs) {
    this.root = join(p.workDir, "buildpacks-root");
    this.dir = join(this.root, "cnb", "buildpacks");
  }

  async resolve(r: BuildpackRef): Promise<OrderEntry> {
    if (r.kind === "builder") return this.fromBuilder(r);
    if (r.kind === "inline") return this.inline(r);
    return this.fromUri(r);
  }

  private fromBuilder(r: Extract<BuildpackRef, { kind: "builder" }>): OrderEntry {
    const id = parseBuildpackId(r.id, r.where);
    if (r.version !== undefined) {
      const version = parseBuildpackVersion(r.version, r.where);
      const key = fullName({ id, version });
      if (!this.placed.has(key) && !this.p.builder.buildpacks.some((b) => b.id === id && b.version === version)) {
        throw this.notOnBuilder(r, `${key} is not on the builder`);
      }
      return { id, version, optional: false };
    }
    const placed = [...this.placed.keys()].filter((k) => k.startsWith(`${id}@`));
    if (placed.length === 1) return { id, version: parseBuildpackVersion((placed[0] as string).slice(id.length + 1), r.where), optional: false };
    const versions = [...new Set(this.p.builder.buildpacks.filter((b) => b.id === id).map((b) => b.version))];
    if (versions.length === 1) return { id, version: versions[0] as BuildpackVersion, optional: false };
    if (versions.length === 0) throw this.notOnBuilder(r, `${id} is not on the builder`);
    // Several versions: the one the builder's order uses, when it names exactly one.
    const inOrder = new Set(this.p.builder.order.flatMap((g) => g.group.filter((e) => e.id === id).map((e) => e.version)));
    if (inOrder.size === 1) return { id, version: [...inOrder][0] as BuildpackVersion, optional: false };
    throw new PaketoError("PLATFORM_BUILDPACK", `${r.where}: the builder has ${id} in versions ${versions.join(", ")}; name one`, {
      hint: `write ${id}@${versions[versions.length - 1]}`,
    });
  }

  private notOnBuilder(r: BuildpackRef, problem: string): PaketoError {
    const ids = [...new Set(this.p.builder.buildpacks.map(fullName))];
    return new PaketoError("PLATFORM_BUILDPACK", `${r.where}: ${problem}`, {
      hint: ids.length > 0 ? `the builder has ${ids.join(", ")}; a folder is named as ./DIR, an image as docker://HOST/REPO` : "the builder has no buildpacks",
    });
  }

  private async inline(r: Extract<BuildpackRef, { kind: "inline" }>): Promise<OrderEntry> {
    const id = parseBuildpackId(r.id, r.where);
    const version = parseBuildpackVersion(r.version, r.where);
    const dest = await this.claim({ id, version }, r.where);
    if (dest !== undefined) {
      await mkdir(join(dest, "bin"), { recursive: true });
      const q = JSON.stringify;
      await writeFile(join(dest, "buildpack.toml"), `api = ${q(r.api)}\n\n[buildpack]\nid = ${q(id)}\nversion = ${q(version)}\n`, { mode: 0o644 });
      await writeFile(join(dest, "bin", "detect"), `#!${r.shell}\nexit 0\n`, { mode: 0o755 });
      await writeFile(join(dest, "bin", "build"), `#!${r.shell}\n${r.inline}\n`, { mode: 0o755 });
    }
    return { id, version, optional: false };
  }

  private async fromUri(r: Extract<BuildpackRef, { kind: "uri" }>): Promise<OrderEntry> {
    const loc = await locateModule(r.uri, r.baseDir, r.where);
    let main: { id: BuildpackId; version: string };
    if (loc.kind === "artifact") {
      const a = await readBuildpackArtifact(loc.path, { workDir: join(this.p.workDir, "unpacked") });
      main = a.descriptor.buildpack;
      const dest = await this.claim(main, r.where);
      if (dest !== undefined) await copyTree(a.dir, dest);
    } else {
      const opened = await openImage(loc.name, this.p.images, `buildpackage (${r.where})`);
      const pkg = await readBuildpackage(opened.image, opened.name);
      main = pkg.main;
      // Every buildpack of the package comes along (a composite's components), each layer read once.
      const wanted = new Map<string, Set<string>>(); // diffID → escaped-id/version dirs to take from it
      const layers = new Map<string, (typeof pkg.buildpacks)[number]["layer"]>();
      for (const bp of pkg.buildpacks) {
        if ((await this.claim(bp, `${r.where} (${fullName(bp)})`, bp !== pkg.main)) === undefined) continue;
        const d = await bp.layer.diffId();
        layers.set(d, bp.layer);
        let set = wanted.get(d);
        if (!set) wanted.set(d, (set = new Set()));
        set.add(`${escapeId(bp.id)}/${bp.version}`);
      }
      for (const [d, layer] of layers) {
        const dirs = wanted.get(d) as Set<string>;
        await extract.extractLayer(layer, this.root, {
          what: `${opened.name}: layer ${d}`,
          devices: "skip",
          ownership: "ignore",
          whiteouts: "ignore",
          onEntry: (e) => {
            const name = extract.normalizeEntryName(e.name);
            if (name === "" || name === "cnb" || name === "cnb/buildpacks") return undefined;
            if (!name.startsWith("cnb/buildpacks/")) return false;
            const rest = name.slice("cnb/buildpacks/".length).split("/");
            if (rest.length === 1) return [...dirs].some((x) => x.startsWith(`${rest[0]}/`)) ? undefined : false;
            return dirs.has(`${rest[0]}/${rest[1]}`) ? undefined : false;
          },
        });
      }
    }
    if (r.id !== undefined && r.id !== main.id) {
      throw new PaketoError("PLATFORM_BUILDPACK", `${r.where}: ${r.uri} holds buildpack ${main.id}, not ${r.id}`);
    }
    if (r.version !== undefined && r.version !== main.version) {
      throw new PaketoError("PLATFORM_BUILDPACK", `${r.where}: ${r.uri} holds ${fullName(main)}, not version ${r.version}`);
    }
    return { id: main.id, version: parseBuildpackVersion(main.version, r.where), optional: false };
  }

  /**
   * The folder for `id@version` in the per-build dir, or undefined when it is already laid out
   * (named twice, or a buildpackage brought it along): the first source wins.
   */
  private async claim(bp: { id: string; version: string }, where: string, quiet = false): Promise<string | undefined> {
    const key = fullName(bp);
    const prev = this.placed.get(key);
    if (prev !== undefined) {
      if (!quiet && prev !== where) this.p.log.debug(`${where}: ${key} is already given by ${prev}; that one is used`);
      return undefined;
    }
    this.placed.set(key, where);
    if (this.p.builder.buildpacks.some((b) => fullName(b) === key)) this.p.log.debug(`${where}: ${key} replaces the builder's`);
    const dest = join(this.dir, escapeId(bp.id), bp.version);
    await mkdir(dest, { recursive: true });
    return dest;
  }

  /** Links the builder's buildpacks next to the laid-out ones; undefined when nothing was laid out. */
  async finish(): Promise<string | undefined> {
    if (this.placed.size === 0) return undefined;
    const builderDir = join(this.p.rootfs, "cnb", "buildpacks");
    for (const escaped of await readdir(builderDir).catch(() => [] as string[])) {
      const ids = join(builderDir, escaped);
      if (!(await lstat(ids)).isDirectory()) continue;
      for (const version of await readdir(ids)) {
        const src = join(ids, version);
        const dest = join(this.dir, escaped, version);
        if (!(await lstat(src)).isDirectory()) continue;
        if (await lstat(dest).then(() => true, () => false)) continue; // laid out from elsewhere: that one wins
        await mkdir(join(this.dir, escaped), { recursive: true });
        await linkTree(src, dest);
      }
    }
    return this.dir;
  }
}

/**
 * Copies a buildpack folder: symlinks as symlinks (never followed), files with the modes pack
 * gives them in a buildpackage (`distributionMode`), so a folder runs as it would from a builder.
 */
async function copyTree(src: string, dest: string, root = src): Promise<void> {
  await mkdir(dest, { recursive: true });
  for (const name of (await readdir(src)).sort()) {
    const from = join(src, name);
    const to = join(dest, name);
    const rel = relative(root, from).split("\\").join("/");
    const s = await lstat(from);
    if (s.isDirectory()) {
      await copyTree(from, to, root);
      await chmod(to, distributionMode(rel, "directory", s.mode));
    } else if (s.isSymbolicLink()) {
      await symlink(await readlink(from), to);
    } else if (s.isFile()) {
      await copyFile(from, to);
      await chmod(to, distributionMode(rel, "file", s.mode));
    }
  }
}

/** Hard-links a tree (folders made, symlinks recreated); copies a file that cannot be linked (another filesystem, no permission). */
async function linkTree(src: string, dest: string): Promise<void> {
  const s = await lstat(src);
  await mkdir(dest, { recursive: true });
  for (const name of await readdir(src)) {
    const from = join(src, name);
    const to = join(dest, name);
    const e = await lstat(from);
    if (e.isDirectory()) await linkTree(from, to);
    else if (e.isSymbolicLink()) await symlink(await readlink(from), to);
    else if (e.isFile()) {
      await link(from, to).catch(async () => {
        await copyFile(from, to);
        await chmod(to, e.mode & 0o777);
      });
    }
  }
  await chmod(dest, s.mode & 0o7777);
}
