import assert from "node:assert/strict";
import { test } from "node:test";
import { toCycloneDx } from "./cyclonedx.js";
import type { Component, SbomDocument } from "./model.js";
import { canonicalJson, componentRef, formatTimestamp, normalizeDocument, uuidV5 } from "./normalize.js";
import { toSpdx } from "./spdx.js";

const doc = (components: Component[], extra: Partial<SbomDocument> = {}): SbomDocument => ({
  name: "t",
  timestamp: new Date(0),
  tool: { name: "paketo", version: "0" },
  components,
  ...extra,
});

test("uuidV5 is RFC 9562 version 5 (the Python docs' uuid5(NAMESPACE_DNS, 'python.org'))", () => {
  assert.equal(uuidV5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org"), "886313e1-3b8a-5372-9b90-0c9aee199e5d");
});

test("canonicalJson sorts keys and drops undefined members", () => {
  assert.equal(canonicalJson({ b: 1, a: [{ d: undefined, c: "x" }], e: undefined }), '{"a":[{"c":"x"}],"b":1}');
});

test("componentRef: explicit ref, else canonical purl, else type/name@version", () => {
  assert.equal(componentRef({ type: "library", name: "x", ref: "mine", purl: "pkg:npm/x@1" }), "mine");
  assert.equal(componentRef({ type: "library", name: "x", purl: "pkg:NPM/X@1" }), "pkg:npm/x@1");
  assert.equal(componentRef({ type: "file", name: "app.jar" }), "file/app.jar");
  assert.equal(componentRef({ type: "library", name: "x", version: "1" }), "library/x@1");
});

test("timestamps are written to the second, in UTC; an invalid date is refused", () => {
  assert.equal(formatTimestamp(new Date("2024-06-01T10:20:30.456+02:00")), "2024-06-01T08:20:30Z");
  assert.throws(() => formatTimestamp(new Date("nope")), { code: "SBOM_INVALID" });
});

test("normalizeDocument sorts and de-duplicates inside components", () => {
  const n = normalizeDocument(
    doc([
      {
        type: "library",
        name: "x",
        version: "1",
        licenses: ["MIT", " ", "Apache-2.0", "MIT"],
        hashes: [
          { alg: "SHA-256", content: "AB".repeat(32) },
          { alg: "SHA-1", content: "ab".repeat(20) },
          { alg: "SHA-256", content: "ab".repeat(32) },
        ],
        properties: [
          { name: "b", value: "1" },
          { name: "a", value: "2" },
        ],
        dependsOn: ["library/x@1"], // itself
      },
    ]),
  );
  const c = n.components[0];
  assert.deepEqual(c?.licenses, ["Apache-2.0", "MIT"]);
  assert.deepEqual(c?.hashes?.map((h) => h.alg), ["SHA-1", "SHA-256"]);
  assert.deepEqual(c?.properties?.map((p) => p.name), ["a", "b"]);
  assert.deepEqual(c?.dependsOn, []);
});

test("invalid documents fail with a code that names the problem", () => {
  const lib = (name: string, more: Partial<Component> = {}): Component => ({ type: "library", name, version: "1", ...more });
  const cases: Array<[SbomDocument, string, RegExp]> = [
    [doc([lib("")]), "SBOM_INVALID", /empty name/],
    [doc([], { name: " " }), "SBOM_INVALID", /empty name/],
    [doc([lib("x", { hashes: [{ alg: "SHA-256", content: "abc" }] })]), "SBOM_INVALID", /"x"@1: SHA-256 "abc" is not 64 hex digits/],
    [doc([lib("x", { hashes: [{ alg: "SHA-3" as "MD5", content: "ab" }] })]), "SBOM_INVALID", /unknown hash algorithm/],
    [doc([], { timestamp: new Date(Number.NaN) }), "SBOM_INVALID", /not a valid date/],
    [doc([lib("x", { cpe: "glibc" })]), "SBOM_INVALID", /CPE "glibc" is neither/],
    [doc([lib("x", { externalRefs: [{ type: "vcs", url: "https://x/a b" }] })]), "SBOM_INVALID", /vcs reference "https:\/\/x\/a b" is not a URL/],
    [doc([lib("x", { ref: "r" }), lib("y", { ref: "r" })]), "SBOM_DUPLICATE_REF", /two different components have the ref "r"/],
    [doc([lib("x")], { subject: lib("x") }), "SBOM_DUPLICATE_REF", /the subject and a component/],
    [doc([lib("x", { dependsOn: ["nowhere"] })]), "SBOM_UNKNOWN_REF", /"library\/x@1" depends on "nowhere"/],
    [doc([lib("x", { purl: "npm/x" })]), "PURL_INVALID", /not a package URL/],
  ];
  for (const [d, code, message] of cases) {
    assert.throws(() => toCycloneDx(d), (e: unknown) => (e as { code?: string }).code === code && message.test(String(e)), String(message));
    assert.throws(() => toSpdx(d), { code });
  }
});
