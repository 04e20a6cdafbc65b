import assert from "node:assert/strict";
import { test } from "node:test";
import { toCycloneDx } from "./cyclonedx.js";
import { parseCycloneDx } from "./cyclonedx-parse.js";
import type { SbomDocument } from "./model.js";
import { componentRef } from "./normalize.js";
import { purl } from "./purl.js";
import { richDocument, shuffled, validateCycloneDx } from "./testing.js";

type Json = Record<string, any>;

const minimal: SbomDocument = {
  name: "empty",
  timestamp: new Date(315532801000),
  tool: { name: "paketo", version: "0.1.0" },
  components: [],
};

test("CycloneDX output is valid against the official 1.6 schema (strict)", async () => {
  await validateCycloneDx(toCycloneDx(richDocument()));
  await validateCycloneDx(toCycloneDx(minimal));
});

test("the validator is real: it rejects a BOM the schema forbids", async () => {
  const bom = JSON.parse(toCycloneDx(richDocument())) as Json;
  bom["components"][0]["type"] = "nonsense";
  await assert.rejects(validateCycloneDx(JSON.stringify(bom)), /schema validation failed/);
  const extra = JSON.parse(toCycloneDx(minimal)) as Json;
  extra["metadata"]["unknownField"] = true;
  await assert.rejects(validateCycloneDx(JSON.stringify(extra)), /schema validation failed/);
});

test("CycloneDX output is deterministic: same bytes for the same content in any order", () => {
  const doc = richDocument();
  const first = toCycloneDx(doc);
  assert.equal(toCycloneDx(richDocument()), first);
  for (const seed of [1, 2, 3]) {
    const components = shuffled(doc.components, seed).map((c) => ({
      ...c,
      licenses: c.licenses && shuffled(c.licenses, seed),
      hashes: c.hashes && shuffled(c.hashes, seed),
      properties: c.properties && shuffled(c.properties, seed),
      externalRefs: c.externalRefs && shuffled(c.externalRefs, seed),
    }));
    assert.equal(toCycloneDx({ ...doc, components }), first, `seed ${seed}`);
  }
  // Duplicates of identical components collapse.
  assert.equal(toCycloneDx({ ...doc, components: [...doc.components, ...doc.components] }), first);
});

