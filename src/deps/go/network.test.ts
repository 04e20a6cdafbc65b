// Against the module proxy and checksum database this machine's go configuration names (real
// network). Small downloads only: one module zip and the toolchain list; no toolchain zip.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../../testing/index.js";
import { readGoConfig } from "./config.js";
import { GoModuleSource } from "./source.js";
import { resolveToolchain, TOOLCHAIN_MODULE } from "./toolchain.js";

const dir = tempDir("paketo-goproxy-net-");
test.after(dir.cleanup);

test("the configured proxy: a module verified against the checksum database through it, then from the cache alone", async (t) => {
  const config = await readGoConfig(process.env);
  t.diagnostic(`GOPROXY from ${config.sources.GOPROXY}, GOSUMDB from ${config.sources.GOSUMDB}`);
  const source = await GoModuleSource.open({ env: process.env, cacheDir: join(dir.path, "cache") });
  const r = await source.install("github.com/gorilla/mux", "v1.8.1", join(dir.path, "mux"));
  assert.equal(r.verification.by, "sumdb");
  assert.equal(r.downloaded, true);
  assert.match(readFileSync(join(dir.path, "mux", "go.mod"), "utf8"), /^module github\.com\/gorilla\/mux/m);
  t.diagnostic(`github.com/gorilla/mux@v1.8.1 ${r.h1}, ${r.files} files, zip ${r.size} bytes`);
  const offline = await GoModuleSource.open({ env: process.env, cacheDir: join(dir.path, "cache"), offline: true });
  const again = await offline.install("github.com/gorilla/mux", "v1.8.1", join(dir.path, "mux2"));
  assert.equal(again.downloaded, false);
  assert.equal(again.h1, r.h1);
});

test("the configured proxy: the newest Go toolchain for linux/amd64 and the newest 1.25", async (t) => {
  const source = await GoModuleSource.open({ env: process.env, cacheDir: join(dir.path, "cache") });
  const newest = await resolveToolchain(source, { arch: "amd64", spec: undefined, where: "default" });
  const line = await resolveToolchain(source, { arch: "amd64", spec: "1.25.*", where: "test" });
  t.diagnostic(`newest ${newest.version.text} (${newest.how}); 1.25.* -> ${line.version.text} (${line.how})`);
  assert.ok(newest.version.minor >= 25, newest.version.text);
  assert.equal(line.version.minor, 25);
  assert.ok((await source.info(TOOLCHAIN_MODULE, newest.moduleVersion))?.Time);
});
