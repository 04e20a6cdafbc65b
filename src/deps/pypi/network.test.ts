// Against the package index this machine's pip configuration names (real network; pip's built-in
// default when nothing names one). Small downloads only: the pip and uv wheels' pages, the pip wheel.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../../testing/index.js";
import { pipDefaultIndex, readPipConfig } from "./config.js";
import { PypiSource } from "./source.js";

const dir = tempDir("paketo-pypi-net-");
test.after(dir.cleanup);

test("the configured index: pip's newest wheel verified into the cache, then offline from it; uv's manylinux wheel", async (t) => {
  const index = await readPipConfig(process.env, { defaultIndex: () => pipDefaultIndex(process.env) });
  t.diagnostic(`index from ${index.source}`);
  const cacheDir = join(dir.path, "cache");
  const source = await PypiSource.open({ env: process.env, index, cacheDir });
  const pip = await source.findFile("pip");
  assert.match(pip.filename, /^pip-\d+(\.\d+)+-py3-none-any\.whl$/);
  const d = await source.download(pip);
  assert.equal(d.downloaded, true);
  const offline = await PypiSource.open({ env: process.env, index, cacheDir, offline: true });
  assert.equal((await offline.download(await offline.findFile("pip"))).downloaded, false);
  const uv = await source.findFile("uv", { platforms: ["manylinux_2_17_x86_64", "manylinux2014_x86_64"] });
  t.diagnostic(`pip ${pip.version}, uv ${uv.version} (${uv.filename})`);
  assert.match(uv.filename, /manylinux/);
});
