import assert from "node:assert/strict";
import { test } from "node:test";
import { SbomError } from "./errors.js";
import { canonicalPurl, formatPurl, parsePurl, purl, type PackageUrl } from "./purl.js";

// Build cases from the purl specification's own test suite (tests/types/*-test.json) and the
// canonical form it defines: input components → canonical string.
const SPEC_BUILD: Array<[PackageUrl, string]> = [
  [{ type: "deb", namespace: "debian", name: "curl", version: "7.50.3-1", qualifiers: { arch: "i386", distro: "jessie" } }, "pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie"],
  [{ type: "deb", namespace: "debian", name: "attr", version: "1:2.4.47-2", qualifiers: { arch: "source" } }, "pkg:deb/debian/attr@1:2.4.47-2?arch=source"],
  [{ type: "deb", namespace: "debian", name: "attr", version: "1:2.4.47-2+b1", qualifiers: { arch: "amd64" } }, "pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64"],
  [{ type: "npm", namespace: "@angular", name: "animation", version: "12.3.1" }, "pkg:npm/%40angular/animation@12.3.1"],
  [{ type: "npm", name: "mypackage", version: "12.4.5", qualifiers: { vcs_url: "git://host.com/path/to/repo.git@4345abcd34343" } }, "pkg:npm/mypackage@12.4.5?vcs_url=git:%2F%2Fhost.com%2Fpath%2Fto%2Frepo.git%404345abcd34343"],
  [{ type: "generic", name: "openssl", version: "1.1.10g", qualifiers: { download_url: "https://openssl.example/source/openssl-1.1.0g.tar.gz", checksum: "sha256:de4d501267da" } }, "pkg:generic/openssl@1.1.10g?checksum=sha256:de4d501267da&download_url=https:%2F%2Fopenssl.example%2Fsource%2Fopenssl-1.1.0g.tar.gz"],
  [{ type: "generic", name: "bitwarderl", qualifiers: { vcs_url: "git+https://git.example/dxtr/bitwarderl@cc55108da32" } }, "pkg:generic/bitwarderl?vcs_url=git%2Bhttps:%2F%2Fgit.example%2Fdxtr%2Fbitwarderl%40cc55108da32"],
  [{ type: "golang", namespace: "google.golang.org", name: "genproto", version: "abcdedf", subpath: "googleapis/api/annotations" }, "pkg:golang/google.golang.org/genproto@abcdedf#googleapis/api/annotations"],
  [{ type: "pypi", name: "Django_package", version: "1.11.1.dev1" }, "pkg:pypi/django-package@1.11.1.dev1"],
  [{ type: "maven", namespace: "org.apache.xmlgraphics", name: "batik-anim", version: "1.9.1", qualifiers: { repository_url: "repo.spring.io/release", classifier: "sources" } }, "pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?classifier=sources&repository_url=repo.spring.io%2Frelease"],
  [{ type: "maven", namespace: "mygroup", name: "myartifact", version: "1.0.0 Final", qualifiers: { mykey: "my value" } }, "pkg:maven/mygroup/myartifact@1.0.0%20Final?mykey=my%20value"],
  [{ type: "maven", namespace: "HTTPClient", name: "HTTPClient", version: "0.3-3" }, "pkg:maven/HTTPClient/HTTPClient@0.3-3"],
  [{ type: "generic", name: "openssl", version: "1.1.10g", qualifiers: { checksum: "sha1:ad9503c3e994a4f,sha256:41bf9088b3a1e6c1ef1d" } }, "pkg:generic/openssl@1.1.10g?checksum=sha1:ad9503c3e994a4f%2Csha256:41bf9088b3a1e6c1ef1d"],
];

test("formatPurl gives the purl spec's canonical strings", () => {
  for (const [input, want] of SPEC_BUILD) assert.equal(formatPurl(input), want, JSON.stringify(input));
});

test("parsePurl then formatPurl is the identity on canonical purls, and canonicalises the rest", () => {
  for (const [, s] of SPEC_BUILD) assert.equal(canonicalPurl(s), s);
  assert.equal(canonicalPurl("pkg:npm/@babel/core#/googleapis/api/annotations/"), "pkg:npm/%40babel/core#googleapis/api/annotations");
  assert.equal(canonicalPurl("pkg:PYPI/Django_package@1.11.1.dev1"), "pkg:pypi/django-package@1.11.1.dev1");
  assert.equal(canonicalPurl("pkg://deb/Debian/Curl@1.0?distro=jessie&ARCH=i386&empty="), "pkg:deb/debian/curl@1.0?arch=i386&distro=jessie");
  assert.deepEqual(parsePurl("pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64"), {
    type: "deb",
    namespace: "debian",
    name: "attr",
    version: "1:2.4.47-2+b1",
    qualifiers: { arch: "amd64" },
  });
});

