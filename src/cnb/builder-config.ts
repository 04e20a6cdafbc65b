// builder.toml, pack's builder configuration (CNB-68, CNB-69; not in the spec).
import { type Fields, readToml, strip, writeToml } from "./fields.js";
import { type BuildpackId, type BuildpackVersion, parseBuildpackId, parseBuildpackVersion } from "./ids.js";
import { type RunImageRef } from "./run.js";
import { readTargets, type Target, targetsToToml } from "./targets.js";

/** Where a buildpack (or extension) comes from: a dir, tgz, `docker://`, `urn:cnb:registry:` uri, or an image. */
export interface ModuleSource {
  id?: string;
  version?: string;
  uri?: string;
  image?: string;
}

/** An order entry in builder.toml: the version may be left for the builder tool to resolve. */
export interface BuilderOrderEntry {
  id: BuildpackId;
  version?: BuildpackVersion;
  optional: boolean;
}

export type BuilderOrder = { group: BuilderOrderEntry[] }[];

/** `[[build.env]]`: operator env written to `/cnb/build-config/env/<name>[.<suffix>]` (CNB-9, CNB-68). */
export interface BuildConfigEnv {
  name: string;
  value: string;
  suffix?: "default" | "override" | "append" | "prepend";
  /** Required for append and prepend. */
  delim?: string;
  execEnv?: string[];
}

/**
 * builder.toml. Written by the builder author; read by the builder-creating tool (pack, paketo),
 * which bakes its buildpacks, order and env into the builder image (CNB-68).
 */
export interface BuilderConfig {
  description?: string;
  buildpacks: ModuleSource[];
  extensions: ModuleSource[];
  order: BuilderOrder;
  orderExtensions: BuilderOrder;
  build: { image?: string; env: BuildConfigEnv[] };
  run: { images: RunImageRef[] };
  /** Legacy `[stack]`; merged with build/run by `builderImages`. */
  stack?: { id?: string; buildImage?: string; runImage?: string; runImageMirrors: string[] };
  /** `[lifecycle]`: one of version or uri. */
  lifecycle?: { version?: string; uri?: string };
  targets: Target[];
  system: { pre: BuilderOrderEntry[]; post: BuilderOrderEntry[] };
}

const MODULE_INFO_KEYS = ["name", "description", "homepage", "keywords", "exec-env", "licenses", "clear-env"];
const SUFFIXES = ["default", "override", "append", "prepend"] as const;

function readModule(m: Fields): ModuleSource {
  const src = strip({ id: m.optStr("id"), version: m.optStr("version"), uri: m.optStr("uri"), image: m.optStr("image") });
  m.allow(...MODULE_INFO_KEYS);
  m.rejectUnknown();
  if (src.uri && src.image) m.fail(undefined, "sets both uri and image; use one", "CNB_CONFLICT");
  if (!src.uri && !src.image && !src.id) m.fail("uri", "is required (or image, or id)", "CNB_MISSING_FIELD");
  return src;
}

function readOrderEntry(e: Fields): BuilderOrderEntry {
  const entry = strip({ id: e.parsed("id", parseBuildpackId), version: e.optParsed("version", parseBuildpackVersion), optional: e.bool("optional") });
  e.allow(...MODULE_INFO_KEYS);
  e.rejectUnknown();
  return entry;
}

function readOrder(f: Fields, key: string): BuilderOrder {
  return f.tables(key).map((g) => ({ group: g.tables("group").map(readOrderEntry) }));
}

function readEnv(e: Fields): BuildConfigEnv {
  const suffix = e.optStr("suffix") || undefined;
  if (suffix !== undefined && !(SUFFIXES as readonly string[]).includes(suffix)) e.fail("suffix", `${JSON.stringify(suffix)} is not one of ${SUFFIXES.join(", ")}`);
  const env = strip({ name: e.str("name"), value: e.optStr("value") ?? "", suffix: suffix as BuildConfigEnv["suffix"], delim: e.optStr("delim") || undefined, execEnv: e.optStrs("exec-env") });
  if ((suffix === "append" || suffix === "prepend") && env.delim === undefined) e.fail("delim", `is required with suffix ${suffix}`, "CNB_MISSING_FIELD");
  e.rejectUnknown();
  return env;
}

function readRunImage(r: Fields): RunImageRef {
  const ref = { image: r.str("image"), mirrors: r.strs("mirrors") };
  r.rejectUnknown();
  return ref;
}

