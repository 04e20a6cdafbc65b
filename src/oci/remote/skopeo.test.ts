import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { after, before, describe, test } from "node:test";
import { hasCommand, run, startRegistry, type TestRegistry, tarOf, tempDir, writeTree } from "../../testing/index.js";
import { emptyImage } from "../empty.js";
import { MediaType } from "../media-type.js";
import { appendLayers, withEnv } from "../mutate/index.js";
import { readAll } from "../partial/index.js";
import { layerFromTarBytes } from "../static-layer.js";
import * as remote from "./index.js";

const sha = (b: Buffer | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

describe("interoperability with skopeo", () => {
  let reg: TestRegistry;
  let tmp: { path: string; cleanup: () => void };
  let policy: string;
  before(async () => {
    assert.ok(hasCommand("skopeo"), "skopeo must be installed (apt-get install skopeo)");
    reg = await startRegistry();
    tmp = tempDir();
    policy = join(tmp.path, "policy.json");
    writeTree(tmp.path, { "policy.json": JSON.stringify({ default: [{ type: "insecureAcceptAnything" }] }) });
  });
  after(async () => {
    await reg?.stop();
    tmp?.cleanup();
  });
  const skopeo = (...args: string[]) => run("skopeo", ["--policy", policy, ...args]);

  test("skopeo inspects what we pushed, and we read what skopeo copied", async () => {
    const img = withEnv(appendLayers(emptyImage(), layerFromTarBytes(await tarOf({ "hello.txt": "from paketo" }))), { GREETING: "hi" });
    const desc = await remote.write(`${reg.host}/ours:1`, img);
    const info = JSON.parse(skopeo("inspect", "--tls-verify=false", `docker://${reg.host}/ours:1`)) as { Digest: string; Env: string[]; Layers: string[] };
    assert.equal(info.Digest, desc.digest);
    assert.ok(info.Env.includes("GREETING=hi"));
    assert.deepEqual(info.Layers, (await img.manifest()).layers.map((l) => l.digest));
    const raw = skopeo("inspect", "--raw", "--tls-verify=false", `docker://${reg.host}/ours:1`);
    assert.equal(raw, Buffer.from(await img.rawManifest()).toString("utf8"));

    skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false", `docker://${reg.host}/ours:1`, `docker://${reg.host}/copied:1`);
    const copied = await remote.image(`${reg.host}/copied:1`);
    assert.equal(await copied.digest(), desc.digest);
    const [a, b] = [await copied.layers(), await img.layers()];
    assert.deepEqual(await readAll(await a[0]!.compressed()), await readAll(await b[0]!.compressed()));
  });

  test("we read a Docker v2s2 image that skopeo pushed from a hand-made OCI layout", async () => {
    const tar = await tarOf({ "etc/os-release": "ID=handmade\n" });
    const gz = gzipSync(tar);
    const config = Buffer.from(
      JSON.stringify({ architecture: "amd64", os: "linux", config: { Cmd: ["/bin/true"] }, rootfs: { type: "layers", diff_ids: [sha(tar)] } }),
    );
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: { mediaType: MediaType.OciConfig, digest: sha(config), size: config.length },
        layers: [{ mediaType: MediaType.OciLayerGzip, digest: sha(gz), size: gz.length }],
      }),
    );
    const index = JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: MediaType.OciManifest, digest: sha(manifest), size: manifest.length, annotations: { "org.opencontainers.image.ref.name": "v1" } }],
    });
    const dir = join(tmp.path, "layout");
    const blob = (d: string) => `blobs/sha256/${d.slice(7)}`;
    writeTree(dir, {
      "oci-layout": JSON.stringify({ imageLayoutVersion: "1.0.0" }),
      "index.json": index,
      [blob(sha(config))]: config,
      [blob(sha(manifest))]: manifest,
      [blob(sha(gz))]: gz,
    });
    skopeo("copy", "--format", "v2s2", "--dest-tls-verify=false", `oci:${dir}:v1`, `docker://${reg.host}/handmade:v1`);

    const a = await remote.read(`${reg.host}/handmade:v1`);
    assert.equal(a.kind, "image");
    if (a.kind !== "image") return;
    const m = await a.image.manifest();
    assert.equal(m.mediaType, MediaType.DockerManifest);
    assert.equal((await a.image.configFile()).config?.Cmd?.[0], "/bin/true");
    const layers = await a.image.layers();
    assert.equal(layers.length, 1);
    assert.equal(await layers[0]!.diffId(), sha(tar));
    assert.deepEqual(await readAll(await layers[0]!.uncompressed()), tar);
    // and it round-trips through our writer unchanged
    const again = await remote.write(`${reg.host}/handmade-again:v1`, a.image);
    assert.equal(again.digest, await a.image.digest());
    assert.equal(again.mediaType, MediaType.DockerManifest);
  });
});
