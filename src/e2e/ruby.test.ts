// The product on Ruby apps: `paketo build` with the default builder, Ruby and Bundler from
// Debian's packages, gems only from vendor/cache (RubyGems is not reachable from these machines:
// the test writes its .gem files), the image run by podman with PORT=8080 and an HTTP GET.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cli } from "../platform/creator/testing/e2e.js";
import { makeGem } from "./testing/gem.js";
import { appCopy, e2eTemp, FIXTURES, Podman } from "./testing/harness.js";

const tmp = e2eTemp("ruby");
const env = () => ({ ...process.env, PAKETO_STORE: join(tmp.path, "store") });
const c = cli(env);
const podman = new Podman(join(tmp.path, "podman"));
const WARM = join(tmp.path, "warm-cache");
const uniq = () => Math.random().toString(36).slice(2, 8);

function cacheCopy(name: string): string {
  const dest = join(tmp.path, "caches", name);
  mkdirSync(join(tmp.path, "caches"), { recursive: true });
  execFileSync("cp", ["-al", WARM, dest]);
  return dest;
}

/** The adder gem (a C extension) from src/e2e/fixtures/adder-gem, as a .gem in the app's vendor/cache. */
async function vendorAdder(dir: string): Promise<void> {
  const src = join(FIXTURES, "adder-gem");
  const files = Object.fromEntries(["ext/adder/extconf.rb", "ext/adder/adder.c", "lib/adder.rb"].map((f) => [f, readFileSync(join(src, f), "utf8")]));
  mkdirSync(join(dir, "vendor/cache"), { recursive: true });
  writeFileSync(join(dir, "vendor/cache/adder-0.1.0.gem"), await makeGem({ name: "adder", version: "0.1.0", files, extensions: ["ext/adder/extconf.rb"] }));
}

async function build(app: string, dir: string, extra: string[] = [], o: { cache?: string; layout?: string } = {}) {
  const layout = o.layout ?? join(tmp.path, "images", `${app}-${uniq()}`);
  mkdirSync(join(tmp.path, "images"), { recursive: true });
  const r = await c.paketo(["build", `oci:${layout}`, "--path", dir, "--cache-dir", o.cache ?? cacheCopy(`${app}-${uniq()}`), ...extra]);
  assert.equal(r.code, 0, `build of ${app} failed:\n${r.stderr}`);
  return { layout, image: `oci:${layout}`, stderr: r.stderr, digest: r.stdout.trim().split("\n").pop() ?? "" };
}

before(async () => {
  const r = await c.paketo(["build", `oci:${join(tmp.path, "images", "warmup")}`, "--path", appCopy("ruby-procfile", join(tmp.path, "warmup")), "--cache-dir", WARM]);
  assert.equal(r.code, 0, r.stderr);
});
after(() => tmp.cleanup());

describe("Ruby apps build with the default builder and serve HTTP under podman", { concurrency: 3 }, () => {
  test("no gems, started by a Procfile: MRI from Debian (.ruby-version 3.3) runs from its layer", async () => {
    const b = await build("ruby-procfile", appCopy("ruby-procfile", join(tmp.path, "a1")));
    assert.match(b.stderr, /Paketo Buildpack for MRI/);
    assert.match(b.stderr, /\.ruby-version: 3\.3/);
    assert.doesNotMatch(b.stderr, /Bundle Install/);
    assert.match(await podman.serve(b.image), /^ruby-procfile ok ruby=3\.3\.\d+ uid=1002$/m);
  });

  test("a rack app under rackup, its gems (rack, rackup, webrick) Debian's packaged ones: no vendor/cache, no RubyGems", async () => {
    const b = await build("ruby-rack", appCopy("ruby-rack", join(tmp.path, "a3")));
    assert.match(b.stderr, /Debian's packaged gems for the Gemfile: ruby-rack, ruby-rackup, ruby-webrick/);
    assert.match(b.stderr, /Paketo Buildpack for Rackup/);
    assert.match(b.stderr, /web \(default\): bundle exec rackup --env production --host 0\.0\.0\.0 -p "\$\{PORT:-9292\}"/);
    assert.match(await podman.serve(b.image), /^ruby-rack ok rack=3\.\d+\.\d+ ruby=3\.3\.\d+$/m);
  });

  test("a native gem from vendor/cache: compiled with the build image's gcc and the layer's Ruby headers, --local; a rebuild keeps the gems layer; BUNDLED WITH another Bundler warns", async () => {
    const dir = appCopy("ruby-native", join(tmp.path, "a2"));
    await vendorAdder(dir);
    const cache = cacheCopy("native");
    const layout = join(tmp.path, "images", "native");
    const first = await build("ruby-native", dir, [], { cache, layout });
    assert.match(first.stderr, /gems from vendor\/cache \(--local\)/);
    assert.match(first.stderr, /Installing adder 0\.1\.0 with native extensions/);
    assert.match(await podman.serve(first.image), /^ruby-native ok adder=42 native=true$/m);
    // Bundler wrote Gemfile.lock in the build; the app commits it, pinned to another Bundler
    writeFileSync(join(dir, "Gemfile.lock"), "GEM\n  specs:\n    adder (0.1.0)\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  adder\n\nBUNDLED WITH\n   2.99.0\n");
    const locked = await build("ruby-native", dir, [], { cache, layout });
    assert.match(locked.stderr, /Gemfile\.lock was bundled with Bundler 2\.99\.0; using the installed Bundler 2\.\d+\.\d+ instead of downloading it/);
    assert.match(await podman.serve(locked.image), /^ruby-native ok adder=42/m);
    const again = await build("ruby-native", dir, [], { cache, layout });
    assert.match(again.stderr, /Reusing cached layer \/layers\/paketo-buildpacks_bundle-install\/launch-gems/);
    assert.doesNotMatch(again.stderr, /Installing adder/);
  });
});

describe("Ruby failures name the cause and export nothing", () => {
  test("a gem missing from vendor/cache", async () => {
    const dir = appCopy("ruby-native", join(tmp.path, "f1"));
    await vendorAdder(dir);
    writeFileSync(join(dir, "Gemfile"), `${readFileSync(join(dir, "Gemfile"), "utf8")}gem "missing_gem"\n`);
    const layout = join(tmp.path, "images", "failed");
    const r = await c.paketo(["build", `oci:${layout}`, "--path", dir, "--cache-dir", cacheCopy("failed")]);
    assert.notEqual(r.code, 0);
    assert.ok(!existsSync(join(layout, "index.json")), "nothing is exported");
    assert.match(r.stderr, /ERROR: 'bundle install' exited with status \d+; its last output:/);
    assert.match(r.stderr, /missing_gem/);
    assert.match(r.stderr, /every gem must be in vendor\/cache/);
    assert.equal(r.stderr.match(/^paketo: error:/gm)?.length, 1);
  });
});