test("serialNumber is a v5 UUID derived from the content, and changes with it", () => {
  const a = JSON.parse(toCycloneDx(richDocument())) as Json;
  assert.match(a["serialNumber"], /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const later = JSON.parse(toCycloneDx({ ...richDocument(), timestamp: new Date("2024-05-01T12:00:00.999Z") })) as Json;
  assert.notEqual(later["serialNumber"], a["serialNumber"]);
  assert.equal(later["metadata"]["timestamp"], "2024-05-01T12:00:00Z");
  const fewer = JSON.parse(toCycloneDx({ ...richDocument(), components: richDocument().components.slice(0, -1) })) as Json;
  assert.notEqual(fewer["serialNumber"], a["serialNumber"]);
});

test("components are sorted by purl, then name and version; refs default to the purl", () => {
  const bom = JSON.parse(toCycloneDx(richDocument())) as Json;
  const refs = (bom["components"] as Json[]).map((c) => c["bom-ref"]);
  assert.deepEqual(refs, [
    "file/app.jar",
    "operating-system/debian@12",
    "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12",
    "pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all&distro=debian-12",
    "pkg:generic/openssl-fips@3.0.9?download_url=https:%2F%2Fexample.com%2Fopenssl%203.0.9.tar.gz",
    "pkg:npm/%40types/node@20.12.7",
    "pkg:npm/express@4.19.2",
  ]);
  assert.equal(bom["metadata"]["component"]["bom-ref"], "subject");
  assert.deepEqual(bom["dependencies"], [
    { ref: "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12", dependsOn: [] },
    { ref: "pkg:npm/express@4.19.2", dependsOn: ["pkg:npm/%40types/node@20.12.7"] },
    { ref: "subject", dependsOn: ["pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12", "pkg:npm/express@4.19.2"] },
  ]);
});

test("licenses: all-SPDX lists become one AND expression; otherwise ids and names", () => {
  const bom = JSON.parse(toCycloneDx(richDocument())) as Json;
  const byName = new Map((bom["components"] as Json[]).map((c) => [c["name"], c]));
  assert.deepEqual(byName.get("express")?.["licenses"], [{ expression: "MIT", acknowledgement: "declared" }]);
  assert.deepEqual(byName.get("@types/node")?.["licenses"], [
    { expression: "(Apache-2.0 OR (MIT AND BSD-3-Clause)) AND MIT", acknowledgement: "declared" },
  ]);
  assert.deepEqual(byName.get("openssl-fips")?.["licenses"], [
    { expression: "GPL-2.0-or-later WITH Classpath-exception-2.0 AND LicenseRef-acme-eula", acknowledgement: "declared" },
  ]);
  assert.deepEqual(byName.get("libc6")?.["licenses"], [
    { license: { name: "GPL-2+", acknowledgement: "declared" } },
    { license: { id: "LGPL-2.1-or-later", acknowledgement: "declared" } },
    { license: { name: "public domain", acknowledgement: "declared" } },
  ]);
});

test("parseCycloneDx reads our output back to the same document", () => {
  const doc = richDocument();
  const text = toCycloneDx(doc);
  const back = parseCycloneDx(text);
  assert.equal(back.subject?.name, doc.subject?.name);
  assert.deepEqual(back.tool, doc.tool);
  assert.equal(back.timestamp.toISOString(), doc.timestamp.toISOString());
  // Writing what we read gives the same bytes: nothing we model was lost.
  assert.equal(toCycloneDx(back), text);
  const express = back.components.find((c) => c.name === "express");
  assert.deepEqual(express?.dependsOn, [purl.npm("@types/node", "20.12.7")]);
  assert.equal(express && componentRef(express), purl.npm("express", "4.19.2"));
});

test("parseCycloneDx reads 1.4-style tools, nested components and foreign fields", () => {
  const foreign = JSON.stringify({
    bomFormat: "CycloneDX",
    specVersion: "1.4",
    metadata: { timestamp: "2023-03-01T10:00:00.000Z", tools: [{ vendor: "anchore", name: "syft", version: "0.80.0" }] },
    components: [
      {
        type: "library",
        name: "outer",
        version: "1",
        "bom-ref": "a",
        author: "Jane",
        licenses: [{ license: { id: "MIT" } }, { license: { name: "Custom" } }],
        hashes: [{ alg: "BLAKE3", content: "00" }, { alg: "SHA-256", content: "ab".repeat(32) }],
        externalReferences: [{ type: "chat", url: "https://chat.example" }],
        components: [{ type: "widget", name: "inner", "bom-ref": "b" }],
      },
    ],
    dependencies: [{ ref: "a", dependsOn: ["b", "gone"] }],
  });
  const doc = parseCycloneDx(foreign, { source: "syft.cdx.json" });
  assert.deepEqual(doc.tool, { name: "syft", version: "0.80.0" });
  assert.deepEqual(
    doc.components.map((c) => [c.name, c.type, c.ref]),
    [
      ["outer", "library", "a"],
      ["inner", "library", "b"],
    ],
  );
  const outer = doc.components[0];
  assert.deepEqual(outer?.licenses, ["MIT", "Custom"]);
  assert.deepEqual(outer?.hashes, [{ alg: "SHA-256", content: "ab".repeat(32) }]);
  assert.deepEqual(outer?.externalRefs, [{ type: "other", url: "https://chat.example" }]);
  assert.deepEqual(outer?.author, { name: "Jane" });
  assert.deepEqual(outer?.dependsOn, ["b"]);
});

test("parseCycloneDx refuses what is not a CycloneDX JSON BOM", () => {
  assert.throws(() => parseCycloneDx("{"), { code: "SBOM_PARSE" });
  assert.throws(() => parseCycloneDx(JSON.stringify({ spdxVersion: "SPDX-2.3" }), { source: "bom.cdx.json" }), /bom\.cdx\.json is not a CycloneDX BOM/);
  assert.throws(() => parseCycloneDx(JSON.stringify({ bomFormat: "CycloneDX", components: [{ type: "library" }] })), {
    code: "SBOM_PARSE",
  });
});
