// Where buildpacks and base images come from. Image names are containers/image syntax (D1); the
// local store plays the part pack's Docker daemon plays, so `--pull-policy` keeps its meaning:
//   docker://REF     always: the registry; if-not-present: the local store's copy named REF if
//                    there is one, else the registry; never: the local store only.
//   NAME[:TAG]       the local store (it is the default transport); when the name is not there
//                    and the pull policy is not `never`, the registry (docker://NAME).
//   oci:, oci-archive:, docker-archive:   exactly that file or folder.
// An image index is resolved to the image for the wanted platform.
import { stat } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Artifact,
  formatPlatform,
  type Image,
  OciError,
  type Platform,
  parseReference,
  remote,
  transport,
} from "../../oci/index.js";
import { isGzipFile } from "./artifact.js";
import { DistributionError } from "./errors.js";

export const PULL_POLICIES = ["always", "if-not-present", "never"] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];

export function parsePullPolicy(s: string): PullPolicy {
  if (!(PULL_POLICIES as readonly string[]).includes(s)) {
    throw new DistributionError("DIST_SOURCE", `pull policy ${JSON.stringify(s)} is not one of ${PULL_POLICIES.join(", ")}`);
  }
  return s as PullPolicy;
}

/** How images are read: the transports' options plus the pull policy and platform. */
export interface ImageAccess extends transport.TransportOptions {
  /** Default "always", as in pack. */
  pullPolicy?: PullPolicy;
  /** The platform picked from an image index (default: linux on this machine's architecture). */
  platform?: Platform;
}

/** An image read from a name, with the name it was finally read from. */
export interface OpenedImage {
  image: Image;
  /** What was read, in containers/image syntax (`docker://...` after a registry fallback). */
  name: string;
}

async function readArtifact(name: transport.ImageName, access: ImageAccess): Promise<Artifact | undefined> {
  try {
    return await transport.read(name, access);
  } catch (err) {
    if (err instanceof OciError && err.code === "OCI_IMAGE_NOT_FOUND" && name.transport === "store") return undefined;
    throw err;
  }
}

function isDockerReference(s: string): boolean {
  try {
    parseReference(s);
    return true;
  } catch {
    return false;
  }
}

/** Reads the image `name` names, as the module comment describes. `what` names it in errors. */
export async function openImage(name: string, access: ImageAccess, what = "image"): Promise<OpenedImage> {
  const policy = access.pullPolicy ?? "always";
  const parsed = transport.parseImageName(name);
  let artifact: Artifact | undefined;
  let readFrom = parsed;
  if (parsed.transport === "docker") {
    if (policy !== "always") artifact = await readArtifact({ transport: "store", name: parsed.ref }, access);
    if (!artifact) {
      if (policy === "never") {
        throw new DistributionError("DIST_SOURCE", `${what} ${name} is not in the local store, and the pull policy is never`, {
          hint: `copy it there first (paketo copy ${name} ${parsed.ref}) or use --pull-policy if-not-present`,
        });
      }
      artifact = await transport.read(parsed, access);
    }
  } else if (parsed.transport === "store") {
    artifact = await readArtifact(parsed, access);
    if (!artifact) {
      if (policy === "never" || !isDockerReference(parsed.name)) {
        throw new DistributionError("DIST_SOURCE", `${what} ${name} is not in the local store`, {
          hint: policy === "never" ? "the pull policy is never, so no registry was asked" : `name a registry image as docker://HOST/REPO:TAG`,
        });
      }
      readFrom = { transport: "docker", ref: parsed.name };
      artifact = await transport.read(readFrom, access);
    }
  } else {
    artifact = await transport.read(parsed, access);
  }
  const shown = transport.formatImageName(readFrom);
  if (artifact.kind === "image") return { image: artifact.image, name: shown };
  const want = access.platform ?? remote.defaultPlatform();
  const image = await remote.selectPlatform(artifact.index, want, shown);
  if (!image) {
    throw new DistributionError("DIST_SOURCE", `${what} ${shown} is an index with no image for ${formatPlatform(want)}`);
  }
  return { image, name: shown };
}

/** What a `uri` (or `image`) of builder.toml / package.toml names. */
export type ModuleLocation = { kind: "artifact"; path: string } | { kind: "image"; name: string };

/** A path rather than a name: starts with ./, ../, / or ~, or ends like an archive. */
export function looksLikePath(s: string): boolean {
  return /^(\.{1,2}(\/|$)|\/|~)|\.(tgz|tar\.gz|tar|cnb)$/.test(s);
}

/**
 * Classifies a buildpack `uri` as pack does, in containers/image syntax: `docker://`, `oci:`,
 * `oci-archive:`, `docker-archive:` name images; `file://` and existing paths (relative to
 * `baseDir`) name a folder, a .tgz, or a .cnb buildpackage (an OCI archive); other names that are
 * not paths name an image in the local store (or, by the pull policy, a registry).
 */
export async function locateModule(uri: string, baseDir: string, where: string): Promise<ModuleLocation> {
  const fail = (problem: string, hint?: string): never => {
    throw new DistributionError("DIST_SOURCE", `${where}: ${JSON.stringify(uri)} ${problem}`, hint ? { hint } : {});
  };
  if (uri.startsWith("urn:cnb:registry:")) {
    fail("is a buildpack registry reference, which paketo does not resolve", "use the buildpackage image (docker://...) the registry entry points at");
  }
  if (/^https?:\/\//.test(uri)) {
    fail("is a download URL; paketo does not fetch unverified archives (D4)", "download it, check its checksum, and name the file");
  }
  if (transport.hasTransport(uri)) return { kind: "image", name: uri };
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(uri) && !uri.startsWith("file://")) fail("uses a scheme paketo does not know");
  const path = uri.startsWith("file://") ? fileURLToPath(uri) : isAbsolute(uri) ? uri : resolve(baseDir, uri);
  let exists = true;
  let isDir = false;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch {
    exists = false;
  }
  if (exists) {
    if (isDir || (await isGzipFile(path))) return { kind: "artifact", path };
    return { kind: "image", name: `oci-archive:${path}` };
  }
  if (uri.startsWith("file://") || looksLikePath(uri)) fail(`names ${path}, which does not exist`);
  return { kind: "image", name: uri };
}
