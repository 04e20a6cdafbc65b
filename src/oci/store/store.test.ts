import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../../testing/index.js";
import { sha256 } from "../digest.js";
import type { OciError } from "../errors.js";
import type { Artifact, Image, Layer } from "../image.js";
import { blobRelPath, readLayout, writeLayout } from "../layout/index.js";
import { randomImage, snapshot } from "../layout/testing/fixtures.js";
import { appendLayers } from "../mutate/index.js";
import { readAll } from "../partial/index.js";
import { defaultStoreRoot, normalizeImageName, openStore } from "./index.js";

const OCI = new URL("../index.js", import.meta.url).href;

const image = (a: Artifact): Image => {
  assert.equal(a.kind, "image");
  return (a as { kind: "image"; image: Image }).image;
};

/** Runs a script against the compiled library in a separate node process. */
function child(dir: string, name: string, source: string, args: string[]): { proc: ChildProcess; done: Promise<{ code: number | null; signal: string | null; out: string; err: string }> } {
  const file = join(dir, name);
  writeFileSync(file, source.replaceAll("__OCI__", OCI));
  const proc = spawn(process.execPath, [file, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  proc.stdout?.on("data", (c) => (out += String(c)));
  proc.stderr?.on("data", (c) => (err += String(c)));
  const done = new Promise<{ code: number | null; signal: string | null; out: string; err: string }>((resolve) =>
    proc.on("exit", (code, signal) => resolve({ code, signal, out, err })),
  );
  return { proc, done };
}

/** Writes `count` images NAME-i, each with a layer shared by every writer and one of its own. */
const WRITER = `
import { randomBytes } from "node:crypto";
import { store, mutate, emptyImage, layerFromBytes } from "__OCI__";
import { gzipSync } from "node:zlib";
const [root, prefix, count] = process.argv.slice(2);
const s = await store.openStore(root);
const tarOf = (name, data) => {
  const h = Buffer.alloc(512);
  h.write(name, 0); h.write("0000644\\0", 100); h.write("0000000\\0", 108); h.write("0000000\\0", 116);
  h.write(data.length.toString(8).padStart(11, "0") + "\\0", 124); h.write("00000000000\\0", 136);
  h.fill(32, 148, 156); h.write("0", 156); h.write("ustar\\0" + "00", 257);
  let sum = 0; for (const b of h) sum += b; h.write(sum.toString(8).padStart(6, "0") + "\\0 ", 148);
  return Buffer.concat([h, data, Buffer.alloc((512 - (data.length % 512)) % 512), Buffer.alloc(1024)]);
};
const shared = layerFromBytes(gzipSync(tarOf("shared.txt", Buffer.alloc(200000, 7))));
for (let i = 0; i < Number(count); i++) {
  const own = layerFromBytes(gzipSync(tarOf("own.bin", randomBytes(50000))));
  await s.write(prefix + "-" + i, { kind: "image", image: mutate.appendLayers(emptyImage(), shared, own) });
}
console.log("done");
`;

/** Writes one image with a large layer that streams slowly, so it can be killed mid-write. */
const SLOW_WRITER = `
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { store, mutate, emptyImage } from "__OCI__";
const [root] = process.argv.slice(2);
const chunk = Buffer.alloc(1 << 20, 1);
const chunks = 64;
const h = createHash("sha256");
for (let i = 0; i < chunks; i++) h.update(chunk);
const digest = "sha256:" + h.digest("hex");
console.log(digest);
const slow = async function* () {
  for (let i = 0; i < chunks; i++) { yield chunk; await new Promise((r) => setTimeout(r, 100)); }
};
const layer = {
  digest: async () => digest, diffId: async () => digest, size: async () => chunks * chunk.length,
  mediaType: async () => "application/vnd.oci.image.layer.v1.tar",
  compressed: async () => Readable.from(slow()), uncompressed: async () => Readable.from(slow()),
};
await (await store.openStore(root)).write("slow", { kind: "image", image: mutate.appendLayers(emptyImage(), layer) });
console.log("finished");
`;

/** Holds the store lock until killed. */
const LOCK_HOLDER = `
import { layout } from "__OCI__";
await layout.withLock(process.argv[2], "testing", async () => {
  console.log("locked");
  await new Promise((r) => setTimeout(r, 60000));
});
`;

async function until(what: string, cond: () => boolean, ms = 20000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const tmpFiles = (root: string) => (existsSync(join(root, ".paketo", "tmp")) ? readdirSync(join(root, ".paketo", "tmp")) : []);

test("defaultStoreRoot follows PAKETO_STORE, then XDG_DATA_HOME, then ~/.local/share", () => {
  assert.equal(defaultStoreRoot({ PAKETO_STORE: "/srv/images", XDG_DATA_HOME: "/x" }), "/srv/images");
  assert.equal(defaultStoreRoot({ XDG_DATA_HOME: "/data", HOME: "/home/u" }), "/data/paketo/store");
  assert.equal(defaultStoreRoot({ XDG_DATA_HOME: "relative", HOME: "/home/u" }), "/home/u/.local/share/paketo/store");
  assert.equal(defaultStoreRoot({ HOME: "/home/u" }), "/home/u/.local/share/paketo/store");
});

test("names are normalised: default tag latest, Docker Hub names short", () => {
  assert.deepEqual(normalizeImageName("myapp"), { name: "myapp:latest" });
  assert.deepEqual(normalizeImageName("docker.io/library/node:20"), { name: "node:20" });
  assert.deepEqual(normalizeImageName("index.docker.io/acme/app"), { name: "acme/app:latest" });
  assert.deepEqual(normalizeImageName("registry.example/foo/bar:1.0"), { name: "registry.example/foo/bar:1.0" });
  assert.deepEqual(normalizeImageName("localhost:5000/app"), { name: "localhost:5000/app:latest" });
});

test("write, read, list, resolve and remove", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const s = await openStore(d.path);
  assert.deepEqual(await s.list(), [], "an absent store is empty");
  const app = await randomImage(2);
  const base = await randomImage(1, { format: "docker" });
  const w = await s.write("myapp", { kind: "image", image: app });
  assert.equal(w.name, "myapp:latest");
  await s.write("registry.example/team/base:1.0", { kind: "image", image: base });

  assert.deepEqual(await snapshot(image(await s.read("myapp:latest"))), await snapshot(app));
  assert.deepEqual(await snapshot(image(await s.read("docker.io/library/myapp"))), await snapshot(app));
  const digest = await app.digest();
  assert.equal(await image(await s.read(digest.slice(7, 19))).digest(), digest, "by digest prefix");
  assert.equal(await image(await s.read(`myapp@${digest}`)).digest(), digest);
  assert.equal((await s.resolve(digest.slice(0, 15))).name, "myapp:latest");

  const sizeOf = async (img: Image) => {
    const m = await img.manifest();
    return (await img.rawManifest()).length + m.config.size + m.layers.reduce((n, l) => n + l.size, 0);
  };
  assert.deepEqual(await s.list(), [
    { name: "myapp:latest", digest, mediaType: await app.mediaType(), size: await sizeOf(app), created: "1980-01-01T00:00:01Z" },
    {
      name: "registry.example/team/base:1.0",
      digest: await base.digest(),
      mediaType: "application/vnd.docker.distribution.manifest.v2+json",
      size: await sizeOf(base),
      created: "1980-01-01T00:00:01Z",
    },
  ]);

  // The store is an OCI layout that other tools (and our oci: reader) can read.
  assert.equal(await image(await readLayout(d.path, { tag: "myapp:latest" })).digest(), digest);

  await s.remove("myapp");
  assert.deepEqual((await s.list()).map((i) => i.name), ["registry.example/team/base:1.0"]);
  await assert.rejects(s.remove("myapp:latest"), (e: OciError) => {
    assert.equal(e.code, "OCI_IMAGE_NOT_FOUND");
    assert.match(e.message, /no image "myapp:latest" in the store/);
    assert.match(e.hint ?? "", /registry\.example\/team\/base:1\.0/);
    return true;
  });
  await assert.rejects(s.read("nothere"), (e: OciError) => /no image "nothere:latest"/.test(e.message));
});

test("prune removes exactly the unreferenced blobs and keeps shared ones", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const s = await openStore(d.path);
  const a = await randomImage(2);
  const shared = (await a.layers())[0] as Layer;
  const b = appendLayers(await randomImage(0), shared, (await (await randomImage(1)).layers())[0] as Layer);
  await s.write("a", { kind: "image", image: a });
  await s.write("b", { kind: "image", image: b });
  assert.deepEqual(await s.prune(), { removedBlobs: 0, freedBytes: 0, removedTempFiles: 0, activeWrites: 0 });

  await s.remove("b");
  const bm = await b.manifest();
  const onlyB = [
    { digest: await b.digest(), size: (await b.rawManifest()).length },
    { digest: bm.config.digest, size: bm.config.size },
    bm.layers[1] as { digest: string; size: number },
  ];
  const r = await s.prune();
  assert.equal(r.removedBlobs, 3);
  assert.equal(r.freedBytes, onlyB.reduce((n, x) => n + x.size, 0));
  for (const x of onlyB) assert.equal(existsSync(join(d.path, blobRelPath(x.digest as never))), false);
  assert.ok(existsSync(join(d.path, blobRelPath(await shared.digest()))), "the shared layer stays");
  assert.deepEqual(await snapshot(image(await s.read("a"))), await snapshot(a));
});

test("store blobs are hard-linked when copied to a layout on the same filesystem", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const s = await openStore(join(d.path, "store"));
  const img = await randomImage(1);
  await s.write("x", { kind: "image", image: img });
  const out = join(d.path, "layout");
  await writeLayout(out, await s.read("x"));
  const layer = (await img.manifest()).layers[0]?.digest as never;
  assert.equal(statSync(join(out, blobRelPath(layer))).ino, statSync(join(d.path, "store", blobRelPath(layer))).ino);
});

