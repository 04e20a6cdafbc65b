// What `paketo attest` and `paketo build --sign` attest about an app image: its SBOM (the merged
// CycloneDX and SPDX documents `paketo sbom download` writes) and a SLSA provenance v1 predicate.
// Everything comes from the image (its labels and SBOM layer) plus what only the build knows (the
// builder, the source, the names of the build env), so the same inputs give the same bytes: no
// wall-clock time, no invocation id.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BUILD_METADATA_LABEL,
  LIFECYCLE_METADATA_LABEL,
  parseBuildMetadataLabel,
  parseLifecycleMetadataLabel,
  parseProjectMetadataLabel,
  PROJECT_METADATA_LABEL,
} from "../../cnb/index.js";
import type { Image } from "../../oci/index.js";
import { type Predicate, PredicateType } from "../../sign/index.js";
import { PAKETO_VERSION } from "../distribution/index.js";
import { downloadSbom, SbomError, writeImageSbom } from "../sbom/index.js";

/** The build type of paketo's provenance: a CNB build of app source into an app image. */
export const BUILD_TYPE = "urn:paketo:buildtype:cnb-build:v1";

export interface ProvenanceInputs {
  /** The builder image, by reference (a digest reference when known). */
  builder?: string;
  /** The app source: a git commit and/or a digest of the tree that was built. */
  source?: { uri?: string; gitCommit?: string; sha256?: string };
  /** Names of the env the build was given (`--env`, project.toml); never their values. */
  envNames?: readonly string[];
}

