// Layers with explicit keep-or-rebuild decisions (libcnb.rs struct API). The author calls
// `ctx.layers.cached(...)` and gets a LayerRef whose `state` says what is on disk; the library never
// calls back into the buildpack later, and a rebuild is a visible, typed decision.
import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { exists } from "../fs/index.js";
import { type LayerMetadataFile, type LayerName, type LayerTypes, parseLayerMetadata, parseLayerName, stringifyLayerMetadata, type Table } from "../cnb/index.js";
import { BuildpackError } from "./errors.js";
import type { LayerEnv } from "./layer-env.js";
import type { Logger } from "./logger.js";
import { checkSbomDeclared, type Sbom, sbomFileName, type SbomFormat } from "./sbom.js";
import { check, type Schema } from "./schema.js";

/** What to do with a layer restored from the cache or the previous image. */
export type RestoredDecision = "keep" | "rebuild" | { rebuild: string };

export interface CachedLayerDefinition<M> {
  /** Visible to later buildpacks (CNB-15). Default false. */
  build?: boolean;
  /** Exported into the image. Default false. */
  launch?: boolean;
  /**
   * Kept in the cache for the next build. Default true. With `cache: false, launch: true` only the
   * metadata comes back (from the image); "keep" then reuses the previous image's layer as it is.
   */
  cache?: boolean;
  /** The schema restored metadata must match; a mismatch empties the layer (cause "invalid-metadata"). */
  metadata: Schema<M>;
  /** Called once, with the valid restored metadata: keep the contents or start empty. */
  onRestored: (metadata: M, layer: { name: LayerName; path: string }) => RestoredDecision;
}

export interface UncachedLayerDefinition<M> {
  build?: boolean;
  launch?: boolean;
  /** Checks what `write` is given; without it metadata is a free-form table. */
  metadata?: Schema<M>;
}

/** What is on disk when the LayerRef is handed out. */
export type LayerState<M> =
  | { readonly kind: "restored"; readonly metadata: M }
  | { readonly kind: "empty"; readonly cause: "new" }
  | { readonly kind: "empty"; readonly cause: "invalid-metadata"; readonly problem: string }
  | { readonly kind: "empty"; readonly cause: "rejected"; readonly reason: string | undefined };

/** What was restored for a layer: its toml (undefined: none; a string: why it could not be read) and whether its dir exists. */
export interface Restored {
  toml: LayerMetadataFile | string | undefined;
  hasDir: boolean;
}

/** The decision for a cached layer, as a pure function of what was restored (CNB-25). */
export function decideRestored<M>(restored: Restored, def: CachedLayerDefinition<M>, layer: { name: LayerName; path: string }): LayerState<M> {
  const { toml, hasDir } = restored;
  const cache = def.cache ?? true;
  if (toml === undefined) return { kind: "empty", cause: "new" };
  // Cached contents come back all-or-nothing with their metadata; a build-only uncached layer never comes back.
  if ((cache && !hasDir) || (!cache && !def.launch)) return { kind: "empty", cause: "new" };
  if (typeof toml === "string") return { kind: "empty", cause: "invalid-metadata", problem: toml };
  const r = check(def.metadata, toml.metadata);
  if (!r.ok) return { kind: "empty", cause: "invalid-metadata", problem: r.problem };
  const decision = def.onRestored(r.value, layer);
  if (decision === "keep") return { kind: "restored", metadata: r.value };
  return { kind: "empty", cause: "rejected", reason: decision === "rebuild" ? undefined : decision.rebuild };
}

async function io<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof BuildpackError) throw e;
    throw new BuildpackError("BUILDPACK_IO", `${what}: ${(e as Error).message}`, { cause: e });
  }
}


/** An executable run at launch (CNB-24): writes `NAME = "value"` lines to fd 3. Must run on the run image (no Node.js there). */
export interface ExecD {
  name: string;
  content: string | Uint8Array;
  /** Only for this process type: `exec.d/<type>/<name>`. */
  process?: string;
}

interface LayerRefInit<M> {
  name: LayerName;
  layersDir: string;
  types: LayerTypes;
  state: LayerState<M>;
  schema: Schema<M> | undefined;
  /** Launch-only layer kept without a dir: the previous image's layer is reused as it is. */
  reused: boolean;
  sbomFormats: readonly string[];
}

/** A layer of this build: its path, flags and state, and the writes that describe it. */
export class LayerRef<M> {
  readonly name: LayerName;
  /** `<layers>/<escaped-id>/<name>`. */
  readonly path: string;
  readonly types: LayerTypes;
  readonly state: LayerState<M>;
  readonly #init: LayerRefInit<M>;

