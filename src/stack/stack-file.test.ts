import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { defaultStackFile } from "./defaults.js";
import { parseStackFile } from "./stack-file.js";

const shipped = readFileSync(defaultStackFile(), "utf8");

test("the shipped trixie stack file parses: suites, users, flavors, effects", () => {
  const def = parseStackFile(shipped, "trixie.toml");
  assert.equal(def.id, "io.buildpacks.stacks.trixie");
  assert.deepEqual(def.distro.suites, ["trixie", "trixie-updates", "trixie-security"]);
  assert.deepEqual(def.distro.architectures, ["amd64", "arm64"]);
  assert.deepEqual(def.user.build, { uid: 1001, gid: 1000 });
  assert.deepEqual(def.user.run, { uid: 1002, gid: 1000 });
  assert.equal(def.user.home, "home/cnb");
  assert.ok(def.flavors.base.packages.includes("dash") && def.flavors.base.packages.includes("openssl"));
  for (const never of ["dash", "bash", "coreutils", "openssl", "perl-base", "debconf", "dpkg"]) {
    assert.ok(def.flavors.tiny.exclude.includes(never), `tiny excludes ${never}`);
  }
  assert.ok(def.flavors.build.packages.includes("build-essential") && def.flavors.build.packages.includes("nodejs"));
  assert.ok(def.paths.exclude.includes("usr/share/doc/**"));
  assert.deepEqual(def.paths.keep, ["usr/share/doc/*/copyright"]);
  const cc = def.alternatives.find((a) => a.name === "cc");
  assert.deepEqual(cc, { name: "cc", link: "usr/bin/cc", path: "usr/bin/gcc", priority: 20, slaves: [] });
  assert.equal(def.dirs.find((d) => d.path === "tmp")?.mode, 0o1777);
  assert.deepEqual(def.dirs.find((d) => d.path === "workspace")?.flavors, ["build"]);
  assert.equal(def.links.find((l) => l.path === "etc/localtime")?.ifExists, "usr/share/zoneinfo/Etc/UTC");
});

function expectError(text: string, pattern: RegExp): void {
  assert.throws(() => parseStackFile(text, "s.toml"), (e: Error & { code?: string }) => {
    assert.equal(e.code, "STACK_FILE");
    assert.match(e.message, pattern);
    return true;
  });
}

test("a typo, a missing field, a relative path or a root CNB user is refused with the key named", () => {
  expectError(shipped.replace('maintainer = "paketo"', 'maintainer = "paketo"\nmaintaner = "x"'), /s\.toml: top level: unknown key "maintaner"/);
  expectError(shipped.replace(/^id = .*$/m, ""), /s\.toml: id: is missing/);
  expectError(shipped.replace('home = "/home/cnb"', 'home = "home/cnb"'), /user\.home: "home\/cnb" must be an absolute path/);
  expectError(shipped.replace("run = { uid = 1002, gid = 1000 }", "run = { uid = 0, gid = 0 }"), /may not be root/);
  expectError(shipped.replace('path = "/workspace"\nflavors = ["build"]', 'path = "/workspace"\nflavors = ["builder"]'), /dirs\[\d+\]\.flavors: flavor "builder" is not one of build, base, tiny/);
  expectError("id = [", /not valid TOML \(line 1\)/);
});
