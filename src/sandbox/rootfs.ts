import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { digestHex, extract, type Image } from "../oci/index.js";
import { SandboxError } from "./errors.js";

/** Directories a build sandbox binds onto: they must exist in the read-only root. */
export const BUILD_MOUNT_POINTS = ["dev", "proc", "tmp", "workspace", "layers", "platform", "cnb/buildpacks", "cnb/build-config"] as const;
/** Files the sandbox binds from the host when the network is on. */
export const BUILD_MOUNT_FILES = ["etc/resolv.conf", "etc/hosts"] as const;

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/**
 * The root filesystem of an image, extracted once per image digest under `cacheDir` and reused by
 * every later build. Extraction goes to a temp folder renamed into place at the end, so a killed
 * process never leaves a half-extracted root behind, and two processes racing simply share the
 * winner's copy.
 */
export async function prepareRootfs(
  image: Image,
  opts: { cacheDir: string; mountPoints?: readonly string[]; mountFiles?: readonly string[] },
): Promise<string> {
  const digest = await image.digest();
  const dest = join(opts.cacheDir, digestHex(digest));
  if (await exists(join(dest, ".paketo-rootfs"))) {
    // A root extracted for an older paketo may lack a mount point added since: empty dirs, harmless.
    for (const d of opts.mountPoints ?? BUILD_MOUNT_POINTS) await mkdir(join(dest, d), { recursive: true });
    return dest;
  }
  await mkdir(opts.cacheDir, { recursive: true });
  const tmp = join(opts.cacheDir, `.tmp-${digestHex(digest).slice(0, 12)}-${randomBytes(4).toString("hex")}`);
  try {
    await mkdir(tmp);
    for (const layer of await image.layers()) {
      await extract.extractLayer(layer, tmp, { parentSymlinks: "inside", devices: "skip", ownership: "ignore" });
    }
    for (const d of opts.mountPoints ?? BUILD_MOUNT_POINTS) await mkdir(join(tmp, d), { recursive: true });
    for (const f of opts.mountFiles ?? BUILD_MOUNT_FILES) {
      if (!(await exists(join(tmp, f)))) {
        await mkdir(dirname(join(tmp, f)), { recursive: true });
        await writeFile(join(tmp, f), "");
      }
    }
    await writeFile(join(tmp, ".paketo-rootfs"), `${digest}\n`);
    try {
      await rename(tmp, dest);
    } catch (e) {
      // Another process finished first: use its copy.
      if (await exists(join(dest, ".paketo-rootfs"))) {
        await rm(tmp, { recursive: true, force: true });
        return dest;
      }
      // A leftover without the marker (a crash mid-rename cannot happen, but a hand-made folder can).
      await rm(dest, { recursive: true, force: true });
      await rename(tmp, dest);
    }
    return dest;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw new SandboxError("SANDBOX_ROOTFS", `extracting the root filesystem of image ${digest}`, { cause: e });
  }
}
