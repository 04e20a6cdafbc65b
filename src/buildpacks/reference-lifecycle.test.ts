// Our bundled buildpacks are plain CNB buildpacks: the reference lifecycle's detector and builder
// run them as separate bin/detect and bin/build processes (no buildpack host, no memo), and the
// Node.js group detects and builds an npm app with its process type.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseBuildMetadata, parseGroupToml } from "../cnb/index.js";
import { hasCommand, run, tempDir } from "../testing/index.js";
import { referenceLifecycle } from "../testing/reference-lifecycle.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BUNDLES = join(ROOT, "dist/bundled-buildpacks");
const GROUP = ["node-engine", "npm-install", "npm-start"];

test("the reference lifecycle detects and builds an npm app with our buildpacks as separate processes", { skip: !hasCommand("go") && "needs go" }, async (t) => {
  const lifecycle = referenceLifecycle();
  const tmp = tempDir("paketo-reference-");
  t.after(() => tmp.cleanup());
  const d = (p: string) => join(tmp.path, p);
  cpSync(join(ROOT, "src/e2e/apps/npm-lock"), d("app"), { recursive: true });
  for (const name of GROUP) {
    const toml = readFileSync(join(BUNDLES, name, "buildpack.toml"), "utf8");
    const id = /^id = "([^"]+)"/m.exec(toml)?.[1] as string;
    const version = /^version = "([^"]+)"/m.exec(toml)?.[1] as string;
    cpSync(join(BUNDLES, name), d(`buildpacks/${id.replace("/", "_")}/${version}`), { recursive: true });
  }
  writeFileSync(d("order.toml"), `[[order]]\n${GROUP.map((n) => `[[order.group]]\nid = "paketo-buildpacks/${n}"\nversion = "0.1.0"\n`).join("")}`);
  // The host's trust for the registry, as paketo's platform hands it to buildpacks (user env here).
  mkdirSync(d("platform/env"), { recursive: true });
  const bundle = ["/etc/ssl/certs/ca-certificates.crt", process.env.NODE_EXTRA_CA_CERTS].filter((f): f is string => !!f && existsSync(f));
  writeFileSync(d("ca.crt"), bundle.map((f) => readFileSync(f, "utf8")).join("\n"));
  writeFileSync(d("platform/env/npm_config_cafile"), d("ca.crt"));
  writeFileSync(d("platform/env/NODE_EXTRA_CA_CERTS"), d("ca.crt"));
  mkdirSync(d("layers"));
  // The lifecycle refuses to run as root: a user namespace makes this process uid 1000 in it.
  const phase = (name: string, args: string[]) =>
    run("bwrap", ["--unshare-user", "--uid", "1000", "--gid", "1000", "--bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--", join(lifecycle, name), ...args], {
      env: { ...process.env, CNB_PLATFORM_API: "0.13" },
    });
  const common = ["-app", d("app"), "-buildpacks", d("buildpacks"), "-layers", d("layers"), "-platform", d("platform")];
  phase("detector", [...common, "-order", d("order.toml")]);
  const group = parseGroupToml(readFileSync(d("layers/group.toml"), "utf8"), "group.toml");
  assert.deepEqual(group.group.map((g) => g.id), GROUP.map((n) => `paketo-buildpacks/${n}`));
  phase("builder", common);
  const metadata = parseBuildMetadata(readFileSync(d("layers/config/metadata.toml"), "utf8"), "metadata.toml");
  assert.deepEqual(metadata.processes.map((p) => [p.type, p.command]), [["web", ["node", "server.js"]]]);
  assert.ok(existsSync(d("layers/paketo-buildpacks_npm-install/launch-modules/node_modules/express/package.json")), "npm ci installed express");
  // Neither the detect reads nor the build records exist outside paketo's platform.
  assert.ok(!existsSync(d("layers/paketo-detect-reads.json")) && !existsSync(d("layers/paketo-build-record.json")));
});
