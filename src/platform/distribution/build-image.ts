// The build image contract (CNB-31) as far as a builder needs it: a non-root user, and the CNB
// user and group ids in its Env. Checked before anything is built on it.
import type { ConfigFile } from "../../oci/index.js";
import { DistributionError } from "./errors.js";

export interface BuildImageUser {
  /** `User` of the image config, as written. */
  user: string;
  /** CNB_USER_ID / CNB_GROUP_ID. */
  uid: number;
  gid: number;
}

/** The image's Env as a map (later entries win, as at run time). */
export function envOf(config: ConfigFile): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of config.config.Env ?? []) {
    const i = e.indexOf("=");
    if (i > 0) env[e.slice(0, i)] = e.slice(i + 1);
  }
  return env;
}

function isRootUser(user: string): boolean {
  const name = user.split(":")[0] ?? "";
  return name === "" || name === "root" || name === "0";
}

const ID = /^(0|[1-9]\d{0,9})$/;

/** The CNB user of a build image, or a DIST_BUILD_IMAGE error naming the image and what is wrong. */
export function buildImageUser(config: ConfigFile, name: string): BuildImageUser {
  const env = envOf(config);
  const user = config.config.User ?? "";
  const fix = "the build image must set User to the non-root CNB user and Env CNB_USER_ID / CNB_GROUP_ID to its ids (CNB-31)";
  if (isRootUser(user)) {
    throw new DistributionError("DIST_BUILD_IMAGE", `build image ${name} runs as root (User ${JSON.stringify(user)}); buildpacks must not run as root`, { hint: fix });
  }
  const ids: number[] = [];
  for (const k of ["CNB_USER_ID", "CNB_GROUP_ID"] as const) {
    const v = env[k];
    if (v === undefined || v === "") throw new DistributionError("DIST_BUILD_IMAGE", `build image ${name} has no ${k} in its Env`, { hint: fix });
    if (!ID.test(v)) throw new DistributionError("DIST_BUILD_IMAGE", `build image ${name}: ${k}=${JSON.stringify(v)} is not a number`, { hint: fix });
    ids.push(Number(v));
  }
  const [uid, gid] = ids as [number, number];
  if (uid === 0) throw new DistributionError("DIST_BUILD_IMAGE", `build image ${name} has CNB_USER_ID=0, which is root`, { hint: fix });
  return { user, uid, gid };
}
