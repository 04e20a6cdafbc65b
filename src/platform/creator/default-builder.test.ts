// The default builder's fingerprint: from the files it is made of, known by inode state after the
// first time (fs/tree-index), and the same value whichever way it is computed.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../../testing/index.js";
import { defaultBuilderConfig, defaultBuilderFingerprint } from "./default-builder.js";

test("defaultBuilderFingerprint: the index gives the value reading every file gives; a changed input changes it", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const index = join(d.path, "default-builder.index");
  // A builder config outside the paketo folder (the shipped one is inside it), changed below.
  const config = join(d.path, "default.toml");
  writeFileSync(config, readFileSync(defaultBuilderConfig()));
  const fresh = await defaultBuilderFingerprint(config);
  assert.match(fresh, /^[0-9a-f]{64}$/);
  assert.equal(await defaultBuilderFingerprint(config, index), fresh, "first scan: every file hashed");
  assert.ok(existsSync(index), "the inode states are kept");
  assert.equal(await defaultBuilderFingerprint(config, index), fresh, "from the index");
  writeFileSync(config, `${readFileSync(config, "utf8")}\n# changed\n`);
  const changed = await defaultBuilderFingerprint(config, index);
  assert.notEqual(changed, fresh);
  assert.equal(await defaultBuilderFingerprint(config), changed);
  // The shipped config is inside the folder the index covers.
  assert.equal(await defaultBuilderFingerprint(undefined, index), await defaultBuilderFingerprint());
});
