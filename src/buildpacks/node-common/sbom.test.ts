// The node_modules walker (npm's nested layout, scopes, pnpm's .pnpm layout, links skipped), the
// lockfile integrity readers, and the SBOM they make: valid CycloneDX 1.6 and SPDX 2.3, in a
// fixed order whatever order the tree is read in.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { validateCycloneDx, validateSpdx } from "../../sbom/testing.js";
import { hashFromIntegrity, listPackages, lockfileIntegrity, modulesSbom } from "./index.js";
import { INTEGRITY, npmLockfile, pnpmLockfile, yarnClassicLockfile } from "./testing/index.js";

async function tree(files: Record<string, string>, links: Record<string, string> = {}): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "node-common-sbom-"));
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), text);
  }
  for (const [rel, target] of Object.entries(links)) {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await symlink(target, join(root, rel));
  }
  return root;
}

const manifest = (name: string, version: string, license?: unknown) => JSON.stringify({ name, version, ...(license === undefined ? {} : { license }) });

test("listPackages: nested and scoped packages once each, workspace links skipped, old `licenses` lists read", async () => {
  const root = await tree(
    {
      "node_modules/.package-lock.json": "{}",
      "node_modules/.bin/x": "",
      "node_modules/a/package.json": manifest("a", "1.0.0", "MIT"),
      "node_modules/a/node_modules/b/package.json": manifest("b", "2.0.0", { type: "ISC" }),
      "node_modules/b/package.json": manifest("b", "1.0.0", "(MIT OR Apache-2.0)"),
      "node_modules/@scope/c/package.json": JSON.stringify({ name: "@scope/c", version: "3.0.0", licenses: [{ type: "BSD-3-Clause" }] }),
      "node_modules/c-dup/node_modules/a/package.json": manifest("a", "1.0.0", "MIT"),
      "node_modules/c-dup/package.json": manifest("c-dup", "0.1.0"),
      "packages/app/package.json": manifest("app", "9.9.9"),
    },
    { "node_modules/app": "../packages/app" },
  );
  try {
    const found = await listPackages(join(root, "node_modules"));
    assert.deepEqual(
      found.map((p) => [`${p.name}@${p.version}`, p.licenses, p.path]),
      [
        ["@scope/c@3.0.0", ["BSD-3-Clause"], "node_modules/@scope/c"],
        ["a@1.0.0", ["MIT"], "node_modules/a"],
        ["b@1.0.0", ["(MIT OR Apache-2.0)"], "node_modules/b"],
        ["b@2.0.0", ["ISC"], "node_modules/a/node_modules/b"],
        ["c-dup@0.1.0", [], "node_modules/c-dup"],
      ],
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("listPackages: pnpm's layout is read from .pnpm, not through the top-level links", async () => {
  const root = await tree(
    {
      "node_modules/.modules.yaml": "",
      "node_modules/.pnpm/lock.yaml": "",
      "node_modules/.pnpm/is-number@7.0.0/node_modules/is-number/package.json": manifest("is-number", "7.0.0", "MIT"),
      "node_modules/.pnpm/@s+x@1.0.0/node_modules/@s/x/package.json": manifest("@s/x", "1.0.0", "MIT"),
    },
    {
      "node_modules/is-number": ".pnpm/is-number@7.0.0/node_modules/is-number",
      "node_modules/.pnpm/@s+x@1.0.0/node_modules/is-number": "../../is-number@7.0.0/node_modules/is-number",
      "node_modules/.pnpm/node_modules/is-number": "../is-number@7.0.0/node_modules/is-number",
    },
  );
  try {
    const found = await listPackages(join(root, "node_modules"));
    assert.deepEqual(
      found.map((p) => [`${p.name}@${p.version}`, p.path]),
      [
        ["@s/x@1.0.0", "node_modules/.pnpm/@s+x@1.0.0/node_modules/@s/x"],
        ["is-number@7.0.0", "node_modules/.pnpm/is-number@7.0.0/node_modules/is-number"],
      ],
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("lockfileIntegrity: package-lock.json, yarn.lock v1 and pnpm-lock.yaml name the same integrity", async () => {
  const want = new Map([
    ["is-number@7.0.0", INTEGRITY["is-number@7.0.0"]],
    ["ms@2.1.3", INTEGRITY["ms@2.1.3"]],
  ]);
  assert.deepEqual(lockfileIntegrity("package-lock.json", await npmLockfile()), want);
  assert.deepEqual(lockfileIntegrity("yarn.lock", await yarnClassicLockfile()), want);
  assert.deepEqual(lockfileIntegrity("pnpm-lock.yaml", pnpmLockfile()), want);
  assert.deepEqual(lockfileIntegrity("package-lock.json", "{ broken"), new Map());
  assert.deepEqual(hashFromIntegrity("sha1-AAAA sha512-AAAA"), { alg: "SHA-512", content: "000000" });
});

test("modulesSbom: valid CycloneDX and SPDX, the same bytes whatever the input order", async () => {
  const packages = [
    { name: "is-number", version: "7.0.0", licenses: ["MIT"], path: "node_modules/is-number" },
    { name: "@scope/c", version: "3.0.0", licenses: ["BSD-3-Clause", "SEE LICENSE IN LICENSE.md"], path: "node_modules/@scope/c" },
    { name: "ms", version: "2.1.3", licenses: [], path: "node_modules/ms" },
  ];
  const integrity = new Map([["is-number@7.0.0", INTEGRITY["is-number@7.0.0"]]]);
  const opts = { app: { name: "fixture-app", version: "1.0.0" }, tool: { name: "paketo-buildpacks/npm-install", version: "0.1.0" }, env: {} };
  const a = modulesSbom(packages, integrity, opts);
  const b = modulesSbom([...packages].reverse(), integrity, opts);
  assert.equal(a.cyclonedx, b.cyclonedx);
  assert.equal(a.spdx, b.spdx);
  const cdx = JSON.parse(a.cyclonedx) as { metadata: { timestamp: string }; components: { purl: string; hashes?: { alg: string; content: string }[] }[] };
  assert.deepEqual(cdx.components.map((c) => c.purl), ["pkg:npm/%40scope/c@3.0.0", "pkg:npm/is-number@7.0.0", "pkg:npm/ms@2.1.3"]);
  assert.equal(cdx.components[1]!.hashes?.[0]?.content, Buffer.from(INTEGRITY["is-number@7.0.0"].slice(7), "base64").toString("hex"));
  assert.equal(cdx.metadata.timestamp, "1980-01-01T00:00:01Z");
  await validateCycloneDx(a.cyclonedx);
  validateSpdx(a.spdx);
});
