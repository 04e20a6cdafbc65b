import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { emptyImage, layer, mutate } from "../../oci/index.js";
import { debianPackageComponent, toCycloneDx } from "../../sbom/index.js";
import { tempDir } from "../../testing/index.js";
import { runImagePackages } from "./run-image-packages.js";

const entry = (name: string, version: string, extra = "") => `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${version}\n${extra}`;

test("the run image's packages: from status.d across layers with whiteouts, or from its SBOM; kept per digest", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const l = (files: Record<string, string>) => layer.layerFromFiles(Object.entries(files).map(([path, content]) => ({ path, content })), { outputDir: join(tmp.path, "layers") });
  const base = mutate.appendLayers(
    emptyImage(),
    await l({
      "var/lib/dpkg/status.d/libc6": entry("libc6", "2.41-12"),
      "var/lib/dpkg/status.d/libc6.md5sums": "0123  usr/lib/x\n",
      "var/lib/dpkg/status.d/mawk": entry("mawk", "1.3.4", "Provides: awk\n"),
      "var/lib/dpkg/status.d/gone": entry("gone", "1"),
    }),
    await l({ "var/lib/dpkg/status.d/.wh.gone": "", "var/lib/dpkg/status.d/zlib1g": entry("zlib1g", "1:1.3.1-1") }),
  );
  const cache = join(tmp.path, "cache");
  const pkgs = await runImagePackages(base, cache);
  assert.deepEqual(pkgs, [
    { name: "libc6", version: "2.41-12", architecture: "amd64" },
    { name: "mawk", version: "1.3.4", architecture: "amd64", provides: "awk" },
    { name: "zlib1g", version: "1:1.3.1-1", architecture: "amd64" },
  ]);
  assert.equal(readdirSync(cache).length, 1);
  assert.deepEqual(await runImagePackages(base, cache), pkgs, "read back from the cache");

  const facts = (name: string, version: string) => ({ name, version, architecture: "amd64", sha256: "a".repeat(64), suite: "trixie" });
  const doc = { name: "run", timestamp: new Date(0), tool: { name: "t", version: "1" }, components: [facts("libssl3t64", "3.5.1-1+deb13u1"), facts("libcap2", "1:2.75-10")].map((f) => debianPackageComponent(f, { vendor: "debian", distro: "debian-13" })) };
  const sbomLayer = await l({ "cnb/sbom/sbom.cdx.json": toCycloneDx(doc) });
  const labelled = mutate.withLabels(mutate.appendLayers(base, sbomLayer), { "io.buildpacks.base.sbom": await sbomLayer.diffId() });
  assert.deepEqual(await runImagePackages(labelled, cache), [
    { name: "libcap2", version: "1:2.75-10", architecture: "amd64" },
    { name: "libssl3t64", version: "3.5.1-1+deb13u1", architecture: "amd64" },
  ]);
});
