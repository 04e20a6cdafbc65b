// Build mounts (src/lifecycle/exec/build-mounts.ts): a buildpack asks, through its layer's build
// env, that later buildpacks see a layer folder as a real folder of the app. Written as
// `<app path>=<layer path>` pairs joined by ":". Shared by the families: the Node.js installs ask
// for node_modules; whoever reads the app (a web server's configuration folder) must know that
// such a folder is the layer's, not the app's, and is gone at launch.
export const BUILD_MOUNTS_ENV = "PAKETO_BUILD_MOUNTS";

export interface BuildMount {
  /** Where it shows in the app (absolute). */
  target: string;
  /** The layer folder (absolute). */
  source: string;
}

/** The mounts a build env asks for, by target. */
export function buildMounts(env: Readonly<Record<string, string | undefined>>): BuildMount[] {
  return (env[BUILD_MOUNTS_ENV] ?? "")
    .split(":")
    .map((e) => e.split("="))
    .filter((p): p is [string, string] => p.length === 2 && p[0] !== "" && p[1] !== "")
    .map(([target, source]) => ({ target, source }))
    .sort((a, b) => (a.target < b.target ? -1 : 1));
}
