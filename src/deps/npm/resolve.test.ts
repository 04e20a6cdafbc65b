import assert from "node:assert/strict";
import { test } from "node:test";
import { NpmError } from "./errors.js";
import type { Packument } from "./packument.js";
import { resolveVersion } from "./resolve.js";

function pkg(versions: Record<string, string | undefined>, tags: Record<string, string> = {}): Packument {
  const v: Packument["versions"] = {};
  for (const [ver, dep] of Object.entries(versions)) {
    v[ver] = { name: "x", version: ver, dist: { tarball: `http://r.invalid/x-${ver}.tgz` }, ...(dep ? { deprecated: dep } : {}) };
  }
  return { name: "x", "dist-tags": tags, versions: v };
}

const P = pkg(
  { "22.1.0": undefined, "22.10.0": undefined, "22.11.0": "broken build", "22.2.0": undefined, "23.0.0-rc.1": undefined, "20.0.0": undefined, "21.0.0": "old" },
  { latest: "20.0.0", next: "23.0.0-rc.1" },
);

test("ranges take the highest non-deprecated, non-prerelease version, whatever order and dist-tags say", () => {
  assert.equal(resolveVersion(P, "22").version, "22.10.0");
  assert.equal(resolveVersion(P, "^22.1").version, "22.10.0");
  assert.equal(resolveVersion(P, ">=20").version, "22.10.0");
  assert.equal(resolveVersion(P, "").version, "22.10.0");
  assert.equal(resolveVersion(P, "v22.x").version, "22.10.0");
  assert.equal(resolveVersion(P, ">=23.0.0-rc.0").version, "23.0.0-rc.1");
  assert.equal(resolveVersion(P, "22", { allowDeprecated: true }).version, "22.11.0");
  // same input, same answer, in any key order
  const shuffled = pkg({ "22.2.0": undefined, "22.11.0": "broken build", "22.10.0": undefined, "22.1.0": undefined });
  assert.equal(resolveVersion(shuffled, "22").version, "22.10.0");
});

test("an exact version is taken even if deprecated; dist-tags resolve to what they point at", () => {
  assert.deepEqual([resolveVersion(P, "22.11.0").version, resolveVersion(P, "22.11.0").via], ["22.11.0", "exact"]);
  assert.equal(resolveVersion(P, "latest").version, "20.0.0");
  assert.equal(resolveVersion(P, "next").via, "tag");
});

test("errors: not published, only deprecated matches, not a range", () => {
  assert.throws(() => resolveVersion(P, "22.3.0"), (e: unknown) => e instanceof NpmError && e.code === "NPM_NOT_FOUND" && /available: 22\.11\.0, 22\.10\.0/.test(e.hint ?? ""));
  assert.throws(() => resolveVersion(P, "21"), (e: unknown) => e instanceof NpmError && e.code === "NPM_NO_VERSION" && /1 deprecated version\(s\) satisfy it \(21\.0\.0/.test(e.message));
  assert.throws(() => resolveVersion(P, "lts"), (e: unknown) => e instanceof NpmError && e.code === "NPM_RANGE" && /dist-tags: latest, next/.test(e.hint ?? ""));
});
