import assert from "node:assert/strict";
import { test } from "node:test";
import { PackageIndex } from "./package-index.js";
import { parseWanted, resolve } from "./resolver.js";

function pkg(name: string, version: string, fields: Record<string, string> = {}): string {
  const lines = [`Package: ${name}`, `Version: ${version}`, `Architecture: ${fields["Architecture"] ?? "amd64"}`];
  for (const [k, v] of Object.entries(fields)) if (k !== "Architecture") lines.push(`${k}: ${v}`);
  lines.push(`Filename: pool/main/${name}_${version}.deb`, "Size: 100", `SHA256: ${"a".repeat(64)}`);
  return lines.join("\n") + "\n";
}

function index(suites: Record<string, string[]>): PackageIndex {
  const idx = new PackageIndex("amd64", Object.keys(suites), ["main"]);
  for (const [suite, stanzas] of Object.entries(suites)) {
    for (const s of stanzas) idx.addStanza(s, { suite, component: "main", where: suite });
  }
  return idx;
}

const names = (r: { packages: Array<{ name: string; version: string }> }) => r.packages.map((p) => `${p.name}=${p.version}`);

test("the closure follows Depends and Pre-Depends, sorted, one version each", () => {
  const idx = index({
    trixie: [
      pkg("app", "1", { "Pre-Depends": "libc6 (>= 2.34)", Depends: "libssl3t64 (>= 3.5), zlib1g" }),
      pkg("libc6", "2.41-12", { Depends: "libgcc-s1" }),
      pkg("libgcc-s1", "14.2.0-19", { Depends: "gcc-14-base (= 14.2.0-19), libc6 (>= 2.35)" }),
      pkg("gcc-14-base", "14.2.0-19"),
      pkg("libssl3t64", "3.5.1-1", { Depends: "libc6" }),
      pkg("zlib1g", "1:1.3.1-1", { Depends: "libc6 (>= 2.14)" }),
      pkg("unrelated", "1"),
    ],
  });
  const r = resolve(idx, ["app"]);
  assert.deepEqual(names(r), ["app=1", "gcc-14-base=14.2.0-19", "libc6=2.41-12", "libgcc-s1=14.2.0-19", "libssl3t64=3.5.1-1", "zlib1g=1:1.3.1-1"]);
  assert.equal(r.requiredBy.get("libgcc-s1"), "libc6");
  assert.equal(r.requiredBy.has("app"), false);
});

test("merged suites: the highest version wins, and the suite it came from is kept", () => {
  const idx = index({
    trixie: [pkg("openssl", "3.5.1-1", { Depends: "libssl3t64 (>= 3.5.1)" }), pkg("libssl3t64", "3.5.1-1")],
    "trixie-security": [pkg("openssl", "3.5.1-1+deb13u1", { Depends: "libssl3t64 (>= 3.5.1-1+deb13u1)" }), pkg("libssl3t64", "3.5.1-1+deb13u1")],
  });
  const r = resolve(idx, ["openssl"]);
  assert.deepEqual(names(r), ["libssl3t64=3.5.1-1+deb13u1", "openssl=3.5.1-1+deb13u1"]);
  assert.deepEqual(r.packages.map((p) => p.suite), ["trixie-security", "trixie-security"]);
  assert.deepEqual(names(resolve(idx, ["openssl=3.5.1-1", "libssl3t64=3.5.1-1"])), ["libssl3t64=3.5.1-1", "openssl=3.5.1-1"]);
});

test("alternatives prefer what is already selected or wanted, else the first satisfiable", () => {
  const idx = index({
    t: [
      pkg("tzdata", "1", { Depends: "debconf (>= 0.5) | debconf-2.0" }),
      pkg("debconf", "1.5", { Provides: "debconf-2.0" }),
      pkg("cdebconf", "0.2", { Provides: "debconf-2.0" }),
      pkg("web", "1", { Depends: "mawk | gawk" }),
      pkg("mawk", "1"),
      pkg("gawk", "1"),
      pkg("old", "1", { Depends: "missing-thing | gawk" }),
    ],
  });
  assert.deepEqual(names(resolve(idx, ["tzdata"])), ["debconf=1.5", "tzdata=1"]);
  assert.deepEqual(names(resolve(idx, ["tzdata", "cdebconf"])), ["cdebconf=0.2", "tzdata=1"]);
  assert.deepEqual(names(resolve(idx, ["web"])), ["mawk=1", "web=1"]);
  assert.deepEqual(names(resolve(idx, ["web", "gawk"])), ["gawk=1", "web=1"]);
  assert.deepEqual(names(resolve(idx, ["gawk", "web"])), ["gawk=1", "web=1"], "order of the wanted list does not matter");
  assert.deepEqual(names(resolve(idx, ["old"])), ["gawk=1", "old=1"]);
});

