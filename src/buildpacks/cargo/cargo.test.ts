// cargo's pure parts and detection; the builds themselves run with the real toolchain in
// src/e2e/rust.test.ts (rustc and cargo come from Debian packages only the build image gets).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { runDetect } from "../../buildpack-api/testing/index.js";
import { validateCycloneDx } from "../../sbom/testing.js";
import { toCycloneDx } from "../../sbom/index.js";
import { removeSource } from "../common/source-removal.js";
import { cargo } from "./buildpack.js";
import { recordSources, settleSourceTimes } from "./freshness.js";
import { lockKey } from "./lockfile.js";
import { cargoSbom } from "./sbom.js";

const here = dirname(fileURLToPath(import.meta.url));
const buildpackToml = readFileSync(join(here, "../../../src/buildpacks/cargo/buildpack.toml"), "utf8");

test("detect: Cargo.toml, with or without Cargo.lock; requires rust at build; no Cargo.toml is the reason", async () => {
  const ok = await runDetect(cargo(), { buildpackToml, app: { "Cargo.toml": "[package]\nname='a'\n", "Cargo.lock": "version = 4\n" } });
  assert.ok(ok.outcome === "pass");
  assert.deepEqual(ok.plan.requires, [{ name: "rust", metadata: { build: true } }]);
  const noLock = await runDetect(cargo(), { buildpackToml, app: { "Cargo.toml": "[package]\nname='a'\n" } });
  assert.ok(noLock.outcome === "pass");
  assert.deepEqual(noLock.plan.requires, [{ name: "rust", metadata: { build: true } }]);
  const noToml = await runDetect(cargo(), { buildpackToml, app: { "main.rs": "" } });
  assert.equal(noToml.outcome, "fail");
  assert.match(noToml.stdout, /no Cargo\.toml/);
});

test("a generated lock's key: a Cargo.toml changed or added, the app's cargo config, or another toolchain, regenerates; a .rs, asset or target/ change reuses", async () => {
  const app = mkdtempSync(join(tmpdir(), "cargo-lockkey-"));
  try {
    const files: Record<string, string> = {
      "Cargo.toml": '[workspace]\nmembers = ["web", "lib"]\n',
      "web/Cargo.toml": '[package]\nname = "web"\n[dependencies]\nlib = { path = "../lib" }\n',
      "web/src/main.rs": "fn main() {}\n",
      "lib/Cargo.toml": '[package]\nname = "lib"\n[dependencies]\nitoa = "1"\n',
      "lib/src/lib.rs": "\n",
      "static/a.txt": "a\n",
    };
    for (const [f, c] of Object.entries(files)) {
      mkdirSync(dirname(join(app, f)), { recursive: true });
      writeFileSync(join(app, f), c);
    }
    const cargo1 = "cargo 1.96.0 (Debian 1.96.0+dfsg1-1)\n";
    const first = await lockKey(app, cargo1);
    assert.match(first, /^[0-9a-f]{64}$/);
    // reuse: sources, assets, build output
    writeFileSync(join(app, "web/src/main.rs"), 'fn main() { println!("changed"); }\n');
    writeFileSync(join(app, "lib/src/extra.rs"), "\n");
    writeFileSync(join(app, "static/a.txt"), "b\n");
    mkdirSync(join(app, "target/debug"), { recursive: true });
    writeFileSync(join(app, "target/debug/Cargo.toml"), "not the app's\n");
    assert.equal(await lockKey(app, cargo1), first);
    // regenerate: another toolchain
    assert.notEqual(await lockKey(app, "cargo 1.85.0 (Debian 1.85.0+dfsg1-1)\n"), first);
    // regenerate: a member's dependencies changed
    writeFileSync(join(app, "lib/Cargo.toml"), '[package]\nname = "lib"\n[dependencies]\nitoa = "1"\nryu = "1"\n');
    const second = await lockKey(app, cargo1);
    assert.notEqual(second, first);
    // regenerate: a new member manifest, and the app's cargo configuration
    mkdirSync(join(app, "tool"));
    writeFileSync(join(app, "tool/Cargo.toml"), '[package]\nname = "tool"\n');
    const third = await lockKey(app, cargo1);
    assert.notEqual(third, second);
    mkdirSync(join(app, ".cargo"));
    writeFileSync(join(app, ".cargo/config.toml"), "[net]\nretry = 3\n");
    assert.notEqual(await lockKey(app, cargo1), third);
  } finally {
    rmSync(app, { recursive: true, force: true });
  }
});

