// The analyze phase (CNB-32, CNB-33): the previous image's metadata, the run image and its target.
// Reads manifests and configs only, never a layer.
import {
  type AnalyzedFile,
  LIFECYCLE_METADATA_LABEL,
  type LifecycleMetadata,
  parseApiVersion,
  parseLifecycleMetadataLabel,
  platformFeatures,
  type RunFile,
} from "../../cnb/index.js";
import { PaketoError } from "../../errors/index.js";
import * as oci from "../../oci/index.js";
import { isNotFound } from "../cache/index.js";
import { type PhaseLog, quietLog } from "../export/index.js";
import { AnalyzeError } from "./errors.js";
import { chooseRunImage, digestReference, registryOf, runImageName, targetOf } from "./run-image.js";

export interface AnalyzeInputs {
  /** The image being built, in transport syntax (`docker://HOST/REPO:TAG`, `oci:DIR`, a store name). */
  outputImage: string;
  /** The previous image (default: `outputImage`). Missing is fine. */
  previousImage?: string;
  /** `-run-image`: used instead of run.toml's choice. Registry references unless a transport is named. */
  runImage?: string;
  /** run.toml (or the legacy stack.toml's run image, see cnb.runFileFromStack). */
  runFile?: RunFile;
  platformApi: string;
  transport: oci.transport.TransportOptions;
  log?: PhaseLog;
}

export interface AnalyzeResult {
  /** What analyzed.toml holds. */
  analyzed: AnalyzedFile;
  /** The previous image, when there is one (the exporter reuses its layers, the restorer its SBOM). */
  previousImage?: oci.Image;
  /** The run image to export onto. */
  runImage: oci.Image;
  /** What the exporter records about the run image (ExportInputs.runImageRef). */
  runImageRef: { reference: string; image?: string; mirrors?: string[] };
}

export async function analyze(inputs: AnalyzeInputs): Promise<AnalyzeResult> {
  const log = inputs.log ?? quietLog;
  const platformApi = parseApiVersion(inputs.platformApi, "platform API");
  const output = oci.transport.parseImageName(inputs.outputImage);

  // The run image: the first readable candidate, read once.
  const read = new Map<string, { image: oci.Image; name: oci.transport.ImageName }>();
  const choiceInput: Parameters<typeof chooseRunImage>[0] = {};
  if (inputs.runFile) choiceInput.runFile = inputs.runFile;
  if (inputs.runImage !== undefined) choiceInput.runImage = inputs.runImage;
  const outputRegistry = registryOf(output);
  if (outputRegistry !== undefined) choiceInput.outputRegistry = outputRegistry;
  const choice = await chooseRunImage(choiceInput, async (candidate) => {
    try {
      const name = runImageName(candidate);
      const image = await readImage(name, inputs.transport);
      if (!image) return false;
      read.set(candidate, { image, name });
      return true;
    } catch (e) {
      log.debug(`run image ${candidate} cannot be read: ${(e as Error).message}`);
      return false;
    }
  });
  let run = read.get(choice.name);
  if (!run) {
    const name = runImageName(choice.name);
    const image = await readImage(name, inputs.transport).catch((e: unknown) => {
      throw new AnalyzeError("ANALYZE_RUN_IMAGE", `reading the run image ${choice.name}: ${(e as Error).message}`, { cause: e });
    });
    if (!image) throw new AnalyzeError("ANALYZE_RUN_IMAGE", `the run image ${choice.name} does not exist`);
    run = { image, name };
  }
  const runConfig = await run.image.configFile();
  const runRef = digestReference(run.name, await run.image.digest());
  const platform = { os: runConfig.os, architecture: runConfig.architecture, ...(runConfig.variant ? { variant: runConfig.variant } : {}) };

  // The previous image: missing is fine, unreadable is not.
  const prevName = inputs.previousImage !== undefined ? oci.transport.parseImageName(inputs.previousImage) : output;
  let previousImage: oci.Image | undefined;
  try {
    previousImage = await readImage(prevName, inputs.transport, platform);
  } catch (e) {
    throw new AnalyzeError("ANALYZE_PREVIOUS_IMAGE", `reading the previous image ${oci.transport.formatImageName(prevName)}: ${(e as Error).message}`, {
      cause: e,
      ...(e instanceof PaketoError && e.hint ? { hint: e.hint } : {}),
    });
  }
  let metadata: LifecycleMetadata = { app: [], buildpacks: [] };
  let previousRef: string | undefined;
  if (previousImage) {
    previousRef = digestReference(prevName, await previousImage.digest());
    const label = (await previousImage.configFile()).config.Labels?.[LIFECYCLE_METADATA_LABEL];
    if (label) {
      try {
        metadata = parseLifecycleMetadataLabel(label);
      } catch (e) {
        log.warn(`ignoring the previous image's ${LIFECYCLE_METADATA_LABEL}: ${(e as Error).message}`);
      }
    }
    log.info(`Previous image ${oci.transport.formatImageName(prevName)} found`);
  } else {
    log.info(`Previous image ${oci.transport.formatImageName(prevName)} not found`);
  }

  const analyzed: AnalyzedFile = {
    metadata,
    runImage: {
      reference: runRef,
      image: choice.name,
      extend: false,
      ...(platformFeatures(platformApi).targetData ? { target: targetOf(runConfig) } : {}),
    },
  };
  if (previousRef !== undefined) analyzed.previousImage = { reference: previousRef };
  const runImageRef: AnalyzeResult["runImageRef"] = { reference: runRef, mirrors: choice.forExport.mirrors };
  if (choice.forExport.image !== undefined) runImageRef.image = choice.forExport.image;
  const result: AnalyzeResult = { analyzed, runImage: run.image, runImageRef };
  if (previousImage) result.previousImage = previousImage;
  return result;
}

/**
 * The image a name points at, or undefined when there is none. An index gives its image for
 * `platform` (default: linux on this machine's architecture).
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
