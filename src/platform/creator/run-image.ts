// A run image from the local store under an image that goes to a registry. Its label would name
// `store:NAME`, which no other CNB tool (pack, kpack, the reference rebaser) can read, and which
// means nothing on another machine. So the run image is published beside the image, on the same
// registry under the same path (`HOST/paketo/trixie:run` for `paketo/trixie:run`), and the label
// records that name and its digest reference. Its layers go up once: the app's push then mounts
// them from there instead of uploading them again.
import { PaketoError } from "../../errors/index.js";
import { type AnalyzeResult, readImage } from "../../lifecycle/index.js";
import { type Image, parseReference, transport } from "../../oci/index.js";

/** Where a store image of name `storeName` goes on `registry`: the same path and tag (or digest). */
export function registryName(storeName: string, registry: string): string {
  const ref = parseReference(storeName);
  // A one-part store name is not a Docker Hub library image: keep the path as the user wrote it.
  const path = ref.registry === "docker.io" && ref.repository.startsWith("library/") && !storeName.startsWith("library/") && !storeName.startsWith("docker.io/") ? ref.repository.slice("library/".length) : ref.repository;
  return ref.digest && !storeName.includes(":") ? `${registry}/${path}@${ref.digest}` : `${registry}/${path}:${ref.tag ?? "latest"}`;
}

/**
 * The run image and its label record for an image written to `dest`: unchanged unless `dest` is
 * in a registry and the run image is in the local store; then it is pushed to the destination's
 * registry and read back from there (so its layers have an origin a push can mount from).
 */
export async function publishStoreRunImage(
  dest: string,
  analyzed: Pick<AnalyzeResult, "runImage" | "runImageRef">,
  opts: transport.TransportOptions,
): Promise<{ runImage: Image; runImageRef: AnalyzeResult["runImageRef"]; published?: string }> {
  const out = transport.parseImageName(dest);
  const ref = analyzed.runImageRef.reference;
  if (out.transport !== "docker" || !ref.startsWith("store:")) return { runImage: analyzed.runImage, runImageRef: analyzed.runImageRef };
  const storeName = ref.slice("store:".length).replace(/@sha256:[0-9a-f]{64}$/, "");
  const name = registryName(storeName, parseReference(out.ref).registry);
  let pushed;
  try {
    pushed = await transport.write(transport.parseImageName(`docker://${name}`), { kind: "image", image: analyzed.runImage }, opts);
  } catch (e) {
    throw new PaketoError("PLATFORM_RUN_IMAGE", `publishing the run image ${storeName} from the local store to ${name}: ${(e as Error).message}`, {
      cause: e,
      hint: "the image goes to a registry, so its run image must be readable there too; or name a run image in a registry with --run-image",
    });
  }
  const remote = (await readImage(transport.parseImageName(`docker://${name}`), opts)) ?? analyzed.runImage;
  const repo = parseReference(name).context().toString();
  return {
    runImage: remote,
    runImageRef: { reference: `${repo}@${pushed.digest}`, image: name, mirrors: [] },
    published: name,
  };
}
