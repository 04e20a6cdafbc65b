// Run image resolution (CNB-33) and target data (CNB-31, CNB-32). The choice among an image and
// its mirrors is pure given a readability check, which the caller supplies.
import type { RunFile, RunImageTarget } from "../../cnb/index.js";
import * as oci from "../../oci/index.js";
import { UnphasedError } from "../errors.js";

/** An image name as run.toml and `-run-image` write it (a bare name is a registry reference). */
export const runImageName = oci.transport.parseCnbImageName;

/** How a name is recorded in image labels: the inverse of runImageName. */
export const labelImageName = oci.transport.formatCnbImageName;

/** The registry (host[:port]) of a name, or undefined for names not in a registry. */
export function registryOf(n: oci.transport.ImageName): string | undefined {
  if (n.transport !== "docker") return undefined;
  try {
    return oci.parseReference(n.ref).registry;
  } catch {
    return undefined;
  }
}

export interface RunImageChoice {
  /** The name read: the image or one of its mirrors. */
  name: string;
  /** What the app image's label records (CNB-47): the run.toml entry that holds `name`. */
  forExport: { image?: string; mirrors: string[] };
}

/**
 * Picks the run image (CNB-33): the platform's `-run-image` if given; else among run.toml's first
 * image and its mirrors, the first readable one on the output image's registry, else the first
 * readable one at all. The label metadata comes from the first run.toml entry naming the choice,
 * else from the first entry.
 */
export async function chooseRunImage(
  input: { runFile?: RunFile; runImage?: string; outputRegistry?: string },
  readable: (name: string) => Promise<boolean>,
): Promise<RunImageChoice> {
  const images = input.runFile?.images ?? [];
  const entryFor = (name: string) => {
    const e = images.find((i) => i.image === name || i.mirrors.includes(name)) ?? images[0];
    return e ? { ...(e.image !== undefined ? { image: e.image } : {}), mirrors: [...e.mirrors] } : { image: name, mirrors: [] };
  };
  if (input.runImage !== undefined) return { name: input.runImage, forExport: entryFor(input.runImage) };
  const first = images[0];
  if (!first?.image) {
    throw new UnphasedError("RUN_IMAGE", "no run image: run.toml lists none and none was given", { hint: "pass --run-image, or use a builder whose run.toml names one" });
  }
  const candidates = [first.image, ...first.mirrors];
  if (input.outputRegistry !== undefined) {
    for (const c of candidates) {
      if (registryOf(runImageName(c)) === input.outputRegistry && (await readable(c))) return { name: c, forExport: entryFor(c) };
    }
  }
  for (const c of candidates) if (await readable(c)) return { name: c, forExport: entryFor(c) };
  throw new UnphasedError("RUN_IMAGE", `none of the run images can be read: ${candidates.join(", ")}`, {
    hint: "check the names, the network and the credentials for their registries",
  });
}

/** Target data of an image (CNB-31): os/arch/variant from its config, id and distro from io.buildpacks.base.* labels. */
export function targetOf(config: oci.ConfigFile): RunImageTarget {
  const labels = config.config.Labels ?? {};
  const t: RunImageTarget = { os: config.os, arch: config.architecture };
  if (config.variant) t.variant = config.variant;
  if (labels["io.buildpacks.base.id"]) t.id = labels["io.buildpacks.base.id"];
  const name = labels["io.buildpacks.base.distro.name"];
  const version = labels["io.buildpacks.base.distro.version"];
  if (name !== undefined || version !== undefined) t.distro = { name: name ?? "", version: version ?? "" };
  return t;
}

/** How the label and analyzed.toml name an image read by digest: `registry/repo@sha256:...`, or `NAME@sha256:...`. */
export function digestReference(n: oci.transport.ImageName, digest: oci.Digest): string {
  if (n.transport === "docker") return `${oci.parseReference(n.ref).context().toString()}@${digest}`;
  return `${labelImageName(n)}@${digest}`;
}
