// Test fixtures for the export, cache, restore and rebase tests: a build laid out by hand per the
// CNB on-disk layout, a tiny launcher stand-in, and run images made with oci. Never imported by
// product code.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { extract, type Header } from "tar-stream";
import * as oci from "../../oci/index.js";
import { tarOf, writeTree, type TreeEntry } from "../../testing/index.js";

export const CNB_UID = 1001;
export const CNB_GID = 1000;

/** A two-buildpack build: layers dir, app dir, launcher, all under `root`. */
export interface BuildFixture {
  root: string;
  layersDir: string;
  appDir: string;
  launcher: string;
}

export interface FixtureOptions {
  /** Extra or replaced files of the layers dir. */
  layers?: Record<string, TreeEntry>;
  app?: Record<string, TreeEntry>;
  /** metadata.toml slices, as TOML `[[slices]]` tables. */
  slices?: string[][];
  processes?: boolean;
}

export const GROUP_TOML = `[[group]]
id = "acme/node"
version = "1.2.3"
api = "0.10"

[[group]]
id = "acme/app"
version = "0.1.0"
api = "0.11"
`;

export function metadataToml(opts: { slices?: string[][]; processes?: boolean } = {}): string {
  const procs =
    opts.processes === false
      ? ""
      : `buildpack-default-process-type = "web"

[[processes]]
type = "web"
command = ["node", "index.js"]
args = []
direct = true
buildpack-id = "acme/app"

[[processes]]
type = "worker"
command = ["node", "worker.js"]
args = ["--fast"]
direct = true
buildpack-id = "acme/app"
`;
  const slices = (opts.slices ?? []).map((paths) => `\n[[slices]]\npaths = ${JSON.stringify(paths)}\n`).join("");
  return `${procs}
[[buildpacks]]
id = "acme/node"
version = "1.2.3"
api = "0.10"

[[buildpacks]]
id = "acme/app"
version = "0.1.0"
api = "0.11"

[[labels]]
key = "org.example.team"
value = "web"
${slices}`;
}

/** Lays a build out under `root` (`layers/`, `workspace/`, `launcher`). */
export function writeBuild(root: string, opts: FixtureOptions = {}): BuildFixture {
  const layersDir = join(root, "layers");
  const appDir = join(root, "workspace");
  mkdirSync(appDir, { recursive: true });
  writeTree(layersDir, {
    "group.toml": GROUP_TOML,
    "config/metadata.toml": metadataToml(opts),
    "acme_node/node.toml": '[types]\nlaunch = true\nbuild = true\ncache = true\n\n[metadata]\nversion = "20.1.0"\n',
    "acme_node/node/bin/node": { content: "#!/bin/sh\necho node\n", mode: 0o755 },
    "acme_node/node/env/NODE_HOME.default": "/layers/acme_node/node",
    "acme_node/build-deps.toml": "[types]\nbuild = true\ncache = true\n",
    "acme_node/build-deps/lib.a": "archive\n",
    "acme_node/store.toml": "[metadata]\nruns = 1\n",
    "acme_app/modules.toml": '[types]\nlaunch = true\n\n[metadata]\nlock = "abc"\n',
    "acme_app/modules/node_modules/x/index.js": "module.exports = 1\n",
    "acme_app/launch.toml": "",
    "sbom/launch/acme_node/node/sbom.cdx.json": '{"bomFormat":"CycloneDX"}\n',
    ...opts.layers,
  });
  writeTree(appDir, {
    "index.js": "console.log('hi')\n",
    "worker.js": "setInterval(() => {}, 1000)\n",
    "static/app.css": "body{}\n",
    "static/img/logo.svg": "<svg/>\n",
    "lib/util.js": "exports.x = 1\n",
    ...opts.app,
  });
  const launcher = join(root, "launcher");
  writeFileSync(launcher, "#!/bin/sh\n# launcher stand-in\n", { mode: 0o755 });
  return { root, layersDir, appDir, launcher };
}

/**
 * Waits until files just written are old enough for the layer content cache to trust their inode
 * times (what the time a real build takes does).
 */
export const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 150));

/** A run image: one layer, a user, PATH and base labels. */
export async function makeRunImage(opts: { marker?: string; labels?: Record<string, string> } = {}): Promise<oci.Image> {
  const tar = await tarOf({ "etc/os-release": `ID=debian\nVERSION_ID="13"\n${opts.marker ?? ""}` });
  let img = oci.mutate.appendLayers(oci.emptyImage(), { layer: oci.layerFromTarBytes(tar), history: { created_by: "run image" } });
  img = oci.mutate.withUser(img, "1002:1000");
  img = oci.mutate.withEnv(img, { PATH: "/usr/local/bin:/usr/bin:/bin" });
  img = oci.mutate.withLabels(img, {
    "io.buildpacks.base.id": "io.paketo.test",
    "io.buildpacks.base.distro.name": "debian",
    "io.buildpacks.base.distro.version": "13",
    "io.buildpacks.stack.id": "io.paketo.test",
    ...opts.labels,
  });
  return img;
}

export interface TarEntry {
  header: Header;
  data: Buffer;
}

/** Every entry of a layer, with its content. */
export async function layerEntries(layer: oci.Layer): Promise<TarEntry[]> {
  const ex = extract();
  (await layer.uncompressed()).pipe(ex);
  const out: TarEntry[] = [];
  for await (const entry of ex) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    out.push({ header: entry.header, data: Buffer.concat(chunks) });
  }
  return out;
}