test("virtual packages: versioned provides satisfy versioned dependencies, unversioned ones do not", () => {
  const idx = index({
    t: [
      pkg("a", "1", { Depends: "libgcc1 (>= 1:14)" }),
      pkg("libgcc-s1", "14.2.0-19", { Provides: "libgcc1 (= 1:14.2.0-19)" }),
      pkg("b", "1", { Depends: "mail-transport-agent (>= 2)" }),
      pkg("exim", "4", { Provides: "mail-transport-agent" }),
      pkg("c", "1", { Depends: "awk" }),
      pkg("mawk", "1.3", { Provides: "awk", Priority: "required" }),
      pkg("gawk", "5", { Provides: "awk", Priority: "optional" }),
    ],
  });
  assert.deepEqual(names(resolve(idx, ["a"])), ["a=1", "libgcc-s1=14.2.0-19"]);
  assert.throws(() => resolve(idx, ["b"]), (e: Error & { code?: string; hint?: string }) => {
    assert.equal(e.code, "DEBIAN_UNSATISFIABLE");
    assert.match(e.message, /mail-transport-agent \(>= 2\) required by b/);
    assert.match(e.hint ?? "", /exim provides mail-transport-agent/);
    return true;
  });
  assert.deepEqual(names(resolve(idx, ["c"])), ["c=1", "mawk=1.3"], "the higher-priority provider is chosen");
  assert.deepEqual(names(resolve(idx, ["awk"])), ["mawk=1.3"], "a wanted virtual name resolves to a provider");
});

test("architecture qualifiers and Architecture: all", () => {
  const idx = index({
    t: [
      pkg("tool", "1", { Depends: "python3:any, perl:native, data, libx:amd64" }),
      pkg("python3", "3.13", { "Multi-Arch": "allowed" }),
      pkg("perl", "5.40"),
      pkg("data", "1", { Architecture: "all" }),
      pkg("libx", "1"),
      pkg("strict", "1", { Depends: "notallowed:any" }),
      pkg("notallowed", "1"),
      pkg("foreign", "1", { Depends: "libx:i386 | libx" }),
      pkg("armel-only", "1", { Architecture: "arm64" }),
    ],
  });
  assert.deepEqual(names(resolve(idx, ["tool"])), ["data=1", "libx=1", "perl=5.40", "python3=3.13", "tool=1"]);
  assert.throws(() => resolve(idx, ["strict"]), /notallowed:any required by strict/);
  assert.deepEqual(names(resolve(idx, ["foreign"])), ["foreign=1", "libx=1"]);
  assert.throws(() => resolve(idx, ["armel-only"]), /package "armel-only" not found in t \(main, amd64\)/);
});

test("exclusions: alternatives route around them; otherwise error or skip-with-record", () => {
  const idx = index({
    t: [
      pkg("tzdata", "1", { Depends: "debconf (>= 0.5) | debconf-2.0" }),
      pkg("debconf", "1.5", { Provides: "debconf-2.0", "Pre-Depends": "perl-base" }),
      pkg("perl-base", "5.40"),
      pkg("cdebconf", "0.2", { Provides: "debconf-2.0" }),
      pkg("sh-user", "1", { Depends: "dash | bash" }),
      pkg("dash", "0.5"),
      pkg("bash", "5"),
    ],
  });
  assert.deepEqual(names(resolve(idx, ["tzdata"], { exclude: ["debconf"] })), ["cdebconf=0.2", "tzdata=1"]);
  assert.deepEqual(names(resolve(idx, ["sh-user"], { exclude: ["dash"] })), ["bash=5", "sh-user=1"]);
  assert.throws(
    () => resolve(idx, ["sh-user"], { exclude: ["dash", "bash"] }),
    (e: Error & { code?: string }) => e.code === "DEBIAN_EXCLUDED" && /dash \| bash required by sh-user can only be satisfied by excluded bash, dash/.test(e.message),
  );
  const r = resolve(idx, ["sh-user", "tzdata"], { exclude: ["dash", "bash", "debconf", "cdebconf"], onExcluded: "skip" });
  assert.deepEqual(names(r), ["sh-user=1", "tzdata=1"]);
  assert.deepEqual(r.skipped, [
    { dependency: "dash | bash", requiredBy: "sh-user", excluded: ["bash", "dash"] },
    { dependency: "debconf (>= 0.5) | debconf-2.0", requiredBy: "tzdata", excluded: ["cdebconf", "debconf"] },
  ]);
  assert.throws(() => resolve(idx, ["bash"], { exclude: ["bash"] }), /bash is both wanted and excluded/);
});

