import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { defaultStackFile } from "./defaults.js";
import { flavorInputs, formatLock, parseLock, type StackLock } from "./lockfile.js";
import { parseStackFile } from "./stack-file.js";

const pkg = (name: string, extra: Record<string, string> = {}) => ({
  name,
  version: "1.0-1+deb13u1",
  architecture: "amd64",
  filename: `pool/main/${name[0]}/${name}/${name}_1.0-1+deb13u1_amd64.deb`,
  sha256: "ab".repeat(32),
  size: 1234,
  suite: "trixie-security",
  ...extra,
});

const lock: StackLock = {
  stack: "io.buildpacks.stacks.trixie",
  architectures: {
    amd64: {
      build: { inputs: "sha256:1", packages: [pkg("gcc"), pkg("libc6", { source: "glibc", sourceVersion: "2.41-12" })] },
      base: { inputs: "sha256:2", packages: [pkg("libc6", { source: "glibc", sourceVersion: "2.41-12" })] },
      tiny: { inputs: "sha256:3", packages: [pkg("libc6", { source: "glibc" })] },
    },
  },
};

test("a lock round-trips through its TOML, one line per package", () => {
  const text = formatLock(lock);
  assert.deepEqual(parseLock(text, "l.toml"), lock);
  assert.match(text, /^\[amd64\.base\]$/m);
  assert.match(text, /^ {2}\{ name = "libc6", version = "1\.0-1\+deb13u1", architecture = "amd64", suite = "trixie-security", source = "glibc", source-version = "2\.41-12", filename = "pool\/main\/l\/libc6\/libc6_1\.0-1\+deb13u1_amd64\.deb", size = 1234, sha256 = "(ab){32}" \},$/m);
  assert.equal(formatLock(parseLock(text, "l.toml")), text);
});

test("a damaged lock is refused with a hint to regenerate it", () => {
  const text = formatLock(lock);
  for (const [bad, pattern] of [
    [text.replace("lock-version = 1", "lock-version = 2"), /lock-version is 2/],
    [text.replace(`sha256 = "${"ab".repeat(32)}"`, 'sha256 = "xyz"'), /sha256 is not a lowercase hex SHA-256/],
    [text.replace("size = 1234", 'size = "big"'), /size is not a byte count/],
    [text.replace("[amd64.tiny]", "[amd64.small]"), /amd64\.small is not a flavor/],
  ] as const) {
    assert.throws(() => parseLock(bad, "l.toml"), (e: Error & { code?: string; hint?: string }) => {
      assert.equal(e.code, "STACK_LOCK");
      assert.match(e.message, pattern);
      assert.match(e.hint ?? "", /--update/);
      return true;
    });
  }
});

test("a flavor's inputs change when its packages or exclusions change, and build's when base's do", () => {
  const def = parseStackFile(readFileSync(defaultStackFile(), "utf8"), "trixie.toml");
  const before = { build: flavorInputs(def, "amd64", "build"), base: flavorInputs(def, "amd64", "base"), tiny: flavorInputs(def, "amd64", "tiny") };
  assert.notEqual(flavorInputs(def, "arm64", "base"), before.base);
  def.flavors.base.packages.push("findutils");
  assert.notEqual(flavorInputs(def, "amd64", "base"), before.base);
  assert.notEqual(flavorInputs(def, "amd64", "build"), before.build);
  assert.equal(flavorInputs(def, "amd64", "tiny"), before.tiny);
  def.flavors.base.packages.reverse(); // order does not matter
  def.flavors.tiny.description = "labels do not matter";
  assert.equal(flavorInputs(def, "amd64", "tiny"), before.tiny);
});
