// Reading the images a build starts from (run image, previous image, cache image): "not there" is
// told apart from "there but unreadable", and the previous image's lifecycle label is read once,
// by one rule, for analyze and export.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { LIFECYCLE_METADATA_LABEL, type LifecycleMetadata, parseLifecycleMetadataLabel } from "../../cnb/index.js";
import { PaketoError } from "../../errors/index.js";
import * as oci from "../../oci/index.js";
import { type PhaseLog, quietLog } from "../log.js";

/** "There is no such image" from any transport: a cache (or previous image) that does not exist yet. */
export function isNotFound(e: unknown, name: oci.transport.ImageName): boolean {
  if (!(e instanceof PaketoError)) return false;
  if (e.code === "OCI_IMAGE_NOT_FOUND") return true;
  if (name.transport === "oci" || name.transport === "oci-archive" || name.transport === "docker-archive") {
    const path = name.transport === "oci" ? name.dir : name.file;
    if (!existsSync(path)) return true;
    // A folder that is not a layout yet (made empty for the output, say) holds no image either.
    return name.transport === "oci" && e.code === "OCI_LAYOUT" && !existsSync(join(path, "oci-layout"));
  }
  return false;
}

/**
 * The image a name points at, or undefined when there is none. An index gives its image for
 * `platform` (default: linux on this machine's architecture). Any other failure throws.
 */
export async function readImage(name: oci.transport.ImageName, opts: oci.transport.TransportOptions, platform?: oci.Platform): Promise<oci.Image | undefined> {
  let a: oci.Artifact;
  try {
    a = await oci.transport.read(name, opts);
  } catch (e) {
    if (isNotFound(e, name)) return undefined;
    throw e;
  }
  if (a.kind === "image") return a.image;
  return oci.remote.selectPlatform(a.index, platform ?? oci.remote.defaultPlatform(), oci.transport.formatImageName(name));
}

/**
 * The previous image's io.buildpacks.lifecycle.metadata. An image without the label, or with one
 * that does not parse, has nothing to reuse (as the reference: a warning, then a first build).
 */
export async function previousMetadata(img: oci.Image | undefined, log: PhaseLog = quietLog): Promise<LifecycleMetadata | undefined> {
  if (!img) return undefined;
  const label = (await img.configFile()).config.Labels?.[LIFECYCLE_METADATA_LABEL];
  if (!label) return undefined;
  try {
    return parseLifecycleMetadataLabel(label);
  } catch (e) {
    log.warn(`ignoring the previous image's ${LIFECYCLE_METADATA_LABEL}: ${(e as Error).message}`);
    return undefined;
  }
}