test("two processes writing to one store at once: both sets of images land, index.json stays valid", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const root = join(d.path, "store");
  const [p1, p2] = [child(d.path, "w1.mjs", WRITER, [root, "one", "12"]), child(d.path, "w2.mjs", WRITER, [root, "two", "12"])];
  const [r1, r2] = await Promise.all([p1.done, p2.done]);
  assert.equal(r1.code, 0, r1.err);
  assert.equal(r2.code, 0, r2.err);
  const index = JSON.parse(readFileSync(join(root, "index.json"), "utf8")) as { manifests: unknown[] };
  assert.equal(index.manifests.length, 24);
  const s = await openStore(root);
  const names = (await s.list()).map((i) => i.name);
  assert.deepEqual(names, [...Array.from({ length: 12 }, (_, i) => `one-${i}:latest`), ...Array.from({ length: 12 }, (_, i) => `two-${i}:latest`)].sort());
  for (const n of names) {
    const img = image(await s.read(n));
    for (const l of await img.layers()) for await (const _ of await l.compressed()) { /* verified while read */ }
  }
  assert.deepEqual(tmpFiles(root), []);
  assert.equal((await s.prune()).removedBlobs, 0);
});

test("prune running again and again beside a writer never deletes a blob the writer needs", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const root = join(d.path, "store");
  const s = await openStore(root);
  await s.write("seed", { kind: "image", image: await randomImage(1) });
  const w = child(d.path, "w.mjs", WRITER, [root, "w", "15"]);
  let finished = false;
  void w.done.then(() => (finished = true));
  let prunes = 0;
  while (!finished) {
    await s.prune();
    prunes++;
  }
  const r = await w.done;
  assert.equal(r.code, 0, r.err);
  assert.ok(prunes > 1);
  for (let i = 0; i < 15; i++) {
    const img = image(await s.read(`w-${i}`));
    for (const l of await img.layers()) await readAll(await l.compressed());
  }
});

