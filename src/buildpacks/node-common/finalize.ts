// After build-time work with the full dependency tree (node-run-script), the project is pointed at
// what the image must hold: node_modules at the launch layer (or, for Yarn PnP, the production
// .pnp.cjs and .pnp.loader.mjs copied back into the project).
import { copyFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../../buildpack-api/index.js";
import { LAUNCH_MODULES_ENV, linkModules } from "./modules.js";
import { exists } from "../../fs/index.js";
import type { Env } from "./project.js";

export const PNP_FILES = [".pnp.cjs", ".pnp.loader.mjs"] as const;

/** Points the project at the launch modules, when an install buildpack said where they are; returns that place. */
export async function useLaunchModules(projectDir: string, env: Env, logger: Logger): Promise<string | undefined> {
  const target = env[LAUNCH_MODULES_ENV];
  if (target === undefined) return undefined;
  if (target === "") {
    // No node_modules in the image: unlink the build-time tree rather than leave a link to a layer the image lacks.
    await rm(join(projectDir, "node_modules"), { force: true, recursive: true });
    for (const f of PNP_FILES) await rm(join(projectDir, f), { force: true });
    logger.process("Removing node_modules from the app: nothing needs it at launch");
    return undefined;
  }
  if (await exists(join(target, ".pnp.cjs"))) {
    for (const f of PNP_FILES) {
      await rm(join(projectDir, f), { force: true });
      if (await exists(join(target, f))) await copyFile(join(target, f), join(projectDir, f));
    }
    logger.process("Restoring the production Plug'n'Play files (.pnp.cjs) for the image");
  } else {
    await linkModules(projectDir, target);
    logger.process(`Pointing node_modules at the production modules in ${target}`);
  }
  return target;
}
