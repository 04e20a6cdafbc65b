import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { appendFileSync, chmodSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import * as oci from "../../oci/index.js";
import { hasCommand, run, tempDir } from "../../testing/index.js";
import { openLayerFactory } from "./index.js";

/** A tree of many small files in a few folders, a big file, links and awkward names. */
function tree(root: string): string {
  mkdirSync(root, { recursive: true });
  for (let i = 0; i < 700; i++) {
    const d = join(root, "assets", `d${i % 5}`);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, `f${i}.txt`), `file ${i} ${"x".repeat(i % 300)}\n`);
  }
  writeFileSync(join(root, "server.js"), "console.log(1)\n");
  // Bigger than a piece (4 MiB): cut in pieces of its own.
  writeFileSync(join(root, "big.bin"), Buffer.alloc((4 << 20) + 1000, 7));
  mkdirSync(join(root, "a"));
  writeFileSync(join(root, "a-b"), "");
  writeFileSync(join(root, "a/z"), "z");
  symlinkSync("../server.js", join(root, "a/link"));
  linkSync(join(root, "server.js"), join(root, "a/hard"));
  const long = "n".repeat(120);
  mkdirSync(join(root, long));
  writeFileSync(join(root, long, "f".repeat(110)), "long");
  writeFileSync(join(root, "héllo"), "utf");
  chmodSync(join(root, "a/z"), 0o755);
  return root;
}

function setup(t: { after(fn: () => void): void }) {
  const tmp = tempDir("paketo-chunked-");
  t.after(tmp.cleanup);
  return { tmp: tmp.path, src: tree(join(tmp.path, "src")) };
}

const sha = (b: Buffer): string => `sha256:${createHash("sha256").update(b).digest("hex")}`;

test("the chunked app layer is the tar the whole-layer writer makes, and its digests are those of its bytes", async (t) => {
  const { tmp, src } = setup(t);
  const f = openLayerFactory({ dir: join(tmp, "cache"), uid: 1001, gid: 1000 });
  const [whole] = await f.build([{ ...(await f.dirInput("app", src, "workspace")), settings: f.settings("cnb", "root") }]);
  const chunked = await f.chunkedDir("app", src, "workspace", { record: join(tmp, "record") });
  assert.equal(chunked.diffId, whole?.diffId);
  const bytes = readFileSync(chunked.layer.filePath?.() as string);
  assert.equal(chunked.digest, sha(bytes));
  assert.equal(await chunked.layer.size(), bytes.length);
  assert.equal(sha(gunzipSync(bytes)), chunked.diffId);
  assert.ok(chunked.written > 5, `several chunks: ${chunked.written}`);
  if (hasCommand("tar") && hasCommand("gzip")) {
    run("gzip", ["-t", chunked.layer.filePath?.() as string]);
    const listed = run("tar", ["-tzvf", chunked.layer.filePath?.() as string]);
    assert.match(listed, /workspace\/server\.js link to workspace\/a\/hard/);
    assert.match(listed, /workspace\/big\.bin/);
  }
});

test("a one-file change writes only its chunk, and the layer equals one written from scratch for the new tree", async (t) => {
  const { tmp, src } = setup(t);
  const record = join(tmp, "record");
  const f = openLayerFactory({ dir: join(tmp, "cache"), uid: 1001, gid: 1000 });
  const first = await f.chunkedDir("app", src, "workspace", { record });
  const chunks = first.written;

  // Nothing changed: the previous layer itself, nothing written.
  const again = await f.chunkedDir("app", src, "workspace", { record });
  assert.equal(again.from, "cached");
  assert.equal(again.digest, first.digest);
  assert.equal(again.written, 0);

  const check = async (what: string, expectWritten: (n: number) => boolean) => {
    const inc = await f.chunkedDir("app", src, "workspace", { record });
    assert.ok(expectWritten(inc.written), `${what}: ${inc.written} of ${chunks} chunks written`);
    const fresh = openLayerFactory({ dir: join(tmp, `fresh-${what}`), uid: 1001, gid: 1000 });
    const scratch = await fresh.chunkedDir("app", src, "workspace", { record: join(tmp, `record-${what}`) });
    assert.equal(inc.digest, scratch.digest, `${what}: same bytes as a layer written from scratch`);
    assert.equal(inc.diffId, scratch.diffId);
    assert.equal(sha(gunzipSync(readFileSync(inc.layer.filePath?.() as string))), inc.diffId);
    return inc;
  };
  appendFileSync(join(src, "assets/d2/f352.txt"), "edit\n");
  const edited = await check("edit", (n) => n >= 1 && n <= 2);
  assert.notEqual(edited.digest, first.digest);
  assert.ok(edited.reused >= chunks - 2);
  // A file replaced by rename, a mode change, an added and a removed file.
  writeFileSync(join(src, "new.txt"), "replacement\n");
  renameSync(join(src, "new.txt"), join(src, "assets/d1/f1.txt"));
  await check("rename", (n) => n >= 1 && n <= 2);
  chmodSync(join(src, "assets/d3/f3.txt"), 0o600);
  await check("mode", (n) => n >= 1 && n <= 2);
  writeFileSync(join(src, "assets/d0/added.txt"), "added\n");
  rmSync(join(src, "assets/d4/f4.txt"));
  await check("add-remove", (n) => n >= 1 && n <= 4);
  // A big file's pieces are keyed by its hash: a change writes its pieces (two), nothing else.
  const big = readFileSync(join(src, "big.bin"));
  big[(4 << 20) + 10] = 1;
  writeFileSync(join(src, "big.bin"), big);
  await check("big", (n) => n === 2);
});

test("a hash the caller vouches for saves the read; a layer file gone from the cache is written whole", async (t) => {
  const { tmp, src } = setup(t);
  const record = join(tmp, "record");
  const f = openLayerFactory({ dir: join(tmp, "cache"), uid: 1001, gid: 1000 });
  const first = await f.chunkedDir("app", src, "workspace", { record });
  const file = join(src, "assets/d0/f0.txt");
  const was = `sha256:${createHash("sha256").update(readFileSync(file)).digest("hex")}`.slice(7);
  // Vouched for (here wrongly, same size): its chunk is taken without reading the file.
  writeFileSync(file, readFileSync(file).toString().replace("file", "FILE"));
  const hashOf = (rel: string): string => (rel === "assets/d0/f0.txt" ? was : createHash("sha256").update(readFileSync(join(src, rel))).digest("hex"));
  const vouched = await f.chunkedDir("app", src, "workspace", { record, hash: hashOf });
  assert.equal(vouched.digest, first.digest);
  assert.equal(vouched.written, 0);
  // Not vouched for: read, and the layer holds the new bytes.
  const read = await f.chunkedDir("app", src, "workspace", { record });
  assert.notEqual(read.digest, first.digest);
  rmSync(read.layer.filePath?.() as string);
  const whole = await f.chunkedDir("app", src, "workspace", { record });
  assert.equal(whole.reused, 0);
  assert.equal(whole.digest, read.digest);
});

test("CRC-32 of joined spans from the spans' CRCs", () => {
  const a = Buffer.from("hello, ");
  const b = Buffer.alloc(100_000, 3);
  const whole = oci.layer.crc32(Buffer.concat([a, b]));
  assert.equal(oci.layer.crc32Combine(oci.layer.crc32(a), oci.layer.crc32(b), b.length), whole);
  assert.equal(oci.layer.crc32(Buffer.from("123456789")), 0xcbf43926);
});