test("a writer killed mid-blob leaves the store readable, no partial blob, and prune cleans up", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const root = join(d.path, "store");
  const s = await openStore(root);
  const kept = await randomImage(1);
  await s.write("kept", { kind: "image", image: kept });
  const stray = join(root, blobRelPath(sha256("unreferenced")));
  writeFileSync(stray, "unreferenced");

  const w = child(d.path, "slow.mjs", SLOW_WRITER, [root]);
  t.after(() => w.proc.kill("SIGKILL"));
  await until("the slow writer to start its blob", () => tmpFiles(root).some((f) => statSync(join(root, ".paketo", "tmp", f)).size > 0));

  // While the write is live, prune must not delete blobs that are not referenced (yet).
  const during = await s.prune();
  assert.equal(during.activeWrites, 1);
  assert.equal(during.removedBlobs, 0);
  assert.ok(existsSync(stray));

  w.proc.kill("SIGKILL");
  const r = await w.done;
  assert.equal(r.signal, "SIGKILL");
  const big = r.out.trim().split("\n")[0] as string;
  assert.match(big, /^sha256:[a-f0-9]{64}$/);
  assert.equal(existsSync(join(root, blobRelPath(big as never))), false, "no partial blob under its digest");
  JSON.parse(readFileSync(join(root, "index.json"), "utf8"));
  assert.deepEqual((await s.list()).map((i) => i.name), ["kept:latest"]);
  assert.deepEqual(await snapshot(image(await s.read("kept"))), await snapshot(kept));

  const after = await s.prune();
  assert.equal(after.activeWrites, 0, "the dead writer's marker is ignored");
  // What must hold is that no temp file is left; how many prune itself removed is reported.
  assert.ok(after.removedTempFiles <= 1, `prune after the kill: ${JSON.stringify(after)}`);
  assert.equal(after.removedBlobs, 1, "the stray blob");
  assert.deepEqual(tmpFiles(root), []);
  const ingest = join(root, ".paketo", "ingest");
  assert.deepEqual(existsSync(ingest) ? readdirSync(ingest) : [], [], "the dead writer's marker is gone");
});

test("a held lock makes others wait, then fail naming the holder; a dead holder's lock is broken", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const root = join(d.path, "store");
  const s = await openStore(root, { lockTimeoutMs: 300 });
  await s.write("x", { kind: "image", image: await randomImage(1) });
  const h = child(d.path, "lock.mjs", LOCK_HOLDER, [root]);
  t.after(() => h.proc.kill("SIGKILL"));
  await until("the lock holder", () => existsSync(join(root, ".paketo", "lock")));
  await assert.rejects(s.remove("x"), (e: OciError) => {
    assert.equal(e.code, "OCI_STORE_LOCKED");
    assert.match(e.message, new RegExp(`locked by pid ${h.proc.pid} \\(testing\\)`));
    return true;
  });
  h.proc.kill("SIGKILL");
  await h.done;
  await s.remove("x");
  assert.deepEqual(await s.list(), []);
});
