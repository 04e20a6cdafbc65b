// The analyze phase (CNB-32, CNB-33): the previous image's metadata, the run image and its target.
// Reads manifests and configs only, never a layer.
import { type AnalyzedFile, type LifecycleMetadata, parseApiVersion, platformFeatures, type RunFile, type RunImageTarget } from "../../cnb/index.js";
import { PaketoError } from "../../errors/index.js";
import * as oci from "../../oci/index.js";
import { chooseRunImage, digestReference, previousMetadata, readImage, registryOf, runImageName, targetOf } from "../images/index.js";
import { type PhaseLog, quietLog } from "../log.js";
import { AnalyzeError } from "./errors.js";

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
  /** The platform to build for: run images that are indexes give this platform's image (default: this machine's). */
  platform?: oci.Platform;
}

export interface AnalyzeResult {
  /** What analyzed.toml holds. */
  analyzed: AnalyzedFile;
  /** The previous image, when there is one (the exporter reuses its layers, the restorer its SBOM). */
  previousImage?: oci.Image;
  /** The run image to export onto. */
  runImage: oci.Image;
  /** Its target data (CNB-31), for detect and build (analyzed.toml carries it from Platform API 0.12). */
  target: RunImageTarget;
  /** What the exporter records about the run image (ExportInputs.runImageRef). */
  runImageRef: { reference: string; image?: string; mirrors?: string[] };
}

/** What analyze reports to. */
export interface AnalyzeDeps {
  log?: PhaseLog;
}

export function analyze(inputs: AnalyzeInputs, deps: AnalyzeDeps = {}): Promise<AnalyzeResult> {
  return AnalyzeError.within(() => analyzePhase(inputs, deps));
}

async function analyzePhase(inputs: AnalyzeInputs, deps: AnalyzeDeps): Promise<AnalyzeResult> {
  const log = deps.log ?? quietLog;
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
      const image = await readImage(name, inputs.transport, inputs.platform);
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
    const image = await readImage(name, inputs.transport, inputs.platform).catch((e: unknown) => {
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
    metadata = (await previousMetadata(previousImage, log)) ?? metadata;
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
  const result: AnalyzeResult = { analyzed, runImage: run.image, target: targetOf(runConfig), runImageRef };
  if (previousImage) result.previousImage = previousImage;
  return result;
}