  constructor(init: LayerRefInit<M>) {
    this.name = init.name;
    this.path = join(init.layersDir, init.name);
    this.types = init.types;
    this.state = init.state;
    this.#init = init;
  }

  get #toml(): string {
    return join(this.#init.layersDir, `${this.name}.toml`);
  }

  #refuseIfReused(what: string): void {
    if (this.#init.reused) {
      throw new BuildpackError("BUILDPACK_LAYER", `layer ${this.name}: cannot write ${what}: the layer reuses the previous image's layer as it is`, {
        hint: 'return { rebuild: "<why>" } from onRestored to change its contents',
      });
    }
  }

  /** Replaces the layer's `[metadata]` (checked against its schema); the `[types]` stay. */
  async write(metadata: M): Promise<void> {
    let table = metadata as unknown;
    if (this.#init.schema !== undefined) {
      const r = check(this.#init.schema, metadata);
      if (!r.ok) throw new BuildpackError("BUILDPACK_METADATA", `layer ${this.name}: metadata to write: ${r.problem}`);
      table = r.value;
    }
    if (typeof table !== "object" || table === null || Array.isArray(table)) {
      throw new BuildpackError("BUILDPACK_METADATA", `layer ${this.name}: metadata must be a table`);
    }
    await writeLayerToml(this.#toml, this.types, table as Table);
  }

  /** Replaces the layer's env files (env/, env.build/, env.launch/...) with `env`. */
  async writeEnv(env: LayerEnv): Promise<void> {
    this.#refuseIfReused("its env");
    await io(`layer ${this.name}: writing env files`, () =>
      syncFiles(
        this.path,
        ["env", "env.build", "env.launch"],
        [...env.files()].map(([rel, content]) => ({ rel, content })),
      ),
    );
  }

  /** Replaces the layer's exec.d programs. */
  async writeExecD(programs: readonly ExecD[]): Promise<void> {
    this.#refuseIfReused("exec.d");
    for (const p of programs) {
      if (p.name === "" || p.name.includes("/")) throw new BuildpackError("BUILDPACK_LAYER", `layer ${this.name}: exec.d name ${JSON.stringify(p.name)} is not a file name`);
    }
    await io(`layer ${this.name}: writing exec.d`, () =>
      syncFiles(
        this.path,
        ["exec.d"],
        programs.map((p) => ({ rel: p.process === undefined ? `exec.d/${p.name}` : `exec.d/${p.process}/${p.name}`, content: p.content, mode: 0o755 })),
      ),
    );
  }

  /** Writes `<name>.sbom.<ext>` next to the layer, one file per format (CNB-22). */
  async writeSbom(...sboms: readonly Sbom[]): Promise<void> {
    await writeSboms(this.#init.layersDir, this.name, sboms, this.#init.sbomFormats);
  }
}

async function writeLayerToml(path: string, types: LayerTypes, metadata: Table): Promise<void> {
  let text: string;
  try {
    text = stringifyLayerMetadata({ types, metadata });
  } catch (e) {
    throw new BuildpackError("BUILDPACK_METADATA", `${path}: metadata cannot be written as TOML: ${(e as Error).message}`, { cause: e });
  }
  await io(`writing ${path}`, () => writeFile(path, text));
}

/** Writes `<owner>.sbom.<ext>` files into the layers dir, refusing undeclared formats. */
export async function writeSboms(layersDir: string, owner: string, sboms: readonly Sbom[], declared: readonly string[]): Promise<void> {
  const seen = new Set<SbomFormat>();
  for (const sbom of sboms) {
    checkSbomDeclared(sbom.format, declared, owner);
    if (seen.has(sbom.format)) throw new BuildpackError("BUILDPACK_SBOM", `${sbomFileName(owner, sbom.format)}: written twice`);
    seen.add(sbom.format);
    const file = join(layersDir, sbomFileName(owner, sbom.format));
    await io(`writing ${file}`, () => writeIfChanged(file, sbom.content));
  }
}

/**
 * Writes `content` to `file` unless it already holds exactly that (same bytes, same mode): an
 * unchanged file keeps its inode and ctime, so the exporter sees an unchanged layer and neither
 * tars nor compresses it again (D8).
 */
async function writeIfChanged(file: string, content: string | Uint8Array, mode?: number): Promise<void> {
  const want = typeof content === "string" ? Buffer.from(content) : Buffer.from(content);
  const have = await readFile(file).catch(() => undefined);
  const st = have ? await stat(file) : undefined;
  if (have && want.equals(have) && (mode === undefined || (st && (st.mode & 0o7777) === mode))) return;
  await mkdir(join(file, ".."), { recursive: true });
  await writeFile(file, want);
  if (mode !== undefined) await chmod(file, mode);
}

/** Makes the files under `dirs` of `root` exactly `files`: unchanged files are not touched, others are written, the rest removed. */
export async function syncFiles(root: string, dirs: readonly string[], files: ReadonlyArray<{ rel: string; content: string | Uint8Array; mode?: number }>): Promise<void> {
  const wanted = new Set(files.map((f) => f.rel));
  for (const d of dirs) {
    const entries = await readdir(join(root, d), { recursive: true, withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (e.isDirectory()) continue;
      const rel = relative(root, join(e.parentPath, e.name)).split(sep).join("/");
      if (!wanted.has(rel)) await rm(join(root, rel), { force: true });
    }
  }
  for (const f of files) await writeIfChanged(join(root, f.rel), f.content, f.mode);
}

/** `ctx.layers`: creates this build's layers. Each name may be used once per build. */
export class Layers {
  readonly #used = new Set<string>();

  constructor(
    readonly dir: string,
    private readonly opts: { sbomFormats: readonly string[]; logger: Logger },
  ) {}

  /**
   * A layer that may come back from an earlier build. Its restored metadata is checked against
   * `def.metadata`, then `def.onRestored` decides: "keep" (state restored) or "rebuild" (state
   * empty, cause rejected). Invalid or missing metadata gives an empty layer too. An empty layer's
   * directory exists and is empty; its metadata is `{}` until `write`.
   */
  async cached<M>(name: string, def: CachedLayerDefinition<M>): Promise<LayerRef<M>> {
    const layer = this.#claim(name);
    const path = join(this.dir, layer);
    const restored = await this.#restored(layer);
    const state = decideRestored(restored, def, { name: layer, path });
    const types: LayerTypes = { build: def.build ?? false, launch: def.launch ?? false, cache: def.cache ?? true };
    const reused = state.kind === "restored" && !restored.hasDir;
    this.opts.logger.debug.subprocess(`layer ${layer}: ${describeState(state)}${reused ? " (the previous image's layer is reused)" : ""}`);
    if (state.kind === "restored") await writeLayerToml(join(this.dir, `${layer}.toml`), types, state.metadata as Table);
    else await this.#reset(layer, types);
    return new LayerRef({ name: layer, layersDir: this.dir, types, state, schema: def.metadata, reused, sbomFormats: this.opts.sbomFormats });
  }

  /** A layer built from scratch every time (cache=false): always empty, whatever was restored. */
  async uncached<M = Table>(name: string, def: UncachedLayerDefinition<M> = {}): Promise<LayerRef<M>> {
    const layer = this.#claim(name);
    const types: LayerTypes = { build: def.build ?? false, launch: def.launch ?? false, cache: false };
    await this.#reset(layer, types);
    return new LayerRef({ name: layer, layersDir: this.dir, types, state: { kind: "empty", cause: "new" }, schema: def.metadata, reused: false, sbomFormats: this.opts.sbomFormats });
  }

  #claim(name: string): LayerName {
    const layer = parseLayerName(name, "layer name");
    if (this.#used.has(layer)) throw new BuildpackError("BUILDPACK_LAYER", `layer ${layer}: already created in this build`);
    this.#used.add(layer);
    return layer;
  }

  async #restored(layer: LayerName): Promise<Restored> {
    const tomlPath = join(this.dir, `${layer}.toml`);
    const hasDir = await exists(join(this.dir, layer));
    let text: string;
    try {
      text = await readFile(tomlPath, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { toml: undefined, hasDir };
      throw new BuildpackError("BUILDPACK_IO", `reading ${tomlPath}: ${(e as Error).message}`, { cause: e });
    }
    try {
      return { toml: parseLayerMetadata(text, `${layer}.toml`), hasDir };
    } catch (e) {
      return { toml: (e as Error).message, hasDir };
    }
  }

  /** Empties a layer: no contents, no restored SBOMs, a toml with its types and empty metadata. */
  async #reset(layer: LayerName, types: LayerTypes): Promise<void> {
    const path = join(this.dir, layer);
    await io(`emptying layer ${path}`, async () => {
      await rm(path, { recursive: true, force: true });
      for (const ext of ["cdx.json", "spdx.json", "syft.json"]) await rm(join(this.dir, `${layer}.sbom.${ext}`), { force: true });
      await mkdir(path, { recursive: true });
    });
    await writeLayerToml(join(this.dir, `${layer}.toml`), types, {});
  }
}

function describeState(state: LayerState<unknown>): string {
  if (state.kind === "restored") return "restored, kept";
  if (state.cause === "new") return "new";
  if (state.cause === "invalid-metadata") return `restored metadata is invalid (${state.problem}), rebuilding`;
  return `restored, rebuilding${state.reason === undefined ? "" : `: ${state.reason}`}`;
}
