// downloadSbom on images made here: the SBOM layer found by the label's sbom.sha or by scanning,
// only <layers>/sbom written, and clear errors for images without one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import * as oci from "../../oci/index.js";
import { tarOf, tempDir } from "../../testing/index.js";
import { downloadSbom, SbomError } from "./index.js";

const CDX = '{"bomFormat":"CycloneDX","specVersion":"1.6","version":1}';

async function layer(files: Record<string, string>): Promise<{ layer: oci.Layer; diffId: string }> {
  const l = oci.layerFromTarBytes(await tarOf(files));
  return { layer: l, diffId: await l.diffId() };
}

interface Parts {
  run: Awaited<ReturnType<typeof layer>>;
  app: Awaited<ReturnType<typeof layer>>;
  bp: Awaited<ReturnType<typeof layer>>;
  sbom: Awaited<ReturnType<typeof layer>>;
}

async function parts(layersDir = "layers"): Promise<Parts> {
  return {
    // The run image carries an SBOM of its own elsewhere, and (oddly) a file under layers/sbom:
    // it is below the run image's top layer, so never the app's SBOM.
    run: await layer({ "cnb/sbom/run.cdx.json": CDX, [`${layersDir}/sbom/launch/run/sbom.cdx.json`]: CDX }),
    app: await layer({ "workspace/hello.txt": "hi\n" }),
    bp: await layer({ [`${layersDir}/acme_node/node/bin/node`]: "#!/bin/sh\n" }),
    sbom: await layer({
      [`${layersDir}/sbom/launch/acme_node/node/sbom.cdx.json`]: CDX,
      [`${layersDir}/sbom/launch/acme_node/sbom.spdx.json`]: '{"spdxVersion":"SPDX-2.3"}',
      [`${layersDir}/sbom/launch/buildpacksio_lifecycle/launcher/sbom.cdx.json`]: CDX,
      [`${layersDir}/not-sbom.txt`]: "stays out\n",
    }),
  };
}

function label(p: Parts, withSbom: boolean): string {
  return JSON.stringify({
    app: [{ sha: p.app.diffId }],
    ...(withSbom ? { sbom: { sha: p.sbom.diffId } } : {}),
    buildpacks: [{ key: "acme/node", version: "1.0.0", layers: { node: { sha: p.bp.diffId, data: {}, build: false, launch: true, cache: false } } }],
    runImage: { topLayer: p.run.diffId, reference: `run@sha256:${"0".repeat(64)}`, image: "run" },
  });
}

function image(p: Parts, labels: Record<string, string>, env: Record<string, string> = {}): oci.Image {
  const img = oci.mutate.appendLayers(oci.emptyImage(), p.run.layer, p.app.layer, p.bp.layer, p.sbom.layer);
  return oci.mutate.withEnv(oci.mutate.withLabels(img, labels), env);
}

function tree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as Array<{ isFile(): boolean; parentPath?: string; path: string; name: string }>)
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name).slice(dir.length + 1))
    .sort();
}

const EXPECTED = [
  "layers/sbom/launch/acme_node/node/sbom.cdx.json",
  "layers/sbom/launch/acme_node/sbom.spdx.json",
  "layers/sbom/launch/buildpacksio_lifecycle/launcher/sbom.cdx.json",
];

test("the layer the label's sbom.sha names is written, only its <layers>/sbom tree, keeping the paths", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const p = await parts();
  const out = join(tmp.path, "out");
  const r = await downloadSbom(image(p, { "io.buildpacks.lifecycle.metadata": label(p, true) }), out);
  assert.deepEqual(r, { layer: p.sbom.diffId, foundBy: "label", files: EXPECTED });
  assert.deepEqual(tree(out), EXPECTED);
  assert.equal(readFileSync(join(out, EXPECTED[0] as string), "utf8"), CDX);
});

test("without sbom.sha the layers above the run image that the label does not account for are scanned", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const p = await parts();
  const out = join(tmp.path, "out");
  const r = await downloadSbom(image(p, { "io.buildpacks.lifecycle.metadata": label(p, false) }), out);
  assert.deepEqual(r, { layer: p.sbom.diffId, foundBy: "scan", files: EXPECTED });
  assert.deepEqual(tree(out), EXPECTED);
});

test("CNB_LAYERS_DIR of the image decides where the SBOM tree is", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const p = await parts("cnb/layers");
  const out = join(tmp.path, "out");
  const r = await downloadSbom(image(p, { "io.buildpacks.lifecycle.metadata": label(p, true) }, { CNB_LAYERS_DIR: "/cnb/layers" }), out);
  assert.deepEqual(
    r.files,
    EXPECTED.map((f) => f.replace(/^layers\//, "cnb/layers/")),
  );
});

test("an entry that would leave the folder is not written", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const p = await parts();
  p.sbom = await layer({ "layers/sbom/launch/a/sbom.cdx.json": CDX, "layers/sbom/../../../escaped.txt": "out\n" });
  const out = join(tmp.path, "deep", "out");
  const r = await downloadSbom(image(p, { "io.buildpacks.lifecycle.metadata": label(p, true) }), out);
  assert.deepEqual(r.files, ["layers/sbom/launch/a/sbom.cdx.json"]);
  assert.ok(!existsSync(join(tmp.path, "escaped.txt")));
  assert.ok(!existsSync(join(tmp.path, "deep", "escaped.txt")));
  assert.deepEqual(tree(out), ["layers/sbom/launch/a/sbom.cdx.json"]);
});

test("clear errors: no label, no SBOM layer, a label naming a missing layer, a malformed label", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const p = await parts();
  const out = join(tmp.path, "out");
  const err = (code: string, message: RegExp) => (e: unknown) => e instanceof SbomError && e.code === code && message.test(e.message);

  await assert.rejects(downloadSbom(image(p, {}), out, { name: "plain:1" }), err("SBOM_MISSING", /^plain:1 has no SBOM: it has no io\.buildpacks\.lifecycle\.metadata label/));

  const noSbom = await parts();
  noSbom.sbom = await layer({ "workspace/other.txt": "x\n" });
  await assert.rejects(
    downloadSbom(image(noSbom, { "io.buildpacks.lifecycle.metadata": label(noSbom, false) }), out, { name: "app:1" }),
    (e: unknown) => err("SBOM_MISSING", /^app:1 has no SBOM: .*records no SBOM layer/)(e) && !!(e as SbomError).hint,
  );

  const wrong = JSON.parse(label(p, true));
  wrong.sbom.sha = `sha256:${"9".repeat(64)}`;
  await assert.rejects(downloadSbom(image(p, { "io.buildpacks.lifecycle.metadata": JSON.stringify(wrong) }), out), err("SBOM_LABEL", /names the SBOM layer sha256:9+, but the image has no layer/));

  await assert.rejects(downloadSbom(image(p, { "io.buildpacks.lifecycle.metadata": "{" }), out), err("SBOM_LABEL", /io\.buildpacks\.lifecycle\.metadata/));
  assert.ok(!existsSync(join(out, "layers")), "nothing written by a failed download");
});
