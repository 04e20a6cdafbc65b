import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir, writeTree } from "../../testing/index.js";
import { OciError } from "../errors.js";
import { readChunks, readError, readWholeSync } from "./read.js";

test("readError names the path and says why in words", () => {
  const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: boom`), { code });
  assert.equal(readError("/a", errno("EACCES")).message, "/a cannot be read: permission denied");
  assert.match(readError("/a", errno("EACCES")).hint ?? "", /readable/);
  assert.equal(readError("/b", errno("ENOENT")).message, "/b vanished while the layer was being built");
  assert.equal(readError("/c", errno("ELOOP")).message, "/c changed type while the layer was being built");
  assert.equal(readError("/d", errno("EIO")).message, "/d cannot be read: EIO: boom");
  const already = new OciError("OCI_ARCHIVE", "kept");
  assert.equal(readError("/e", already), already);
});

test("readWholeSync and readChunks give the bytes and refuse a size that no longer matches", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const p = join(writeTree(tmp.path, { "f": "0123456789" }), "f");
  assert.equal(readWholeSync(p, 10).toString(), "0123456789");
  assert.throws(() => readWholeSync(p, 11), /shrank/);
  assert.throws(() => readWholeSync(p, 9), /grew/);
  const chunks: string[] = [];
  for await (const c of readChunks(p, 10, 4)) chunks.push(c.toString());
  assert.deepEqual(chunks, ["0123", "4567", "89"]);
  await assert.rejects(async () => {
    for await (const _ of readChunks(p, 9, 4)) {
      // drain
    }
  }, /grew/);
  // A symlink in a file's place is not followed.
  writeTree(tmp.path, { "l": { symlink: "f" } });
  assert.throws(() => readWholeSync(join(tmp.path, "l"), 10), /changed type/);
  await assert.rejects(async () => {
    for await (const _ of readChunks(join(tmp.path, "l"), 10, 4)) {
      // drain
    }
  }, /changed type/);
});
