// Reading the detector's input files from the build (CNB-27 defaults, CNB-62).
import { join } from "node:path";
import { type OrderFile, parseOrderToml, parseSystemToml, type SystemFile } from "../../cnb/index.js";
import { type BuildPaths, readFileInside } from "../exec/index.js";
import { LifecycleError } from "../errors.js";

/** order.toml (CNB-27): `<layers>/order.toml` when the platform wrote one, else the builder's `/cnb/order.toml`. */
export async function readOrderFile(paths: BuildPaths): Promise<OrderFile> {
  const platformOrder = await readFileInside(paths.host.layers, join(paths.host.layers, "order.toml"), `${paths.sandbox.layers}/order.toml`);
  if (platformOrder !== undefined) return parseOrderToml(platformOrder, `${paths.sandbox.layers}/order.toml`);
  const builderOrder = await readFileInside(paths.rootfs, join(paths.rootfs, "cnb", "order.toml"), "/cnb/order.toml");
  if (builderOrder === undefined) {
    throw new LifecycleError("DETECT_ERROR", "the builder has no /cnb/order.toml", { hint: "use a CNB builder image, or choose buildpacks with --buildpack" });
  }
  return parseOrderToml(builderOrder, "/cnb/order.toml");
}

/** The builder's `/cnb/system.toml` (Platform API 0.15), when it has one. */
export async function readSystemFile(paths: BuildPaths): Promise<SystemFile | undefined> {
  const text = await readFileInside(paths.rootfs, join(paths.rootfs, "cnb", "system.toml"), "/cnb/system.toml");
  return text === undefined ? undefined : parseSystemToml(text, "/cnb/system.toml");
}