interface ResourceDescriptor {
  uri?: string;
  name?: string;
  digest?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface CdxComponent {
  name?: string;
  version?: string;
  purl?: string;
  hashes?: Array<{ alg?: string; content?: string }>;
}

function sortBy<T>(xs: T[], key: (x: T) => string): T[] {
  return xs.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** The dependencies the SBOM lists, by purl, with their SHA-256 when it records one. */
function dependencies(cdx: { components?: CdxComponent[] } | undefined): ResourceDescriptor[] {
  const seen = new Map<string, ResourceDescriptor>();
  for (const c of cdx?.components ?? []) {
    const uri = c.purl ?? `urn:paketo:component:${c.name ?? "unknown"}@${c.version ?? ""}`;
    if (seen.has(uri)) continue;
    const d: ResourceDescriptor = { uri, name: c.name ?? uri };
    const sha = c.hashes?.find((h) => h.alg === "SHA-256")?.content;
    if (sha) d.digest = { sha256: sha };
    if (c.version) d.annotations = { version: c.version };
    seen.set(uri, d);
  }
  return sortBy([...seen.values()], (d) => d.uri ?? "");
}

function digestOf(ref: string | undefined): Record<string, string> | undefined {
  const m = ref ? /@sha256:([0-9a-f]{64})$/.exec(ref) : null;
  return m ? { sha256: m[1] as string } : undefined;
}

/** A SLSA provenance v1 predicate for the image (https://slsa.dev/provenance/v1). */
export async function provenancePredicate(image: Image, cdx: { components?: CdxComponent[] } | undefined, inputs: ProvenanceInputs = {}): Promise<unknown> {
  const labels = (await image.configFile()).config.Labels ?? {};
  const bm = labels[BUILD_METADATA_LABEL] ? parseBuildMetadataLabel(labels[BUILD_METADATA_LABEL]) : undefined;
  const md = labels[LIFECYCLE_METADATA_LABEL] ? parseLifecycleMetadataLabel(labels[LIFECYCLE_METADATA_LABEL]) : undefined;
  const project = labels[PROJECT_METADATA_LABEL] ? parseProjectMetadataLabel(labels[PROJECT_METADATA_LABEL]) : {};
  const runRef = md?.runImage?.reference || md?.runImage?.image || md?.stack?.runImage.image;
  const runImage: ResourceDescriptor | undefined = runRef ? { uri: `oci://${runRef}`, name: "run-image" } : undefined;
  const runDigest = digestOf(runRef);
  if (runImage && runDigest) runImage.digest = runDigest;
  const source: ResourceDescriptor | undefined =
    inputs.source && (inputs.source.gitCommit || inputs.source.sha256)
      ? {
          name: "source",
          ...(inputs.source.uri ? { uri: inputs.source.uri } : {}),
          digest: { ...(inputs.source.gitCommit ? { gitCommit: inputs.source.gitCommit } : {}), ...(inputs.source.sha256 ? { sha256: inputs.source.sha256 } : {}) },
        }
      : undefined;
  const buildpacks = (bm?.buildpacks ?? []).map((b) => ({ uri: `urn:cnb:buildpack:${b.id}@${b.version ?? ""}`, name: b.id, annotations: { version: b.version ?? "" } }));
  const builder: ResourceDescriptor | undefined = inputs.builder ? { uri: `oci://${inputs.builder}`, name: "builder" } : undefined;
  const builderDigest = digestOf(inputs.builder);
  if (builder && builderDigest) builder.digest = builderDigest;
  return {
    buildDefinition: {
      buildType: BUILD_TYPE,
      externalParameters: {
        ...(inputs.builder ? { builder: inputs.builder } : {}),
        ...(runRef ? { runImage: runRef } : {}),
        ...(project.source ? { project: project.source } : {}),
        env: [...new Set(inputs.envNames ?? [])].sort(),
      },
      internalParameters: { buildpacks: (bm?.buildpacks ?? []).map((b) => ({ id: b.id, version: b.version ?? "" })) },
      resolvedDependencies: [...(source ? [source] : []), ...(runImage ? [runImage] : []), ...buildpacks, ...dependencies(cdx)],
    },
    runDetails: {
      builder: { id: inputs.builder ? `oci://${inputs.builder}` : "urn:paketo:builder:unknown", version: { paketo: PAKETO_VERSION }, ...(builder ? { builderDependencies: [builder] } : {}) },
      metadata: {},
    },
  };
}

export interface ImagePredicates {
  predicates: Predicate[];
  /** Why an SBOM could not be attested (the image has none), when it could not. */
  noSbom?: string;
}

/** The SBOM (CycloneDX, SPDX) and provenance predicates of an app image. */
export async function imagePredicates(image: Image, name: string, inputs: ProvenanceInputs = {}): Promise<ImagePredicates> {
  const dir = await mkdtemp(join(tmpdir(), "paketo-attest-"));
  try {
    let cdx: unknown;
    let spdx: unknown;
    let noSbom: string | undefined;
    try {
      const r = await downloadSbom(image, dir, { name });
      await writeImageSbom(image, dir, r.files, { name });
      cdx = JSON.parse(await readFile(join(dir, "sbom.cdx.json"), "utf8"));
      spdx = JSON.parse(await readFile(join(dir, "sbom.spdx.json"), "utf8"));
    } catch (e) {
      if (!(e instanceof SbomError && e.code === "SBOM_MISSING")) throw e;
      noSbom = e.message;
    }
    const predicates: Predicate[] = [];
    if (cdx !== undefined) predicates.push({ predicateType: PredicateType.cyclonedx, predicate: cdx });
    if (spdx !== undefined) predicates.push({ predicateType: PredicateType.spdxjson, predicate: spdx });
    predicates.push({ predicateType: PredicateType.slsaprovenance1, predicate: await provenancePredicate(image, cdx as { components?: CdxComponent[] } | undefined, inputs) });
    return noSbom === undefined ? { predicates } : { predicates, noSbom };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The commit a git work tree's HEAD points at, read from its files; undefined when there is none. */
export async function gitCommit(dir: string): Promise<string | undefined> {
  const git = join(dir, ".git");
  const head = (await readFile(join(git, "HEAD"), "utf8").catch(() => undefined))?.trim();
  if (!head) return undefined;
  if (/^[0-9a-f]{40}$/.test(head)) return head;
  const ref = /^ref: (refs\/[^\s]+)$/.exec(head)?.[1];
  if (!ref || ref.includes("..")) return undefined;
  const loose = (await readFile(join(git, ref), "utf8").catch(() => undefined))?.trim();
  if (loose && /^[0-9a-f]{40}$/.test(loose)) return loose;
  const packed = await readFile(join(git, "packed-refs"), "utf8").catch(() => "");
  for (const line of packed.split("\n")) {
    const [sha, name] = line.split(" ");
    if (name === ref && sha && /^[0-9a-f]{40}$/.test(sha)) return sha;
  }
  return undefined;
}