test("errors name the package, the index, near names, and the chain", () => {
  const idx = index({
    trixie: [
      pkg("ca-certificates", "1", { Depends: "openssl (>= 1.1.1)" }),
      pkg("openssl", "3.5.1-1", { Depends: "libssl3t64 (>= 3.6)" }),
      pkg("libssl3t64", "3.5.1-1"),
      pkg("curl", "8"),
      pkg("libcurl4t64", "8"),
    ],
  });
  assert.throws(() => resolve(idx, ["culr"]), (e: Error & { code?: string; hint?: string }) => {
    assert.equal(e.code, "DEBIAN_NOT_FOUND");
    assert.equal(e.message, 'package "culr" not found in trixie (main, amd64)');
    assert.match(e.hint ?? "", /did you mean "curl"/);
    return true;
  });
  assert.throws(() => resolve(idx, ["libssl3"]), (e: Error & { hint?: string }) => /"libssl3t64"/.test(e.hint ?? ""));
  assert.throws(() => resolve(idx, ["ca-certificates"]), (e: Error & { code?: string; hint?: string }) => {
    assert.equal(e.code, "DEBIAN_UNSATISFIABLE");
    assert.match(e.message, /^libssl3t64 \(>= 3\.6\) required by openssl ← ca-certificates: no version in trixie \(main, amd64\) satisfies it$/);
    assert.match(e.hint ?? "", /libssl3t64 3\.5\.1-1 \(trixie\)/);
    return true;
  });
  assert.throws(() => resolve(idx, ["openssl=9"]), (e: Error & { hint?: string }) => /version 9 not found/.test(e.message) && /3\.5\.1-1 \(trixie\)/.test(e.hint ?? ""));
});

test("a version pinned by the wanted list that a dependency cannot accept is a clear conflict", () => {
  const idx = index({
    t: [pkg("app", "1", { Depends: "lib (>= 2)" }), pkg("lib", "1"), pkg("lib", "2")],
  });
  assert.deepEqual(names(resolve(idx, ["app"])), ["app=1", "lib=2"]);
  assert.throws(() => resolve(idx, ["app", "lib=1"]), /lib \(>= 2\) required by app: lib 1 is already selected \(wanted\)/);
});

test("parseWanted reads name, name=version and name:arch", () => {
  assert.deepEqual(parseWanted("tzdata"), { name: "tzdata" });
  assert.deepEqual(parseWanted("tzdata=2025b-4"), { name: "tzdata", version: "2025b-4" });
  assert.deepEqual(parseWanted("libc6:amd64=2.41-12"), { name: "libc6", version: "2.41-12", arch: "amd64" });
  assert.throws(() => parseWanted("Bad Name"), /is not a package name/);
});

test("parseWanted reads apt's name/suite", () => {
  assert.deepEqual(parseWanted("python3.11/bookworm"), { name: "python3.11", suite: "bookworm" });
  assert.deepEqual(parseWanted("golang-go/trixie-backports=2:1.25~1"), { name: "golang-go", suite: "trixie-backports", version: "2:1.25~1" });
});

