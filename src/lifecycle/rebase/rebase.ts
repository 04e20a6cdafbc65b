// The rebaser (CNB-54): an app image moved onto a new run image by rewriting its config and
// manifest only. The run image's layers are those of the app image up to and including
// `runImage.topLayer` of its io.buildpacks.lifecycle.metadata label; they are replaced by the new
// run image's layers, and everything above stays byte for byte. No layer is read: a push finds
// the app layers in place (HEAD) and mounts the new run image's from their repository.
import {
  apiAtLeast,
  apiLessThan,
  LIFECYCLE_METADATA_LABEL,
  type LifecycleMetadata,
  parseApiVersion,
  parseLifecycleMetadataLabel,
  type ReportFile,
  type RunImageTarget,
  stringifyLifecycleMetadataLabel,
} from "../../cnb/index.js";
import { PaketoError } from "../../errors/index.js";
import * as oci from "../../oci/index.js";
import { chooseRunImage, digestReference, isNotFound, labelImageName, readImage, registryOf, runImageName, saveImage, targetOf } from "../images/index.js";
import { type PhaseLog, quietLog } from "../log.js";
import { RebaseError } from "./errors.js";

export interface RebaseOptions {
  /** The new run image's name as the user gave it, checked against the label's image and mirrors (Platform ≥0.12). */
  runImageName?: string;
  /** Its digest reference, recorded as runImage.reference. */
  runImageReference: string;
  /** Rebase even when the app image is not rebasable, the targets differ or the name is not the label's. */
  force?: boolean;
  /** The Platform API of this rebase. */
  platformApi: string;
}

/** What a rebase reports to. */
export interface RebaseDeps {
  log?: PhaseLog;
}

/** The app image on the new run image, and its updated io.buildpacks.lifecycle.metadata. */
export async function rebaseImage(app: oci.Image, newRun: oci.Image, opts: RebaseOptions, deps: RebaseDeps = {}): Promise<{ image: oci.Image; metadata: LifecycleMetadata }> {
  const log = deps.log ?? quietLog;
  const platformApi = parseApiVersion(opts.platformApi, "platform API");
  const [appConfig, runConfig] = await Promise.all([app.configFile(), newRun.configFile()]);
  const appLabels = appConfig.config.Labels ?? {};
  const runLabels = runConfig.config.Labels ?? {};
  const label = appLabels[LIFECYCLE_METADATA_LABEL];
  if (!label) {
    throw new RebaseError("REBASE_NOT_BUILDPACKS", `the app image has no ${LIFECYCLE_METADATA_LABEL} label`, { hint: "only images exported by a CNB lifecycle can be rebased" });
  }
  const metadata = wrap(() => parseLifecycleMetadataLabel(label));
  const check = (ok: boolean, code: "REBASE_NOT_REBASABLE" | "REBASE_INCOMPATIBLE" | "REBASE_RUN_IMAGE_NAME", message: string) => {
    if (ok) return;
    if (!opts.force) throw new RebaseError(code, message, { hint: "pass --force to rebase anyway" });
    log.warn(message);
  };

  check(appLabels["io.buildpacks.rebasable"] !== "false", "REBASE_NOT_REBASABLE", "the app image is not marked as rebasable (io.buildpacks.rebasable is false)");
  const appApiText = (appConfig.config.Env ?? []).find((e) => e.startsWith("CNB_PLATFORM_API="))?.slice("CNB_PLATFORM_API=".length);
  const appApi = appApiText ? wrap(() => parseApiVersion(appApiText, "CNB_PLATFORM_API of the app image")) : undefined;
  if (appApi === undefined || apiLessThan(appApi, "0.12")) {
    const appStack = appLabels["io.buildpacks.stack.id"];
    const runStack = runLabels["io.buildpacks.stack.id"];
    check(!!appStack && appStack === runStack, "REBASE_INCOMPATIBLE", `incompatible stack: the app image has ${JSON.stringify(appStack ?? "")}, the new run image ${JSON.stringify(runStack ?? "")}`);
    const missing = mixins(appLabels).filter((m) => !mixins(runLabels).includes(m));
    check(missing.length === 0, "REBASE_INCOMPATIBLE", `the new run image lacks mixin(s) ${missing.sort().join(", ")}`);
  } else {
    const appTarget = targetOf(appConfig);
    const runTarget = targetOf(runConfig);
    check(targetSatisfiedForRebase(runTarget, appTarget), "REBASE_INCOMPATIBLE", `the new run image's target ${describeTarget(runTarget)} does not match the app image's ${describeTarget(appTarget)}`);
  }

  const runImage: LifecycleMetadata["runImage"] = { ...(metadata.runImage ?? { topLayer: "", reference: "" }) };
  if (apiAtLeast(platformApi, "0.12") && opts.runImageName !== undefined) {
    const names = [runImage.image, ...(runImage.mirrors ?? []), metadata.stack?.runImage.image, ...(metadata.stack?.runImage.mirrors ?? [])];
    const known = names.some((n) => n !== undefined && sameImage(n, opts.runImageName as string));
    check(known, "REBASE_RUN_IMAGE_NAME", `the new run image ${opts.runImageName} is not the app image's run image ${runImage.image ?? "(none recorded)"} or one of its mirrors`);
    if (!known) {
      runImage.image = opts.runImageName;
      delete runImage.mirrors;
      metadata.stack = { runImage: { image: opts.runImageName } };
    }
  }

  // The old run image: the app's bottom layers up to and including topLayer.
  const diffIds = appConfig.rootfs.diff_ids;
  const top = diffIds.indexOf(runImage.topLayer as oci.Digest);
  if (top < 0) {
    throw new RebaseError("REBASE_NOT_BUILDPACKS", `the app image has no layer ${runImage.topLayer || "(none recorded)"}, the run image's top layer its label names`);
  }
  const appLayers = await app.layers();
  const oldBase = oci.mutate.appendLayers(oci.emptyImage(), ...appLayers.slice(0, top + 1));
  let image = oci.mutate.rebase(app, oldBase, newRun);

  runImage.topLayer = runConfig.rootfs.diff_ids.at(-1) ?? "";
  runImage.reference = opts.runImageReference;
  const updated: LifecycleMetadata = { ...metadata, runImage };
  const synced: Record<string, string | undefined> = { [LIFECYCLE_METADATA_LABEL]: stringifyLifecycleMetadataLabel(updated) };
  const prefixes = apiAtLeast(platformApi, "0.12") ? ["io.buildpacks.stack.", "io.buildpacks.base."] : ["io.buildpacks.stack."];
  const synchronised = (k: string) => prefixes.some((p) => k.startsWith(p));
  for (const k of Object.keys(appLabels)) if (synchronised(k)) synced[k] = undefined;
  for (const [k, v] of Object.entries(runLabels)) if (synchronised(k)) synced[k] = v;
  image = oci.mutate.withLabels(image, synced);
  return { image, metadata: updated };
}

