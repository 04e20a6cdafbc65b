import assert from "node:assert/strict";
import { test } from "node:test";
import { toCycloneDx } from "./cyclonedx.js";
import { parseCycloneDx } from "./cyclonedx-parse.js";
import { merge } from "./merge.js";
import type { SbomDocument } from "./model.js";
import { purl } from "./purl.js";
import { toSpdx } from "./spdx.js";
import { validateCycloneDx, validateSpdx } from "./testing.js";

const tool = { name: "paketo", version: "0.1.0" };
const timestamp = new Date("1980-01-01T00:00:01Z");
const libc = purl.deb("libc6", "2.36-9+deb12u4", { arch: "amd64", distro: "debian-12" });
const zlib = purl.deb("zlib1g", "1:1.2.13.dfsg-1", { arch: "amd64", distro: "debian-12" });
const express = purl.npm("express", "4.19.2");

// What a stack writes to /cnb/sbom/bom.cdx.json: the run image's OS packages.
const runImage: SbomDocument = {
  name: "paketo/run:debian-12",
  timestamp: new Date("2024-02-02T00:00:00Z"),
  tool,
  subject: { type: "container", name: "paketo/run", version: "debian-12", ref: "run-image", dependsOn: [libc] },
  components: [
    { type: "library", name: "libc6", version: "2.36-9+deb12u4", purl: libc, licenses: ["LGPL-2.1-or-later"], dependsOn: [] },
    { type: "library", name: "zlib1g", version: "1:1.2.13.dfsg-1", purl: zlib, dependsOn: [libc, "run-image"] },
    { type: "operating-system", name: "debian", version: "12", ref: "os" },
  ],
};

const app: SbomDocument = {
  name: "acme/app:1.0",
  timestamp,
  tool,
  subject: { type: "container", name: "acme/app", version: "1.0", ref: "app", dependsOn: [express] },
  components: [
    // The app layer has its own view of libc (e.g. found by a scanner) with a non-canonical purl.
    {
      type: "library",
      name: "libc6",
      version: "2.36-9+deb12u4",
      purl: "pkg:deb/Debian/libc6@2.36-9%2Bdeb12u4?distro=debian-12&arch=amd64",
      description: "app's copy",
    },
    { type: "library", name: "express", version: "4.19.2", purl: express, licenses: ["MIT"], dependsOn: [libc] },
    { type: "library", name: "notes", ref: "os" }, // a ref the run image uses for something else
  ],
};

test("merge de-duplicates by canonical purl, keeps the first, joins dependsOn", () => {
  const merged = merge([app, parseCycloneDx(toCycloneDx(runImage))]);
  assert.equal(merged.name, "acme/app:1.0");
  assert.equal(merged.subject?.ref, "app");
  assert.equal(merged.timestamp, timestamp);
  const names = merged.components.map((c) => c.name);
  // First-seen order; the run image's come in its CycloneDX order (sorted).
  assert.deepEqual(names, ["libc6", "express", "notes", "debian", "zlib1g"]);
  const byName = new Map(merged.components.map((c) => [c.name, c]));
  assert.equal(byName.get("libc6")?.description, "app's copy");
  assert.deepEqual(byName.get("libc6")?.dependsOn, []); // known from the run image: none
  // The run image's subject is not carried over, nor are dependencies on it.
  assert.deepEqual(byName.get("zlib1g")?.dependsOn, [libc]);
  // The run image's "os" collided with the app's "os": it was renamed, not merged.
  assert.equal(byName.get("notes")?.ref, "os");
  assert.equal(byName.get("debian")?.ref, "os#1");
});

test("a merged document writes valid CycloneDX and SPDX with one libc6", async () => {
  const merged = merge([app, parseCycloneDx(toCycloneDx(runImage))]);
  const cdx = toCycloneDx(merged);
  await validateCycloneDx(cdx);
  validateSpdx(toSpdx(merged));
  const bom = JSON.parse(cdx) as { components: Array<{ name: string; "bom-ref": string }>; dependencies: unknown[] };
  assert.equal(bom.components.filter((c) => c.name === "libc6").length, 1);
  assert.deepEqual(bom.dependencies, [
    { ref: "app", dependsOn: [express] },
    { ref: libc, dependsOn: [] },
    { ref: zlib, dependsOn: [libc] },
    { ref: express, dependsOn: [libc] },
  ]);
});

test("merge is deterministic and independent of the later documents' order", () => {
  const base: SbomDocument = { ...app, subject: undefined, components: [] };
  const [libcC, zlibC, osC] = runImage.components.map((c) => ({ ...c, dependsOn: c.dependsOn?.filter((d) => d !== "run-image") }));
  const a: SbomDocument = { ...runImage, subject: undefined, components: [libcC!, zlibC!] };
  const b: SbomDocument = { ...runImage, subject: undefined, components: [zlibC!, osC!] };
  assert.equal(toCycloneDx(merge([base, a, b])), toCycloneDx(merge([base, b, a])));
  assert.equal(toSpdx(merge([base, a, b])), toSpdx(merge([base, b, a])));
});

test("merge of one document is that document; merge of none is an error", () => {
  assert.equal(toCycloneDx(merge([runImage])), toCycloneDx(runImage));
  assert.throws(() => merge([]), { code: "SBOM_INVALID" });
});