function validate(f: Fields, c: BuilderConfig): void {
  const s = c.stack;
  if (!c.build.image && !s?.buildImage) f.fail("build.image", "is required", "CNB_MISSING_FIELD");
  if (c.build.image && s?.buildImage && c.build.image !== s.buildImage) f.fail("stack.build-image", "does not match build.image", "CNB_CONFLICT");
  if (c.run.images.length === 0 && !(s?.runImage && s.id)) f.fail("run.images", "are required", "CNB_MISSING_FIELD");
  if (s?.runImage && c.run.images.length > 0 && c.run.images[0]?.image !== s.runImage) f.fail("stack.run-image", "does not match run.images[0].image", "CNB_CONFLICT");
  if (c.lifecycle?.uri && c.lifecycle.version) f.fail("lifecycle", "sets both uri and version; use one", "CNB_CONFLICT");
}

export function parseBuilderConfig(text: string, where = "builder.toml"): BuilderConfig {
  const f = readToml(text, where);
  const build = f.sub("build");
  const run = f.sub("run");
  const stack = f.sub("stack");
  const lifecycle = f.sub("lifecycle");
  const system = f.sub("system");
  const systemList = (k: string) => system?.sub(k)?.tables("buildpacks").map(readOrderEntry) ?? [];
  const c: BuilderConfig = strip({
    description: f.optStr("description"),
    buildpacks: f.tables("buildpacks").map(readModule),
    extensions: f.tables("extensions").map(readModule),
    order: readOrder(f, "order"),
    orderExtensions: readOrder(f, "order-extensions"),
    build: strip({ image: build?.optStr("image") || undefined, env: build?.tables("env").map(readEnv) ?? [] }),
    run: { images: run?.tables("images").map(readRunImage) ?? [] },
    stack: stack && strip({ id: stack.optStr("id"), buildImage: stack.optStr("build-image"), runImage: stack.optStr("run-image"), runImageMirrors: stack.strs("run-image-mirrors") }),
    lifecycle: lifecycle && strip({ version: lifecycle.optStr("version") || undefined, uri: lifecycle.optStr("uri") || undefined }),
    targets: readTargets(f),
    system: { pre: systemList("pre"), post: systemList("post") },
  });
  for (const t of [f, build, run, stack, lifecycle, system]) t?.rejectUnknown();
  validate(f, c);
  return c;
}

export function stringifyBuilderConfig(c: BuilderConfig): string {
  const mod = (m: ModuleSource) => ({ id: m.id, version: m.version, uri: m.uri, image: m.image });
  const entry = (e: BuilderOrderEntry) => ({ id: e.id, version: e.version, optional: e.optional ? true : undefined });
  const order = (o: BuilderOrder) => (o.length === 0 ? undefined : o.map((g) => ({ group: g.group.map(entry) })));
  const s = c.stack;
  const hasSystem = c.system.pre.length + c.system.post.length > 0;
  return writeToml({
    description: c.description,
    buildpacks: c.buildpacks.map(mod),
    extensions: c.extensions.length === 0 ? undefined : c.extensions.map(mod),
    order: order(c.order),
    "order-extensions": order(c.orderExtensions),
    build: { image: c.build.image, env: c.build.env.length === 0 ? undefined : c.build.env.map((e) => ({ name: e.name, value: e.value, suffix: e.suffix, delim: e.delim, "exec-env": e.execEnv })) },
    run: { images: c.run.images.map((r) => ({ image: r.image, mirrors: r.mirrors.length === 0 ? undefined : r.mirrors })) },
    stack: s && { id: s.id, "build-image": s.buildImage, "run-image": s.runImage, "run-image-mirrors": s.runImageMirrors.length === 0 ? undefined : s.runImageMirrors },
    lifecycle: c.lifecycle && { version: c.lifecycle.version, uri: c.lifecycle.uri },
    targets: c.targets.length === 0 ? undefined : targetsToToml(c.targets),
    system: hasSystem ? { pre: { buildpacks: c.system.pre.map(entry) }, post: { buildpacks: c.system.post.map(entry) } } : undefined,
  });
}

/** The build image and run images, with the legacy `[stack]` merged in as pack does (RFC 0096). */
export function builderImages(c: BuilderConfig): { buildImage: string; runImages: RunImageRef[] } {
  const buildImage = c.build.image ?? c.stack?.buildImage ?? "";
  if (c.run.images.length > 0) return { buildImage, runImages: c.run.images };
  const s = c.stack;
  return { buildImage, runImages: s?.runImage ? [{ image: s.runImage, mirrors: s.runImageMirrors }] : [] };
}

/** The `/cnb/build-config/env/` files for `[[build.env]]`: file name → contents (CNB-68). */
export function buildConfigEnvFiles(env: readonly BuildConfigEnv[]): Record<string, string> {
  const files: Record<string, string> = {};
  for (const e of env) {
    files[e.suffix === undefined ? e.name : `${e.name}.${e.suffix}`] = e.value;
    if (e.delim !== undefined) files[`${e.name}.delim`] = e.delim;
  }
  return files;
}