test("purl.deb: epochs keep their colon, + is encoded, ~ is not, qualifiers are sorted", () => {
  assert.equal(
    purl.deb("libc6", "2.36-9+deb12u4", { distro: "debian-12", arch: "amd64" }),
    "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12",
  );
  assert.equal(purl.deb("libpam0g", "1:1.5.2-6+deb12u1", { arch: "amd64" }), "pkg:deb/debian/libpam0g@1:1.5.2-6%2Bdeb12u1?arch=amd64");
  assert.equal(purl.deb("ca-certificates", "20230311~deb12u1"), "pkg:deb/debian/ca-certificates@20230311~deb12u1");
  assert.equal(purl.deb("Libfoo", "1.0", { vendor: "Ubuntu", distro: "noble" }), "pkg:deb/ubuntu/libfoo@1.0?distro=noble");
  assert.equal(
    purl.deb("x", "1", { repositoryUrl: "http://deb-mirror.example/debian", arch: "arm64" }),
    "pkg:deb/debian/x@1?arch=arm64&repository_url=http:%2F%2Fdeb-mirror.example%2Fdebian",
  );
});

test("purl.npm: scoped names put the scope in the namespace with @ as %40", () => {
  assert.equal(purl.npm("@types/node", "20.12.7"), "pkg:npm/%40types/node@20.12.7");
  assert.equal(purl.npm("express", "4.19.2"), "pkg:npm/express@4.19.2");
  assert.equal(purl.npm("@Scope/Pkg", "1.0.0-beta.1+build.5"), "pkg:npm/%40scope/pkg@1.0.0-beta.1%2Bbuild.5");
  assert.equal(purl.npm("left-pad"), "pkg:npm/left-pad");
  assert.throws(() => purl.npm("@scope", "1.0.0"), { code: "PURL_INVALID" });
  assert.throws(() => purl.npm("@/x", "1.0.0"), { code: "PURL_INVALID" });
});

test("purl.golang, purl.pypi, purl.maven, purl.generic", () => {
  assert.equal(purl.golang("github.com/gorilla/context", "v1.1.1"), "pkg:golang/github.com/gorilla/context@v1.1.1");
  assert.equal(
    purl.golang("github.com/Azure/azure-sdk-for-go", "v68.0.0+incompatible", { subpath: "storage" }),
    "pkg:golang/github.com/Azure/azure-sdk-for-go@v68.0.0%2Bincompatible#storage",
  );
  assert.throws(() => purl.golang("stdlib", "1.22"), { code: "PURL_INVALID" });
  assert.equal(purl.pypi("Zope.Interface", "6.2", { fileName: "zope.interface-6.2.tar.gz" }), "pkg:pypi/zope-interface@6.2?file_name=zope.interface-6.2.tar.gz");
  assert.equal(purl.maven("org.apache.commons:commons-lang3", "3.14.0", { type: "jar", classifier: "sources" }), "pkg:maven/org.apache.commons/commons-lang3@3.14.0?classifier=sources&type=jar");
  assert.throws(() => purl.maven("commons-lang3", "3.14.0"), { code: "PURL_INVALID" });
  assert.equal(purl.generic("openssl", "3.0.13", { checksum: "sha256:abc" }), "pkg:generic/openssl@3.0.13?checksum=sha256:abc");
  assert.equal(purl.generic("naïve name", "1.0 beta"), "pkg:generic/na%C3%AFve%20name@1.0%20beta");
});

test("malformed package URLs and components fail with PURL_INVALID", () => {
  for (const bad of ["npm/foo@1", "pkg:foo", "pkg:/foo", "pkg:1x/foo", "pkg:npm/", "pkg:npm/foo?a", "pkg:npm/foo?a=1&a=2", "pkg:npm/%zz"]) {
    assert.throws(() => parsePurl(bad), (e: unknown) => e instanceof SbomError && e.code === "PURL_INVALID", bad);
  }
  assert.throws(() => formatPurl({ type: "npm", name: "x", qualifiers: { "in production": "true" } }), { code: "PURL_INVALID" });
  assert.throws(() => formatPurl({ type: "npm", name: "" }), { code: "PURL_INVALID" });
  assert.throws(() => formatPurl({ type: "n+pm", name: "x" }), { code: "PURL_INVALID" });
});
