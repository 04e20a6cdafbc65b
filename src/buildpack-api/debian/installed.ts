// Which Debian packages the run image already has, so only what is missing goes into a layer.
//
// The platform knows the run image; a buildpack does not (CNB gives it only the target's os, arch
// and distro). So paketo's platform reads the run image's dpkg database (its status.d entries, or
// the packages of its SBOM) and hands it over as a dpkg status file named by
// PAKETO_RUN_IMAGE_STATUS (docs/build.md). Under another platform the variable is absent and the
// build image's own database stands in, with a warning: the build image is usually a superset of
// the run image, so a package only the build image has would then be missing at launch.
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { debian } from "../../deps/index.js";
import { BuildpackError } from "../errors.js";
import type { Logger } from "../logger.js";

export const RUN_IMAGE_STATUS_ENV = "PAKETO_RUN_IMAGE_STATUS";

export interface InstalledSet {
  packages: debian.InstalledPackage[];
  /** Where the list came from, for the log. */
  source: string;
}

/**
 * A package list as read, not yet parsed: `digest` (SHA-256 of the text) stands for it in keys,
 * and `packages()` parses it once, when something needs the packages themselves.
 */
export interface InstalledList {
  digest: string;
  source: string;
  packages(): debian.InstalledPackage[];
}

function listOf(text: string, source: string): InstalledList {
  let parsed: debian.InstalledPackage[] | undefined;
  return { digest: createHash("sha256").update(text).digest("hex"), source, packages: () => (parsed ??= debian.parseStatus(text)) };
}

/** The run image's packages: the platform's status file, else the build image's database (`root`, default `/`). */
export async function runImagePackages(env: Readonly<Record<string, string | undefined>>, logger: Logger, root = "/"): Promise<InstalledSet> {
  const l = await runImageList(env, logger, root);
  return { packages: l.packages(), source: l.source };
}

/** runImagePackages, unparsed. */
export async function runImageList(env: Readonly<Record<string, string | undefined>>, logger: Logger, root = "/"): Promise<InstalledList> {
  const file = env[RUN_IMAGE_STATUS_ENV];
  if (file) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (e) {
      throw new BuildpackError("BUILDPACK_DEBIAN", `${RUN_IMAGE_STATUS_ENV}=${file}: cannot read the run image's package list: ${(e as Error).message}`, { cause: e });
    }
    return listOf(text, "the run image");
  }
  const l = await buildImageList(root);
  logger.warning(
    `${RUN_IMAGE_STATUS_ENV} is not set (the platform does not say what the run image has): assuming it has the build image's ${l.packages().length} Debian packages`,
  );
  return { ...l, source: "the build image (assumed for the run image)" };
}

/**
 * The build image's own packages (`root`, default `/`): what a build-only layer resolves against,
 * since its programs run only here (a compiler finds gcc and the C headers of the build image).
 */
export async function buildImagePackages(root = "/"): Promise<debian.InstalledPackage[]> {
  return (await buildImageList(root)).packages();
}

/** buildImagePackages, unparsed. */
export async function buildImageList(root = "/"): Promise<InstalledList> {
  const texts: string[] = [];
  const status = join(root, "var/lib/dpkg/status");
  texts.push(await readFile(status, "utf8").catch(() => ""));
  const dir = join(root, "var/lib/dpkg/status.d");
  for (const name of (await readdir(dir).catch(() => [] as string[])).sort()) {
    if (!name.includes(".")) texts.push(await readFile(join(dir, name), "utf8").catch(() => ""));
  }
  return listOf(texts.join("\n\n"), "the build image");
}
