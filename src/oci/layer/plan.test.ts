import { test } from "node:test";
import assert from "node:assert/strict";
import { linkSync } from "node:fs";
import { join } from "node:path";
import { tempDir, writeTree } from "../../testing/index.js";
import { OciError } from "../errors.js";
import { settingsOf } from "./options.js";
import { planLayer } from "./plan.js";

const s = settingsOf({ outputDir: "/unused" });
const isOci = (re: RegExp) => (e: unknown): boolean => e instanceof OciError && e.code === "OCI_ARCHIVE" && re.test(e.message);

test("paths are normalised: leading / and ./, empty and . components dropped; .. and empty paths refused", async () => {
  const plan = planLayer([{ path: "/a//./b", content: "1" }, { path: "./c/", dir: true }], s);
  assert.deepEqual(plan.map((e) => e.name), ["a", "a/b", "c"]);
  assert.throws(() => planLayer([{ path: "a/../../etc/passwd", content: "x" }], s), isOci(/may not contain "\.\."/));
  assert.throws(() => planLayer([{ path: "/", dir: true }], s), isOci(/names no file inside the layer/));
  assert.throws(() => settingsOf({ outputDir: "/o", prefix: "../up" }), isOci(/prefix "\.\.\/up"/));
});

test("a path given twice, or a path inside a file, is refused with both named", async () => {
  assert.throws(() => planLayer([{ path: "x", content: "1" }, { path: "/x", dir: true }], s), isOci(/already has an entry at x/));
  assert.throws(() => planLayer([{ path: "f", content: "1" }, { path: "f/g", content: "2" }], s), isOci(/^f is a file in the layer, but f\/g is inside it$/));
  // Under a prefix, entry paths are relative to it: no entry can collide with the prefix itself.
  const under = planLayer([{ path: "workspace", content: "1" }], settingsOf({ outputDir: "/o", prefix: "workspace" }));
  assert.deepEqual(under.map((e) => [e.name, e.type]), [["workspace", "directory"], ["workspace/workspace", "file"]]);
});

test("uid, gid, modes, levels and epochs out of range are refused before anything is read", () => {
  assert.throws(() => settingsOf({ outputDir: "/o", uid: -1 }), isOci(/uid -1/));
  assert.throws(() => settingsOf({ outputDir: "/o", gid: 2 ** 18 }), isOci(/gid 262144 is not an integer from 0 to 262143/));
  assert.throws(() => settingsOf({ outputDir: "/o", parentDirs: { mode: 0o10000 } }), isOci(/parentDirs.mode 10000/));
  assert.throws(() => settingsOf({ outputDir: "/o", level: 1.5 }), isOci(/gzip level 1.5/));
  assert.throws(() => settingsOf({ outputDir: "/o", sourceDateEpoch: 2 ** 31 }), isOci(/past 2038/));
  assert.equal(settingsOf({ outputDir: "/o", sourceDateEpoch: 2 ** 31 - 1 }).mtime.getTime(), (2 ** 31 - 1) * 1000);
});

test("one inode listed twice becomes a hardlink only when mode and owner agree; otherwise it is copied", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const f = join(writeTree(tmp.path, { "f": { content: "x", mode: 0o644 } }), "f");
  linkSync(f, join(tmp.path, "g"));
  const plan = planLayer(
    [
      { path: "b", source: f },
      { path: "a", source: join(tmp.path, "g") },
      { path: "c", source: f, mode: 0o755 },
      { path: "d", source: f, uid: 5 },
    ],
    s,
  );
  assert.deepEqual(
    plan.map((e) => [e.name, e.type, e.linkname, e.size]),
    [
      ["a", "file", undefined, 1],
      ["b", "link", "a", 0],
      ["c", "file", undefined, 1],
      ["d", "file", undefined, 1],
    ],
  );
});

test("names starting with dots are ordinary names; only . and .. components are special", () => {
  const plan = planLayer([".hidden", "..foo", "...", "a/.b/..c"].map((path) => ({ path, content: "" })), s);
  assert.deepEqual(plan.map((e) => e.name), ["...", "..foo", ".hidden", "a", "a/.b", "a/.b/..c"]);
  assert.throws(() => planLayer([{ path: "a/..", content: "" }], s), isOci(/may not contain/));
  assert.throws(() => planLayer([{ path: "", content: "" }], s), isOci(/names no file/));
});

test("order is the bytes of UTF-8, also for characters past U+FFFF where UTF-16 order differs", () => {
  // U+FF21 is EF BC A1 in UTF-8 (D83D... sorts after it in UTF-16); U+1F600 is F0 9F 98 80.
  const plan = planLayer([{ path: "\u{1F600}", content: "" }, { path: "\uFF21", content: "" }, { path: "z", content: "" }], s);
  assert.deepEqual(plan.map((e) => e.name), ["z", "\uFF21", "\u{1F600}"]);
});
