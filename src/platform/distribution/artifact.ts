// Buildpack artifacts (CNB-65): a folder, or a gzip tar of one, with buildpack.toml at its root.
// Reading one gives its descriptor; packing it gives the reproducible layer pack would write.
import { createReadStream } from "node:fs";
import { lstat, mkdir, mkdtemp, open, readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { createGunzip } from "node:zlib";
import { type BuildpackDescriptor, isComposite, parseBuildpackDescriptor, refuseExtension } from "../../cnb/index.js";
import { extract, layer, type OnProgress, OciError } from "../../oci/index.js";
import { DistributionError } from "./errors.js";
import { buildpackDir, moduleInfoOf, type PackagedBuildpack } from "./module.js";

/** A buildpack on disk: its folder (a .tgz is unpacked first) and its parsed buildpack.toml. */
export interface BuildpackArtifact {
  dir: string;
  descriptor: BuildpackDescriptor;
  /** The folder or .tgz as the caller named it. */
  source: string;
}

export interface ArtifactOptions {
  /** Scratch space: a .tgz is unpacked here, layers are written here. Must outlive the layers' use. */
  workDir: string;
  onProgress?: OnProgress;
  signal?: AbortSignal;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** Whether `path` is a file starting with the gzip magic bytes. */
export async function isGzipFile(path: string): Promise<boolean> {
  const fh = await open(path, "r");
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  } finally {
    await fh.close();
  }
}

/** Reads and validates a buildpack folder or .tgz (unpacked into `opts.workDir`). */
export async function readBuildpackArtifact(path: string, opts: ArtifactOptions): Promise<BuildpackArtifact> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (err) {
    throw new DistributionError("DIST_ARTIFACT", `buildpack ${path} does not exist`, { cause: err });
  }
  let dir = path;
  if (!isDir) {
    if (!(await isGzipFile(path))) {
      throw new DistributionError("DIST_ARTIFACT", `${path} is neither a folder nor a gzip tar (.tgz) of a buildpack`, {
        hint: "a buildpack is a folder, or a .tgz of one, with buildpack.toml at its root (a .cnb buildpackage is read as an image)",
      });
    }
    await mkdir(opts.workDir, { recursive: true });
    dir = await mkdtemp(join(opts.workDir, `unpacked-${basename(path).replace(/[^A-Za-z0-9._-]/g, "_")}-`));
    try {
      const gunzip = createGunzip();
      const file = createReadStream(path);
      file.on("error", (e) => gunzip.destroy(e));
      await extract.extractTar(file.pipe(gunzip), dir, { what: path, devices: "skip", whiteouts: "keep" });
    } catch (err) {
      if (err instanceof OciError && err.code === "OCI_UNSAFE_ARCHIVE") throw err;
      throw new DistributionError("DIST_ARTIFACT", `cannot unpack buildpack ${path}: ${(err as Error).message}`, { cause: err });
    }
  }
  return { dir, descriptor: await readDescriptor(dir, path), source: path };
}

async function readDescriptor(dir: string, source: string): Promise<BuildpackDescriptor> {
  const where = join(source, "buildpack.toml");
  let text: string;
  try {
    text = await readFile(join(dir, "buildpack.toml"), "utf8");
  } catch (err) {
    const ext = await readFile(join(dir, "extension.toml"), "utf8").catch(() => undefined);
    if (ext !== undefined) refuseExtension(ext, join(source, "extension.toml"));
    throw new DistributionError("DIST_ARTIFACT", `${source} has no buildpack.toml at its root`, {
      cause: err,
      hint: "a buildpack artifact is a folder (or .tgz of one) with buildpack.toml at its root (CNB-65)",
    });
  }
  const d = parseBuildpackDescriptor(text, where);
  if (isComposite(d) && d.targets.length > 0) {
    throw new DistributionError("DIST_ARTIFACT", `${where}: targets must not be set on a composite buildpack (one with [[order]])`, {
      hint: "a composite runs wherever its components run; put [[targets]] in package.toml instead",
    });
  }
  return d;
}

const ALWAYS_EXECUTABLE = new Set(["bin/build", "bin/detect", "bin/generate"]);

/**
 * The mode pack gives an entry (pkg/buildpack/buildpack.go `calcFileMode`): 0755 for folders,
 * bin/build, bin/detect, bin/generate and anything with an execute bit; 0644 for the rest.
 */
export function distributionMode(relPath: string, kind: "file" | "directory" | "symlink", mode: number): number {
  if (kind === "symlink") return 0o777;
  if (kind === "directory" || ALWAYS_EXECUTABLE.has(relPath) || (mode & 0o111) !== 0) return 0o755;
  return 0o644;
}

/**
 * The buildpack's layer: every file of the folder under /cnb/buildpacks/<escaped-id>/<version>/,
 * owned by 0:0, stamped 1980-01-01T00:00:01Z (or `sourceDateEpoch`), modes as `distributionMode`
 * says, sorted, deterministic gzip. The same folder gives the same digest anywhere.
 */
export async function packBuildpack(a: BuildpackArtifact, opts: ArtifactOptions & { sourceDateEpoch?: number }): Promise<PackagedBuildpack> {
  const b = a.descriptor.buildpack;
  const walked = await layer.directoryEntries(a.dir);
  const entries = await Promise.all(
    walked.map(async (e) => {
      const st = await lstat(e.source);
      const kind = st.isDirectory() ? "directory" : st.isSymbolicLink() ? "symlink" : "file";
      return { path: e.path, source: e.source, mode: distributionMode(e.path, kind, st.mode) };
    }),
  );
  const built = await layer.layerFromFiles(entries, {
    outputDir: join(opts.workDir, "layers"),
    prefix: buildpackDir(b.id, b.version),
    uid: 0,
    gid: 0,
    parentDirs: { mode: 0o755, uid: 0, gid: 0 },
    label: `${b.id}@${b.version}`,
    ...(opts.sourceDateEpoch !== undefined ? { sourceDateEpoch: opts.sourceDateEpoch } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return {
    id: b.id,
    version: b.version,
    api: a.descriptor.api,
    info: moduleInfoOf(a.descriptor),
    stacks: a.descriptor.stacks,
    targets: a.descriptor.targets,
    order: a.descriptor.order.map((g) => ({ group: g.group.map((e) => ({ id: e.id, version: e.version, optional: e.optional })) })),
    layer: built,
    source: a.source,
  };
}

/** readBuildpackArtifact then packBuildpack. */
export async function loadBuildpack(path: string, opts: ArtifactOptions & { sourceDateEpoch?: number }): Promise<PackagedBuildpack> {
  return packBuildpack(await readBuildpackArtifact(path, opts), opts);
}
