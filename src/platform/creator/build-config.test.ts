import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { cacheLayout } from "../../deps/index.js";
import { dependencySourcesEnv } from "./build-config.js";

test("dependency sources: cargo's registry, source-replacement, network and http settings from the host env pass on as defaults; nothing else of cargo's", async () => {
  const root = mkdtempSync(join(tmpdir(), "build-config-"));
  try {
    const files = await dependencySourcesEnv({
      sandbox: "none",
      network: true,
      cache: cacheLayout(root),
      hostEnv: { PATH: "", HOME: root, CARGO_REGISTRIES_MIRROR_INDEX: "sparse+file:///srv/index/", CARGO_NET_RETRY: "5", CARGO_HTTP_TIMEOUT: "60", CARGO_HOME: "/home/me/.cargo", CARGO_TARGET_DIR: "/tmp/t" },
    });
    assert.equal(files["CARGO_REGISTRIES_MIRROR_INDEX.default"], "sparse+file:///srv/index/");
    assert.equal(files["CARGO_NET_RETRY.default"], "5");
    assert.equal(files["CARGO_HTTP_TIMEOUT.default"], "60");
    assert.equal(files["CARGO_HOME.default"], undefined);
    assert.equal(files["CARGO_TARGET_DIR.default"], undefined);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
