import { test } from "node:test";
import assert from "node:assert/strict";
import { type LifecycleMetadata, parseApiVersion } from "../../cnb/index.js";
import type { CacheMetadata } from "../cache/index.js";
import { planRestore } from "./index.js";

const flags = (s: string) => ({ launch: s.includes("L"), build: s.includes("B"), cache: s.includes("C") });

const previous: LifecycleMetadata = {
  app: [],
  buildpacks: [
    {
      key: "bp",
      version: "1",
      layers: {
        "launch-only": { sha: "sha256:lo", data: { a: 1 }, ...flags("L") },
        "launch-build": { sha: "sha256:lb", data: {}, ...flags("LB") },
        "launch-cache": { sha: "sha256:lc", data: { v: "img" }, ...flags("LC") },
        "launch-cache-stale": { sha: "sha256:old", data: {}, ...flags("LC") },
        "launch-cache-uncached": { sha: "sha256:lcu", data: {}, ...flags("LC") },
        "launch-build-cache": { sha: "sha256:lbc", data: {}, ...flags("LBC") },
      },
      store: { counter: 3 },
    },
    { key: "gone", version: "1", layers: { x: { sha: "sha256:x", data: {}, ...flags("L") } }, store: { s: 1 } },
  ],
};

const cache: CacheMetadata = {
  buildpacks: [
    {
      key: "bp",
      version: "1",
      layers: {
        "launch-cache": { sha: "sha256:lc", data: { v: "cache" }, ...flags("LC") },
        "launch-cache-stale": { sha: "sha256:new", data: {}, ...flags("LC") },
        "launch-build-cache": { sha: "sha256:lbc", data: {}, ...flags("LBC") },
        "cache-only": { sha: "sha256:co", data: { c: true }, ...flags("C") },
        "build-cache": { sha: "sha256:bc", data: {}, ...flags("BC") },
        "launch-cache-not-in-image": { sha: "sha256:lcn", data: {}, ...flags("LC") },
        "not-cache": { sha: "sha256:nc", data: {}, ...flags("B") },
      },
    },
  ],
};

test("planRestore follows the restore table (CNB-25)", () => {
  const plan = planRestore({ buildpacks: [{ id: "bp" }], previous, cache, platformApi: parseApiVersion("0.14") });
  assert.deepEqual(
    plan.layers.map((l) => [l.layer, l.from, l.contents ?? null]),
    [
      ["launch-build-cache", "image", "sha256:lbc"],
      ["launch-cache", "image", "sha256:lc"],
      ["launch-only", "image", null],
      ["build-cache", "cache", "sha256:bc"],
      ["cache-only", "cache", "sha256:co"],
      ["launch-cache-not-in-image", "cache", "sha256:lcn"],
    ],
  );
  // Cache layers left behind say why: another version in the cache, or none there.
  assert.deepEqual(
    plan.skipped.map((k) => [k.layer, k.reason.replace(/\(.*?\)/g, "(...)")]),
    [
      ["launch-cache-stale", "the cache holds another version of it (...) than the previous image (...)"],
      ["launch-cache-uncached", "the previous image has it as cache=true, but the cache does not hold it"],
    ],
  );
  // Metadata of a layer in both comes from the image.
  assert.deepEqual(plan.layers.find((l) => l.layer === "launch-cache")?.data, { v: "img" });
  assert.deepEqual(plan.stores, [{ buildpackId: "bp", metadata: { counter: 3 } }]);
});

test("planRestore: before Platform 0.14 a launch+cache layer missing from the image is not restored; skip-layers keeps store.toml only", () => {
  const old = planRestore({ buildpacks: [{ id: "bp" }], previous, cache, platformApi: parseApiVersion("0.13") });
  assert.ok(!old.layers.some((l) => l.layer === "launch-cache-not-in-image"));
  assert.match(old.skipped.find((k) => k.layer === "launch-cache-not-in-image")?.reason ?? "", /launch=true and not in the previous image.*Platform API 0\.14/);
  const skip = planRestore({ buildpacks: [{ id: "bp" }, { id: "gone" }], previous, cache, platformApi: parseApiVersion("0.14"), skipLayers: true });
  assert.deepEqual(skip.layers, []);
  assert.deepEqual(skip.stores.map((s) => s.buildpackId), ["bp", "gone"]);
  // Buildpacks that are not in the group get nothing.
  const none = planRestore({ buildpacks: [{ id: "other" }], previous, cache, platformApi: parseApiVersion("0.14") });
  assert.deepEqual(none, { layers: [], stores: [], skipped: [] });
  // No cache: only the image's launch-only layers.
  const cold = planRestore({ buildpacks: [{ id: "bp" }], previous, cache: { buildpacks: [] }, platformApi: parseApiVersion("0.14") });
  assert.deepEqual(cold.layers.map((l) => l.layer), ["launch-only"]);
});