const LOCK = `version = 4

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["itoa", "gitdep"]

[[package]]
name = "itoa"
version = "1.0.19"
source = "registry+file:///srv/index"
checksum = "3bd1574e617a9a6c1f8f8181bd7e841e1f20e4277607ef28945765188d6284d4"

[[package]]
name = "gitdep"
version = "0.2.0"
source = "git+file:///srv/gitdep?rev=abc#0123456789abcdef"
`;

test("SBOM from Cargo.lock: registry and git crates with purl, the registry's checksum; workspace packages are the app", () => {
  const doc = cargoSbom(LOCK, { name: "bin", timestamp: new Date(0), tool: { name: "t", version: "1" } });
  assert.deepEqual(
    doc.components.map((c) => [c.purl, c.hashes?.[0]?.content ?? null, c.properties?.[0]?.value]),
    [
      ["pkg:cargo/itoa@1.0.19", "3bd1574e617a9a6c1f8f8181bd7e841e1f20e4277607ef28945765188d6284d4", "registry+file:///srv/index"],
      ["pkg:cargo/gitdep@0.2.0", null, "git+file:///srv/gitdep?rev=abc"],
    ],
  );
  validateCycloneDx(toCycloneDx(doc));
  assert.throws(() => cargoSbom("[[package]\n", { name: "b", timestamp: new Date(0), tool: { name: "t", version: "1" } }), { code: "RUST_MANIFEST", message: /Cargo\.lock is not valid TOML/ });
});

test("source times follow content: unchanged files get the old time, a changed or new file keeps its own; target/ and .git are not sources", async () => {
  const root = mkdtempSync(join(tmpdir(), "cargo-fresh-"));
  try {
    const app = join(root, "app");
    const target = join(root, "target");
    mkdirSync(join(app, "src"), { recursive: true });
    mkdirSync(join(app, "target"), { recursive: true });
    mkdirSync(target);
    writeFileSync(join(app, "Cargo.toml"), "[package]\n");
    writeFileSync(join(app, "src/main.rs"), "fn main() {}\n");
    writeFileSync(join(app, "target/junk"), "x");
    const old = new Date(315532800_000);
    const first = await settleSourceTimes(app, target, old);
    assert.deepEqual(first.changed, ["Cargo.toml", "src/main.rs"]);
    assert.equal(first.total, 2);
    await recordSources(target, first.digests);
    writeFileSync(join(app, "src/main.rs"), "fn main() { println!(); }\n");
    writeFileSync(join(app, "src/lib.rs"), "\n");
    const second = await settleSourceTimes(app, target, old);
    assert.deepEqual(second.changed, ["src/lib.rs", "src/main.rs"]);
    assert.equal(statSync(join(app, "Cargo.toml")).mtimeMs, old.getTime());
    assert.ok(statSync(join(app, "src/main.rs")).mtimeMs > old.getTime());
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("source removal: BP_INCLUDE_FILES globs kept, BP_EXCLUDE_FILES dropped from them, everything else removed", async () => {
  const app = mkdtempSync(join(tmpdir(), "cargo-keep-"));
  try {
    for (const f of ["src/main.rs", "static/a.css", "static/secret.key", "templates/t.html", "README.md"]) {
      mkdirSync(dirname(join(app, f)), { recursive: true });
      writeFileSync(join(app, f), f);
    }
    const kept = await removeSource(app, ["static/*", "templates"], ["static/*.key"]);
    assert.deepEqual(kept, ["static/a.css", "templates"]);
    assert.throws(() => statSync(join(app, "static/secret.key")));
    assert.throws(() => statSync(join(app, "src")));
    assert.equal(readFileSync(join(app, "templates/t.html"), "utf8"), "templates/t.html");
  } finally {
    rmSync(app, { recursive: true, force: true });
  }
});