export interface RebaseInputs {
  /** The app image, in transport syntax (`docker://HOST/REPO:TAG`, ...). */
  appImage: string;
  /**
   * The new run image (registry reference unless a transport is named). Default: the label's
   * run image, or its mirror on the app image's registry.
   */
  runImage?: string;
  /** Where the result goes (default: the app image's name). */
  tags?: string[];
  force?: boolean;
  platformApi: string;
  transport: oci.transport.TransportOptions;
}

export interface RebaseResult {
  /** The rebased image (an index's first). */
  image: oci.Image;
  metadata: LifecycleMetadata;
  /** The digest written: the image's, or the index's. */
  report: ReportFile;
  /** Each platform's rebased image, when the app image is an index. */
  platforms?: Array<{ platform: oci.Platform; image: oci.Image }>;
}

/**
 * Reads the app image and the new run image, rebases, and writes the result to the tags. An app
 * image that is an index (a multi-platform build) has each of its images rebased onto the run
 * image's image for that platform, and the index of the results is written.
 */
export async function rebase(inputs: RebaseInputs, deps: RebaseDeps = {}): Promise<RebaseResult> {
  const appName = wrap(() => oci.transport.parseImageName(inputs.appImage));
  let artifact: oci.Artifact | undefined;
  try {
    artifact = await oci.transport.read(appName, inputs.transport);
  } catch (e) {
    if (!isNotFound(e, appName)) throw new RebaseError("REBASE_READ", `reading the app image ${inputs.appImage}: ${(e as Error).message}`, { cause: e });
  }
  if (!artifact) throw new RebaseError("REBASE_READ", `the app image ${inputs.appImage} does not exist`);
  if (artifact.kind === "image") {
    const { image, metadata } = await rebaseOne(artifact.image, appName, inputs, deps);
    return { image, metadata, report: await save({ kind: "image", image }, inputs) };
  }
  const index = artifact.index;
  const done: Array<{ image: oci.Image; metadata: LifecycleMetadata; platform: oci.Platform }> = [];
  for (const m of (await index.indexManifest()).manifests) {
    if (!m.platform) throw new RebaseError("REBASE_READ", `${inputs.appImage} is an index whose image ${m.digest} names no platform`);
    const r = await rebaseOne(await index.image(m.digest as oci.Digest), appName, inputs, deps);
    done.push({ ...r, platform: m.platform });
  }
  const first = done[0];
  if (!first) throw new RebaseError("REBASE_READ", `${inputs.appImage} is an empty index`);
  const rebased = await oci.mutate.imageIndexOf(done);
  const report = await save({ kind: "index", index: rebased }, inputs);
  return { image: first.image, metadata: first.metadata, report, platforms: done.map((d) => ({ platform: d.platform, image: d.image })) };
}

