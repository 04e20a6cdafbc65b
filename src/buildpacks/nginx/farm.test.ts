// The configuration folder's link farm: the app's entries linked, templates to where they are
// rendered, Debian's stock files where the app has none, build mounts left out.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir, writeTree } from "../../testing/index.js";
import { buildMounts } from "../common/build-mounts.js";
import { buildFarm } from "./farm.js";

test("a build mount (node_modules shown in the app during the build) is not linked: it is a layer's folder, gone at launch", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const app = writeTree(join(tmp.path, "app"), { "nginx.conf": "", "dist/index.html": "" });
  mkdirSync(join(app, "node_modules"));
  const mounts = buildMounts({ PAKETO_BUILD_MOUNTS: `${join(app, "node_modules")}=/layers/x/build-modules/node_modules:${join(app, "node_modules/.cache")}=/layers/x/tool-caches/cache` });
  assert.deepEqual(mounts.map((m) => m.target), [join(app, "node_modules"), join(app, "node_modules/.cache")]);
  const farm = join(tmp.path, "farm");
  await buildFarm({ farm, confDir: app, renderDir: "/tmp/render", templates: ["nginx.conf"], fallback: new Map([["mime.types", "/etc/nginx/mime.types"]]), skip: new Set(mounts.map((m) => m.target)) });
  assert.deepEqual((await readdir(farm)).sort(), ["dist", "mime.types", "nginx.conf"]);
  assert.equal(await readlink(join(farm, "nginx.conf")), "/tmp/render/nginx.conf");
  assert.equal(await readlink(join(farm, "dist")), join(app, "dist"));
});
