import assert from "node:assert/strict";
import { test } from "node:test";
import { parseLayerName } from "../cnb/index.js";
import { type CachedLayerDefinition, decideRestored } from "./layers.js";
import { s } from "./schema.js";

const layer = { name: parseLayerName("node"), path: "/layers/bp/node" };
const meta = s.object({ version: s.string() });
const def = (over: Partial<CachedLayerDefinition<{ version: string }>> = {}): CachedLayerDefinition<{ version: string }> => ({
  launch: true,
  metadata: meta,
  onRestored: (m) => (m.version === "22" ? "keep" : { rebuild: `version ${m.version} is not 22` }),
  ...over,
});
const toml = (metadata: Record<string, unknown>) => ({ metadata });

test("nothing restored: a new layer", () => {
  assert.deepEqual(decideRestored({ toml: undefined, hasDir: false }, def(), layer), { kind: "empty", cause: "new" });
});

test("valid metadata and onRestored says keep: restored, with typed metadata", () => {
  const state = decideRestored({ toml: toml({ version: "22" }), hasDir: true }, def(), layer);
  assert.deepEqual(state, { kind: "restored", metadata: { version: "22" } });
  if (state.kind === "restored") {
    const v: string = state.metadata.version;
    assert.equal(v, "22");
  }
});

test("onRestored says rebuild: empty, cause rejected, with the reason", () => {
  assert.deepEqual(decideRestored({ toml: toml({ version: "20" }), hasDir: true }, def(), layer), { kind: "empty", cause: "rejected", reason: "version 20 is not 22" });
  assert.deepEqual(decideRestored({ toml: toml({ version: "22" }), hasDir: true }, def({ onRestored: () => "rebuild" }), layer), {
    kind: "empty",
    cause: "rejected",
    reason: undefined,
  });
});

test("metadata that fails the schema, or a toml that cannot be read: empty, cause invalid-metadata; onRestored is not called", () => {
  const never = def({ onRestored: () => assert.fail("must not be called") });
  assert.deepEqual(decideRestored({ toml: toml({ version: 22 }), hasDir: true }, never, layer), {
    kind: "empty",
    cause: "invalid-metadata",
    problem: "version: expected a string, got number 22",
  });
  assert.deepEqual(decideRestored({ toml: "node.toml: not valid TOML", hasDir: true }, never, layer), {
    kind: "empty",
    cause: "invalid-metadata",
    problem: "node.toml: not valid TOML",
  });
});

test("restore rules (CNB-25): cached contents come back with their metadata; launch-only layers only with metadata", () => {
  // cache=true but the contents are missing: cannot keep what is not there.
  assert.deepEqual(decideRestored({ toml: toml({ version: "22" }), hasDir: false }, def(), layer), { kind: "empty", cause: "new" });
  // launch=true, cache=false: metadata from the previous image, no dir; keep reuses the image's layer.
  assert.deepEqual(decideRestored({ toml: toml({ version: "22" }), hasDir: false }, def({ cache: false }), layer), { kind: "restored", metadata: { version: "22" } });
  // build-only and uncached: never restored.
  assert.deepEqual(decideRestored({ toml: toml({ version: "22" }), hasDir: true }, def({ cache: false, launch: false, build: true }), layer), { kind: "empty", cause: "new" });
});

test("syncFiles leaves unchanged files alone (same inode and ctime), rewrites changed ones and removes the rest (D8)", async () => {
  const { mkdtempSync, statSync, existsSync, readFileSync, rmSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const { syncFiles } = await import("./layers.js");
  const root = mkdtempSync(join(tmpdir(), "paketo-sync-"));
  try {
    await syncFiles(root, ["env", "env.launch"], [
      { rel: "env/A.override", content: "1" },
      { rel: "env.launch/B.default", content: "2" },
      { rel: "env.launch/C.default", content: "3" },
    ]);
    const before = statSync(join(root, "env/A.override"));
    await new Promise((r) => setTimeout(r, 20));
    await syncFiles(root, ["env", "env.launch"], [
      { rel: "env/A.override", content: "1" },
      { rel: "env.launch/B.default", content: "changed" },
    ]);
    const after = statSync(join(root, "env/A.override"));
    assert.equal(after.ino, before.ino);
    assert.equal(after.ctimeMs, before.ctimeMs);
    assert.equal(readFileSync(join(root, "env.launch/B.default"), "utf8"), "changed");
    assert.ok(!existsSync(join(root, "env.launch/C.default")));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
