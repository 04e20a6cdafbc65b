// treeMatchesLockfile: the check that lets an updated node_modules tree stand for a fresh install.
import assert from "node:assert/strict";
import { test } from "node:test";
import { treeMatchesLockfile } from "./modules.js";

const lock = JSON.stringify({
  lockfileVersion: 3,
  packages: {
    "": { name: "app", dependencies: { a: "1.0.0" }, devDependencies: { d: "1.0.0" } },
    "node_modules/a": { version: "1.0.0", resolved: "https://r.example/a-1.0.0.tgz", integrity: "sha512-a" },
    "node_modules/a/node_modules/b": { version: "2.0.0", resolved: "https://r.example/b-2.0.0.tgz", integrity: "sha512-b" },
    "node_modules/d": { version: "1.0.0", integrity: "sha512-d", dev: true },
    "node_modules/o": { version: "1.0.0", integrity: "sha512-o", optional: true },
  },
});
const hidden = (packages: Record<string, unknown>) => JSON.stringify({ lockfileVersion: 3, packages });
const a = { version: "1.0.0", resolved: "https://r.example/a-1.0.0.tgz", integrity: "sha512-a" };
const b = { version: "2.0.0", integrity: "sha512-b" }; // npm may leave out `resolved`

test("the lockfile's tree matches; production trees hold no devDependency; optional packages may be absent", () => {
  assert.equal(treeMatchesLockfile(hidden({ "node_modules/a": a, "node_modules/a/node_modules/b": b }), lock, true), undefined);
  assert.equal(treeMatchesLockfile(hidden({ "node_modules/a": a, "node_modules/a/node_modules/b": b, "node_modules/d": { version: "1.0.0", integrity: "sha512-d" } }), lock, false), undefined);
  assert.match(treeMatchesLockfile(hidden({ "node_modules/a": a, "node_modules/a/node_modules/b": b, "node_modules/d": { version: "1.0.0", integrity: "sha512-d" } }), lock, true) ?? "", /node_modules\/d is a devDependency/);
});

test("anything else differs: a package not in the lockfile, another version, integrity or source, one missing, no record", () => {
  assert.match(treeMatchesLockfile(hidden({ "node_modules/a": a, "node_modules/a/node_modules/b": b, "node_modules/x": { version: "1.0.0" } }), lock, true) ?? "", /node_modules\/x is not in the lockfile/);
  assert.match(treeMatchesLockfile(hidden({ "node_modules/a": { ...a, version: "1.0.1" }, "node_modules/a/node_modules/b": b }), lock, true) ?? "", /node_modules\/a: version 1\.0\.1/);
  assert.match(treeMatchesLockfile(hidden({ "node_modules/a": { ...a, integrity: "sha512-z" }, "node_modules/a/node_modules/b": b }), lock, true) ?? "", /integrity/);
  assert.match(treeMatchesLockfile(hidden({ "node_modules/a": { ...a, resolved: "https://elsewhere/a.tgz" }, "node_modules/a/node_modules/b": b }), lock, true) ?? "", /resolved/);
  assert.match(treeMatchesLockfile(hidden({ "node_modules/a": a }), lock, true) ?? "", /node_modules\/a\/node_modules\/b is not installed/);
  assert.match(treeMatchesLockfile(hidden({ "node_modules/a/node_modules/b": b }), lock, false) ?? "", /node_modules\/a is not installed/);
  assert.equal(treeMatchesLockfile("", lock, true), "no record of the installed tree");
});
