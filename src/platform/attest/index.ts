// Signing and attesting app images (docs/signing.md): the predicates are this folder's; the
// formats and where they are stored are src/sign's.
import { BUILDER_METADATA_LABEL, parseBuilderMetadataLabel } from "../../cnb/index.js";
import { remote, transport } from "../../oci/index.js";
import { attestImage, SignError, type SignResult, signImage, type SigningKey, verifyImage, type VerifyingKey } from "../../sign/index.js";
import { imagePredicates, type ProvenanceInputs } from "./predicates.js";

export { BUILD_TYPE, gitCommit, imagePredicates, type ImagePredicates, provenancePredicate, type ProvenanceInputs } from "./predicates.js";

export interface SignAndAttestResult {
  signature: SignResult;
  attestations: SignResult[];
  noSbom?: string;
}

/** Attests the image's SBOM and provenance, then signs it, beside the image `name` points at. */
export async function signAndAttest(name: transport.ImageName, key: SigningKey, o: transport.TransportOptions, inputs: ProvenanceInputs = {}): Promise<SignAndAttestResult> {
  const a = await transport.read(name, o);
  if (a.kind !== "image") {
    const signature = await signImage(name, key, o);
    return { signature, attestations: [], noSbom: `${transport.formatImageName(name)} is an image index` };
  }
  const p = await imagePredicates(a.image, transport.formatImageName(name), inputs);
  const attestations = await attestImage(name, key, p.predicates, o);
  const signature = await signImage(name, key, o);
  return p.noSbom === undefined ? { signature, attestations } : { signature, attestations, noSbom: p.noSbom };
}

/**
 * `paketo build --require-signed-builder`: the builder and the run image the build will use (the
 * one named, else the builder's first) must carry a signature that verifies with `key`. Names are
 * read as the build reads them (creator/prepare.ts, runImageChoice): `builder` and `runImage` in
 * the CLI's syntax, the builder's own run images as CNB names (bare names meaning the local store
 * for a builder there, where nothing can be signed).
 */
export async function requireSignedBuilder(builder: string, runImage: string | undefined, key: VerifyingKey, o: transport.TransportOptions): Promise<string[]> {
  const builderName = transport.parseImageName(builder);
  await verifyImage(builderName, key, o);
  let run: transport.ImageName;
  if (runImage !== undefined) run = transport.parseImageName(runImage);
  else {
    const a = await transport.read(builderName, o);
    const img = a.kind === "image" ? a.image : await remote.selectPlatform(a.index, remote.defaultPlatform(), builder);
    const label = img ? (await img.configFile()).config.Labels?.[BUILDER_METADATA_LABEL] : undefined;
    const md = label ? parseBuilderMetadataLabel(label) : undefined;
    const first = md?.images[0]?.image || md?.stack.runImage.image;
    if (!first) throw new SignError("SIGN_UNSIGNED", `${builder} names no run image, so none can be checked`, { hint: "name it with --run-image" });
    run = transport.parseCnbImageName(first);
  }
  await verifyImage(run, key, o);
  return [builder, transport.formatImageName(run)];
}
