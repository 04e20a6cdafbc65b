import assert from "node:assert/strict";
import { test } from "node:test";
import type { SbomDocument } from "./model.js";
import { toSpdx } from "./spdx.js";
import { richDocument, shuffled, validateSpdx } from "./testing.js";

type Json = Record<string, any>;

const noSubject: SbomDocument = {
  name: "debian-12 run image packages",
  timestamp: new Date(315532801000),
  tool: { name: "paketo", version: "0.1.0" },
  components: [
    { type: "library", name: "zlib1g", version: "1:1.2.13.dfsg-1", licenses: ["Zlib"], dependsOn: [] },
    { type: "library", name: "base-files", version: "12.4+deb12u5", dependsOn: ["library/zlib1g@1:1.2.13.dfsg-1"] },
  ],
};

test("SPDX output passes the official SPDX validator (pyspdxtools) and reads back unchanged", () => {
  validateSpdx(toSpdx(richDocument()));
  validateSpdx(toSpdx(noSubject));
});

test("the validator is real: it rejects an undefined LicenseRef, a bad SPDXID and an unknown key", () => {
  const good = JSON.parse(toSpdx(richDocument())) as Json;
  const badLicense = structuredClone(good);
  badLicense["packages"][1]["licenseDeclared"] = "LicenseRef-undefined AND MIT";
  assert.throws(() => validateSpdx(JSON.stringify(badLicense)), /pyspdxtools rejected/);
  const badId = structuredClone(good);
  badId["packages"][1]["SPDXID"] = "SPDXRef-has space";
  assert.throws(() => validateSpdx(JSON.stringify(badId)), /pyspdxtools rejected/);
  const unknownKey = structuredClone(good);
  unknownKey["packages"][1]["filesAnalysed"] = false;
  assert.throws(() => validateSpdx(JSON.stringify(unknownKey)), /read the document differently/);
});

test("SPDX output is deterministic: same bytes for the same content in any order", () => {
  const doc = richDocument();
  const first = toSpdx(doc);
  assert.equal(toSpdx(richDocument()), first);
  for (const seed of [4, 5, 6]) {
    const components = shuffled(doc.components, seed).map((c) => ({ ...c, licenses: c.licenses && shuffled(c.licenses, seed) }));
    assert.equal(toSpdx({ ...doc, components }), first, `seed ${seed}`);
  }
  const ns = (JSON.parse(first) as Json)["documentNamespace"] as string;
  assert.match(ns, /^https:\/\/spdx\.org\/spdxdocs\/registry.example.com-acme-app-1.0-[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const other = (JSON.parse(toSpdx({ ...doc, name: "other" }, { namespaceBase: "https://sbom.example.com/" })) as Json)["documentNamespace"];
  assert.match(other, /^https:\/\/sbom\.example\.com\/other-/);
  assert.notEqual(other.slice(-36), ns.slice(-36));
});

test("relationships: DOCUMENT DESCRIBES the subject, which CONTAINS every component; DEPENDS_ON edges", () => {
  const spdx = JSON.parse(toSpdx(richDocument())) as Json;
  const idOf = new Map((spdx["packages"] as Json[]).map((p) => [p["name"], p["SPDXID"]]));
  const rels = (spdx["relationships"] as Json[]).map((r) => `${r["spdxElementId"]} ${r["relationshipType"]} ${r["relatedSpdxElement"]}`);
  const root = idOf.get("registry.example.com/acme/app");
  assert.ok(rels.includes(`SPDXRef-DOCUMENT DESCRIBES ${root}`));
  assert.equal(rels.filter((r) => r.startsWith(`${root} CONTAINS `)).length, 7);
  assert.ok(rels.includes(`${root} DEPENDS_ON ${idOf.get("express")}`));
  assert.ok(rels.includes(`${idOf.get("express")} DEPENDS_ON ${idOf.get("@types/node")}`));
  for (const id of idOf.values()) assert.match(id, /^SPDXRef-Package-[A-Za-z0-9.-]+$/);

  const flat = JSON.parse(toSpdx(noSubject)) as Json;
  const flatRels = (flat["relationships"] as Json[]).map((r) => r["relationshipType"]);
  assert.deepEqual(flatRels, ["DESCRIBES", "DESCRIBES", "DEPENDS_ON"]);
});

test("licenses: expressions go to licenseDeclared; names become LicenseRefs with extracted info", () => {
  const spdx = JSON.parse(toSpdx(richDocument())) as Json;
  const pkg = new Map((spdx["packages"] as Json[]).map((p) => [p["name"], p]));
  assert.equal(pkg.get("express")?.["licenseDeclared"], "MIT");
  assert.equal(pkg.get("express")?.["licenseConcluded"], "NOASSERTION");
  assert.equal(pkg.get("debian")?.["licenseDeclared"], "NOASSERTION");
  const libc = pkg.get("libc6")?.["licenseDeclared"] as string;
  assert.match(libc, /^LicenseRef-GPL-2-[0-9a-f]{8} AND LGPL-2.1-or-later AND LicenseRef-public-domain-[0-9a-f]{8}$/);
  assert.equal(pkg.get("tzdata")?.["licenseDeclared"], "LicenseRef-public-domain");
  assert.equal(pkg.get("openssl-fips")?.["licenseDeclared"], "GPL-2.0-or-later WITH Classpath-exception-2.0 AND LicenseRef-acme-eula");
  const extracted = spdx["hasExtractedLicensingInfos"] as Json[];
  assert.deepEqual(
    extracted.map((e) => [e["licenseId"].replace(/-[0-9a-f]{8}$/, "-#"), e["extractedText"]]),
    [
      ["LicenseRef-GPL-2-#", "GPL-2+"],
      ["LicenseRef-acme-eula", "acme-eula"],
      ["LicenseRef-public-domain", "public-domain"],
      ["LicenseRef-public-domain-#", "public domain"],
    ],
  );
});

test("package fields: purl and cpe refs, checksums, supplier, homepage, download location, purpose", () => {
  const spdx = JSON.parse(toSpdx(richDocument())) as Json;
  const pkg = new Map((spdx["packages"] as Json[]).map((p) => [p["name"], p]));
  const libc = pkg.get("libc6") as Json;
  assert.deepEqual(libc["externalRefs"][0], {
    referenceCategory: "PACKAGE-MANAGER",
    referenceType: "purl",
    referenceLocator: "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12",
  });
  assert.equal(libc["externalRefs"][1]["referenceType"], "cpe23Type");
  assert.equal(libc["supplier"], "Organization: GNU Libc Maintainers (glibc-maintainers@lists.example)");
  assert.equal(libc["homepage"], "https://libc.example/libc.html");
  assert.deepEqual(libc["checksums"], [
    { algorithm: "MD5", checksumValue: "cd".repeat(16) },
    { algorithm: "SHA256", checksumValue: "ab".repeat(32) },
  ]);
  const express = pkg.get("express") as Json;
  assert.equal(express["downloadLocation"], "https://npm-registry.example/express/-/express-4.19.2.tgz");
  assert.equal(express["originator"], "Person: TJ Holowaychuk (tj@vision-media.ca)");
  assert.equal(pkg.get("debian")?.["primaryPackagePurpose"], "OPERATING_SYSTEM");
  assert.equal(pkg.get("registry.example.com/acme/app")?.["primaryPackagePurpose"], "CONTAINER");
  assert.equal(spdx["creationInfo"]["created"], "1980-01-01T00:00:01Z");
});