async function save(a: oci.Artifact, inputs: RebaseInputs): Promise<ReportFile> {
  try {
    if (a.kind === "image") return await saveImage(a.image, inputs.tags ?? [inputs.appImage], inputs.transport);
    let digest = "";
    for (const t of inputs.tags ?? [inputs.appImage]) digest = (await oci.transport.write(t, a, inputs.transport)).digest;
    return { image: { tags: [...(inputs.tags ?? [inputs.appImage])], digest, manifestSize: (await a.index.rawManifest()).length } };
  } catch (e) {
    if (e instanceof PaketoError) throw new RebaseError("REBASE_WRITE", e.message, { cause: e });
    throw e;
  }
}

/** One image onto its platform's image of the new run image. */
async function rebaseOne(app: oci.Image, appName: oci.transport.ImageName, inputs: RebaseInputs, deps: RebaseDeps): Promise<{ image: oci.Image; metadata: LifecycleMetadata }> {
  const appConfig = await app.configFile();
  let runName = inputs.runImage;
  if (runName === undefined) {
    const label = appConfig.config.Labels?.[LIFECYCLE_METADATA_LABEL];
    const md = label ? wrap(() => parseLifecycleMetadataLabel(label)) : undefined;
    const image = md?.runImage?.image ?? md?.stack?.runImage.image;
    if (!image) throw new RebaseError("REBASE_RUN_IMAGE_NAME", "the app image does not say which run image it was built on", { hint: "pass --run-image" });
    const mirrors = md?.runImage?.image ? (md.runImage.mirrors ?? []) : (md?.stack?.runImage.mirrors ?? []);
    const reg = registryOf(appName);
    const choice = await chooseRunImage({ runFile: { images: [{ image, mirrors }] }, ...(reg ? { outputRegistry: reg } : {}) }, async (n) => {
      try {
        return (await readImage(runImageName(n), inputs.transport)) !== undefined;
      } catch {
        return false;
      }
    }).catch((e: unknown) => {
      throw new RebaseError("REBASE_READ", (e as Error).message, { cause: e });
    });
    runName = choice.name;
  }
  const runImageRefName = runImageName(runName);
  const platform = { os: appConfig.os, architecture: appConfig.architecture, ...(appConfig.variant ? { variant: appConfig.variant } : {}) };
  const newRun = await readImage(runImageRefName, inputs.transport, platform).catch((e: unknown) => {
    throw new RebaseError("REBASE_READ", `reading the run image ${runName}: ${(e as Error).message}`, { cause: e });
  });
  if (!newRun) throw new RebaseError("REBASE_READ", `the run image ${runName} does not exist`);
  return rebaseImage(app, newRun, {
    runImageName: labelImageName(runImageRefName),
    runImageReference: digestReference(runImageRefName, await newRun.digest()),
    platformApi: inputs.platformApi,
    ...(inputs.force ? { force: true } : {}),
  }, deps);
}

/** The reference's TargetSatisfiedForRebase: os and arch equal; variant and distro where the new image says. */
export function targetSatisfiedForRebase(run: RunImageTarget, app: RunImageTarget): boolean {
  if (run.os !== app.os || run.arch !== app.arch) return false;
  if (run.variant && app.variant && run.variant !== app.variant) return false;
  if (run.distro) {
    if (!app.distro) return false;
    if (run.distro.name && run.distro.name !== app.distro.name) return false;
    if (run.distro.version && run.distro.version !== app.distro.version) return false;
  }
  return true;
}

function describeTarget(t: RunImageTarget): string {
  return `${t.os}/${t.arch}${t.variant ? `/${t.variant}` : ""}${t.distro ? ` ${t.distro.name} ${t.distro.version}` : ""}`;
}

function mixins(labels: Record<string, string>): string[] {
  const raw = labels["io.buildpacks.stack.mixins"];
  if (!raw) return [];
  try {
    const v = JSON.parse(raw) as unknown;
    return Array.isArray(v) ? v.filter((m): m is string => typeof m === "string").map((m) => m.replace(/^(build|run):/, "")) : [];
  } catch {
    return [];
  }
}

/** Two names of one image: equal, or equal once parsed as registry references (docker.io/library spelled out). */
function sameImage(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return oci.parseReference(a).toString() === oci.parseReference(b).toString();
  } catch {
    return false;
  }
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof PaketoError && !(e instanceof RebaseError)) throw new RebaseError("REBASE_NOT_BUILDPACKS", e.message, { cause: e });
    throw e;
  }
}
