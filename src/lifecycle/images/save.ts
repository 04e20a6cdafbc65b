// Writing the exported (or rebased) image to every tag (CNB-52) and what report.toml says (CNB-50).
import { type ReportFile, stringifyReportToml } from "../../cnb/index.js";
import { PaketoError } from "../../errors/index.js";
import * as oci from "../../oci/index.js";
import { UnphasedError } from "../errors.js";
import { writeFileAtomic } from "../../fs/index.js";

export interface SaveOptions extends oci.transport.TransportOptions {}

/**
 * Writes `image` to each name (transport syntax: `docker://HOST/REPO:TAG`, `oci:DIR:TAG`, a store
 * name, ...). Registry names must share one registry, as without a daemon the lifecycle requires.
 * The first name gets the blobs; the others find them there and only get the manifest.
 * Returns the report: the names, the manifest digest and size.
 */
export async function saveImage(image: oci.Image, names: readonly string[], opts: SaveOptions): Promise<ReportFile> {
  if (names.length === 0) throw new UnphasedError("WRITE", "no image name to write to");
  const parsed = names.map((n) => wrapName(n));
  const registries = new Set(parsed.flatMap((n) => (n.transport === "docker" ? [oci.parseReference(n.ref).registry] : [])));
  if (registries.size > 1) {
    throw new UnphasedError("WRITE", `the tags name ${registries.size} registries (${[...registries].join(", ")}); all must be on one registry`);
  }
  const { format, ...rest } = opts;
  const img = format ? oci.mutate.withManifestFormat(image, format) : image;
  let digest: oci.Digest | undefined;
  for (const [i, n] of parsed.entries()) {
    try {
      digest = (await oci.transport.write(n, { kind: "image", image: img }, rest)).digest;
    } catch (e) {
      if (e instanceof PaketoError) throw new UnphasedError("WRITE", `writing the image to ${names[i]}: ${e.message}`, { cause: e, ...(e.hint ? { hint: e.hint } : {}) });
      throw e;
    }
  }
  return { image: { tags: [...names], digest: digest as string, manifestSize: (await img.rawManifest()).length } };
}

/** Writes report.toml (CNB-50). */
export async function writeReport(path: string, report: ReportFile): Promise<void> {
  await writeFileAtomic(path, stringifyReportToml(report));
}

function wrapName(n: string): oci.transport.ImageName {
  try {
    return oci.transport.parseImageName(n);
  } catch (e) {
    if (e instanceof PaketoError) throw new UnphasedError("WRITE", e.message, { cause: e });
    throw e;
  }
}
