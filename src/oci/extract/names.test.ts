import { test } from "node:test";
import assert from "node:assert/strict";
import { OciError } from "../errors.js";
import { normalizeEntryName, Refusal, safeJoin, splitEntryName, whiteoutKind } from "./names.js";

test("splitEntryName strips '/', './' and empty components and resolves inner '..'", () => {
  assert.deepEqual(splitEntryName("./usr/bin/env"), ["usr", "bin", "env"]);
  assert.deepEqual(splitEntryName("/etc//passwd"), ["etc", "passwd"]);
  assert.deepEqual(splitEntryName("a/./b/../c/"), ["a", "c"]);
  assert.deepEqual(splitEntryName("./"), []);
  assert.deepEqual(splitEntryName("a\\..\\..\\b"), ["a\\..\\..\\b"]); // a backslash is just a character
  assert.deepEqual(splitEntryName(".wh.../../x"), ["x"]);
});

test("splitEntryName refuses escapes, NULs and overlong names", () => {
  const refuses = (name: string, rule: RegExp) =>
    assert.throws(() => splitEntryName(name), (e: unknown) => e instanceof Refusal && rule.test(e.message), name);
  refuses("../x", /leaves the target/);
  refuses("a/../../x", /leaves the target/);
  refuses("./../x", /leaves the target/);
  refuses("/../x", /leaves the target/);
  refuses("..", /leaves the target/);
  refuses("a\0b", /NUL/);
  refuses("a/".repeat(2100), /longer than 4096/);
  refuses("x".repeat(256), /component longer than 255/);
});

test("safeJoin joins inside the root and names the entry when it refuses", () => {
  assert.equal(safeJoin("/r", "a/b"), "/r/a/b");
  assert.equal(safeJoin("/r", "/etc/passwd"), "/r/etc/passwd");
  assert.equal(safeJoin("/r", "./"), "/r");
  assert.throws(
    () => safeJoin("/r", "../../etc/passwd"),
    (e: unknown) =>
      e instanceof OciError &&
      e.code === "OCI_UNSAFE_ARCHIVE" &&
      e.message === 'unsafe archive entry "../../etc/passwd": path leaves the target directory',
  );
  assert.equal(normalizeEntryName("./a//b/"), "a/b");
});

test("whiteoutKind tells opaque, file and reserved whiteouts apart and refuses '..'", () => {
  assert.deepEqual(whiteoutKind("file"), { kind: "none" });
  assert.deepEqual(whiteoutKind(".wh..wh..opq"), { kind: "opaque" });
  assert.deepEqual(whiteoutKind(".wh..wh.plnk"), { kind: "reserved" });
  assert.deepEqual(whiteoutKind(".wh.foo"), { kind: "file", name: "foo" });
  assert.deepEqual(whiteoutKind(".wh..bashrc"), { kind: "file", name: ".bashrc" });
  for (const bad of [".wh.", ".wh..", ".wh..."]) assert.throws(() => whiteoutKind(bad), Refusal);
});