test("installed packages: what they satisfy pulls nothing in; a wanted one already there is not installed again", () => {
  const idx = index({
    trixie: [
      pkg("nginx", "1.26.3-3", { Depends: "libc6 (>= 2.38), libssl3t64 (>= 3.0.0), libpcre2-8-0 (>= 10.22), nginx-common (= 1.26.3-3)" }),
      pkg("nginx-common", "1.26.3-3", { Architecture: "all" }),
      pkg("libc6", "2.41-12"),
      pkg("libssl3t64", "3.5.1-1"),
      pkg("libpcre2-8-0", "10.45-1"),
      pkg("tool", "1", { Depends: "awk, libgcc1 (>= 1:14)" }),
      pkg("mawk", "1.3.4", { Provides: "awk" }),
      pkg("libgcc-s1", "14.2.0-19", { Provides: "libgcc1 (= 1:14.2.0-19)" }),
    ],
  });
  const installed = [
    { name: "libc6", version: "2.41-12", architecture: "amd64" },
    { name: "libssl3t64", version: "3.5.1-1", architecture: "amd64" },
    { name: "mawk", version: "1.3.4", architecture: "amd64", provides: "awk" },
    { name: "libgcc-s1", version: "14.2.0-19", architecture: "amd64", provides: "libgcc1 (= 1:14.2.0-19)" },
    { name: "unrelated", version: "1", architecture: "amd64" },
  ];
  const r = resolve(idx, ["nginx"], { installed });
  assert.deepEqual(names(r), ["libpcre2-8-0=10.45-1", "nginx=1.26.3-3", "nginx-common=1.26.3-3"]);
  assert.deepEqual(r.present.map((p) => p.name), ["libc6", "libssl3t64"]);
  const t = resolve(idx, ["tool"], { installed });
  assert.deepEqual(names(t), ["tool=1"], "virtual and versioned provides of installed packages count");
  assert.deepEqual(t.present.map((p) => p.name), ["libgcc-s1", "mawk"]);
  const again = resolve(idx, ["libssl3t64", "nginx"], { installed: [...installed, { name: "nginx", version: "1.26.3-3", architecture: "amd64" }] });
  assert.deepEqual(names(again), [], "everything wanted is already installed");
  assert.deepEqual(again.present.map((p) => p.name), ["libssl3t64", "nginx"]);
});

test("an installed version too old for a dependency is shadowed by the index's, and reported", () => {
  const idx = index({ t: [pkg("app", "1", { Depends: "lib (>= 2)" }), pkg("lib", "2")] });
  const r = resolve(idx, ["app"], { installed: [{ name: "lib", version: "1", architecture: "amd64" }] });
  assert.deepEqual(names(r), ["app=1", "lib=2"]);
  assert.deepEqual(r.shadowed, [{ name: "lib", installed: "1", selected: "2", requiredBy: "app" }]);
  assert.deepEqual(r.present, []);
});

test("suite priorities: a low-priority suite is used only where the others fall short or when named", () => {
  const idx = index({
    trixie: [pkg("golang-go", "2:1.24~2"), pkg("app", "1", { Depends: "libfoo (>= 2)" }), pkg("libfoo", "1")],
    "trixie-backports": [pkg("golang-go", "2:1.25~1"), pkg("libfoo", "2"), pkg("only-here", "1")],
    bookworm: [pkg("python3.11", "3.11.2-6", { Depends: "libfoo" })],
  });
  const priority = (s: string) => (s === "trixie" ? 500 : 100);
  assert.deepEqual(names(resolve(idx, ["golang-go"])), ["golang-go=2:1.25~1"], "without priorities the highest version wins");
  assert.deepEqual(names(resolve(idx, ["golang-go"], { priority })), ["golang-go=2:1.24~2"]);
  assert.deepEqual(names(resolve(idx, ["golang-go/trixie-backports"], { priority })), ["golang-go=2:1.25~1"]);
  assert.deepEqual(names(resolve(idx, ["app"], { priority })), ["app=1", "libfoo=2"], "the backport where trixie falls short");
  assert.deepEqual(names(resolve(idx, ["python3.11/bookworm"], { priority })), ["libfoo=1", "python3.11=3.11.2-6"], "dependencies from the preferred suite");
  assert.deepEqual(names(resolve(idx, ["only-here"], { priority })), ["only-here=1"]);
  assert.throws(() => resolve(idx, ["golang-go/bookworm"], { priority }), (e: Error & { hint?: string }) => /"golang-go" not found in bookworm/.test(e.message) && /2:1.25~1 \(trixie-backports\)/.test(e.hint ?? ""));
  assert.throws(() => resolve(idx, ["golang-go/sid"], { priority }), /suite sid is not among/);
});
