// Which npm a Node.js release ships with: the npm a Paketo user gets by default, since Paketo's
// Node.js comes with its bundled npm. The npm registry's node-linux-<arch> packages leave npm
// out, but they carry the release line's CHANGELOG.md (Node.js's own release notes, verified with
// the tarball). Its sections for this release and the line's earlier ones list every npm upgrade
// ("**deps**: upgrade npm to 11.6.2"), so the newest such entry at or below this release is the
// npm it ships. The first releases of a line may list none (the npm came with the new major):
// then NPM_MAJOR_OF_NODE names the npm major the line started with.
import semver from "semver";
import type { Env } from "./project.js";

/**
 * Where node-engine's headers layer is, for node-gyp (build env): node-gyp's own setting, read
 * from npm_package_config_node_gyp_* as well as npm_config_* (npm warns of an unknown
 * npm_config_nodedir). pnpm drops npm_package_* from scripts' env, so pnpm-install passes it on
 * as npm_config_nodedir, which pnpm does not warn of.
 */
export const NODE_GYP_NODEDIR_ENV = "npm_package_config_node_gyp_nodedir";

/** The build env node-engine sets (build only) to the npm version its Node.js release ships with. */
export const BUNDLED_NPM_ENV = "PAKETO_NODE_NPM_VERSION";

/**
 * The npm major each Node.js line's first release (x.0.0) shipped with, from Node.js's release
 * notes (CHANGELOG_V<major>.md, "npm to version 11" for 24.0.0); 26.0.0 predates npm 12's first
 * publication (2026-07-09 in the registry). Lines before 16 and after the table: no default
 * from here (npm-install then takes the newest npm that runs on the Node.js).
 */
export const NPM_MAJOR_OF_NODE: Readonly<Record<number, number>> = {
  16: 7,
  17: 8,
  18: 8,
  19: 8,
  20: 9,
  21: 10,
  22: 10,
  23: 10,
  24: 11,
  25: 11,
  26: 11,
};

const UPGRADE = /\*\*deps\*\*: (?:upgrade|update) npm to v?(\d+\.\d+\.\d+)\b/;

/**
 * The npm version `version`'s release notes say it ships with: the first npm upgrade entry from
 * the release's own section (`<a id="24.11.1">`) down; undefined when the section is missing or
 * no entry at or below it names one. Reverted upgrades are skipped.
 */
export function npmFromChangelog(changelog: string, version: string): string | undefined {
  const start = changelog.indexOf(`<a id="${version}"></a>`);
  if (start < 0) return undefined;
  for (const line of changelog.slice(start).split("\n")) {
    if (/revert/i.test(line)) continue;
    const m = UPGRADE.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

/** The npm major a Node.js version's line started with, when the table knows it. */
export function npmMajorOfNode(nodeVersion: string): number | undefined {
  return NPM_MAJOR_OF_NODE[Number(nodeVersion.replace(/^v/, "").split(".")[0])];
}

/**
 * The npm a Paketo user would get with this Node.js: the version node-engine read in the release
 * notes (PAKETO_NODE_NPM_VERSION), else the npm major the line started with, else the newest npm
 * that runs on it. `why` says which, for the log.
 */
export function bundledNpmSpec(env: Env, nodeVersion: string): { spec: string; why: string } {
  const bundled = (env[BUNDLED_NPM_ENV] ?? "").trim();
  if (semver.valid(bundled) !== null) return { spec: bundled, why: `the npm Node.js ${nodeVersion} ships with` };
  const major = npmMajorOfNode(nodeVersion);
  if (major !== undefined) return { spec: `${major}`, why: `npm ${major}, as the Node.js ${semver.major(nodeVersion)} line` };
  return { spec: "*", why: "the newest npm for this Node.js" };
}
