// The product on Rust apps: `paketo build` with the default builder, rustc and cargo from Debian's
// packages, crates from the registry cargo's configuration names, the image run by podman with
// PORT=8080 and an HTTP GET. Plus a one-line change (one crate compiled, nothing downloaded), the
// tiny run image, and the failures a user meets first.
//
// One build (before) fills a build cache with the toolchain layer and the crate; every case starts
// from a hard-linked copy of it, so the cases run concurrently without installing Rust each.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cli } from "../platform/creator/testing/e2e.js";
import { appCopy, e2eTemp, Podman } from "./testing/harness.js";

const tmp = e2eTemp("rust");
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

async function build(app: string, dir: string, extra: string[] = [], o: { cache?: string; layout?: string } = {}) {
  const layout = o.layout ?? join(tmp.path, "images", `${app}-${uniq()}`);
  mkdirSync(join(tmp.path, "images"), { recursive: true });
  const r = await c.paketo(["build", `oci:${layout}`, "--path", dir, "--cache-dir", o.cache ?? cacheCopy(`${app}-${uniq()}`), ...extra]);
  assert.equal(r.code, 0, `build of ${app} failed:\n${r.stderr}`);
  return { layout, image: `oci:${layout}`, stderr: r.stderr, digest: r.stdout.trim().split("\n").pop() ?? "" };
}

before(async () => {
  const r = await c.paketo(["build", `oci:${join(tmp.path, "images", "warmup")}`, "--path", appCopy("rust-tiny", join(tmp.path, "warmup")), "--cache-dir", WARM]);
  assert.equal(r.code, 0, r.stderr);
  await c.ok(["stack", "create", "--flavor", "tiny"]);
});
after(() => tmp.cleanup());

describe("Rust apps build with the default builder and serve HTTP under podman", { concurrency: 3 }, () => {
  test("a workspace with two binaries, a library crate and a registry crate, and no Cargo.lock: web is the default process, worker the other; the lock is generated once, the SBOM comes from it; a one-line change reuses it, compiles one crate and downloads nothing", async () => {
    const dir = appCopy("rust-workspace", join(tmp.path, "a1"));
    const cache = cacheCopy("ws");
    const layout = join(tmp.path, "images", "ws");
    const first = await build("rust-workspace", dir, [], { cache, layout });
    assert.match(first.stderr, /Paketo Buildpack for Rust Distribution/);
    assert.match(first.stderr, /Running 'cargo generate-lockfile'/);
    assert.match(first.stderr, /No Cargo\.lock in the app: generated one with 'cargo generate-lockfile' \(committing Cargo\.lock is recommended/);
    assert.match(first.stderr, /Downloaded 1 crate\(s\)/);
    assert.match(first.stderr, /crate\(s\) from the generated Cargo\.lock\)/);
    assert.match(first.stderr, /web \(default\): \/layers\/paketo-community_cargo\/bin\/bin\/web/);
    assert.match(first.stderr, /Removing source code \(keeping static\/hello\.txt\)/);
    assert.match(await podman.serve(first.image), /^rust-workspace web ok itoa=42 asset=static hello$/m);
    assert.match(podman.run(["run", "--rm", "--entrypoint", "worker", first.image]), /^rust-workspace worker ok itoa=7$/m);
    const sbomDir = join(tmp.path, "sbom-ws");
    await c.ok(["sbom", "download", first.image, "--output-dir", sbomDir]);
    const sbom = readFileSync(join(sbomDir, "layers/sbom/launch/paketo-community_cargo/bin/sbom.cdx.json"), "utf8");
    assert.match(sbom, /"purl": "pkg:cargo\/itoa@1\.0\.19"/);

    writeFileSync(join(dir, "web/src/main.rs"), readFileSync(join(dir, "web/src/main.rs"), "utf8").replace('"{} asset={}\\n"', '"{} asset={} changed\\n"'));
    const changed = await build("rust-workspace", dir, [], { cache, layout });
    assert.match(changed.stderr, /Reusing cached layer \/layers\/paketo-community_rust-dist\/rust\n/);
    assert.match(changed.stderr, /No Cargo\.lock in the app: reusing the one generated at an earlier build/);
    assert.doesNotMatch(changed.stderr, /generate-lockfile'/);
    assert.match(changed.stderr, /1 of \d+ source file\(s\) changed since the last build/);
    assert.match(changed.stderr, /Every crate was already in the cache: nothing downloaded/);
    assert.deepEqual([...changed.stderr.matchAll(/Compiling (\S+) v/g)].map((m) => m[1]), ["web"]);
    assert.doesNotMatch(changed.stderr, /Updating .* index|Downloaded /);
    assert.notEqual(changed.digest, first.digest);
    assert.match(await podman.serve(changed.image), /^rust-workspace web ok itoa=42 asset=static hello changed$/m);
  });

  test("the tiny run image (no shell): the binary needs only glibc and libgcc_s, which it has", async () => {
    const b = await build("rust-tiny", appCopy("rust-tiny", join(tmp.path, "a2")), ["--run-image", "paketo/trixie:run-tiny"]);
    assert.match(b.stderr, /server \(default\): \/layers\/paketo-community_cargo\/bin\/bin\/server/);
    assert.match(await podman.serve(b.image), /^rust-tiny ok uid=1002$/m);
  });
});

describe("Rust failures name the cause and export nothing", { concurrency: 2 }, () => {
  async function fails(app: string, edit: (dir: string) => void, extra: string[] = []): Promise<string> {
    const dir = appCopy(app, join(tmp.path, `f-${app}-${uniq()}`));
    edit(dir);
    const layout = join(tmp.path, "images", `failed-${uniq()}`);
    const r = await c.paketo(["build", `oci:${layout}`, "--path", dir, "--cache-dir", cacheCopy(`failed-${uniq()}`), ...extra]);
    assert.notEqual(r.code, 0, "the build must fail");
    assert.ok(!existsSync(join(layout, "index.json")), "nothing is exported");
    return r.stderr;
  }

  test("a compile error", async () => {
    const err = await fails("rust-tiny", (d) => writeFileSync(join(d, "src/main.rs"), readFileSync(join(d, "src/main.rs"), "utf8").replace("let port: u16", "let port: u16 = undefined_name; let _p: u16")));
    assert.match(err, /ERROR: 'cargo install' of rust-tiny exited with status 101; its last output:/);
    assert.match(err, /cannot find value `undefined_name` in this scope/);
    assert.equal(err.match(/^paketo: error:/gm)?.length, 1, "one failure");
  });

  test("a toolchain Debian does not have lists what it has", async () => {
    const err = await fails("rust-tiny", () => {}, ["--env", "BP_RUST_TOOLCHAIN=1.40"]);
    assert.match(err, /ERROR: BP_RUST_TOOLCHAIN=1\.40: no Debian Rust package has that version/);
    assert.match(err, /available: 1\.\d+/);
  });

  test("no Cargo.lock, offline, and none generated earlier: one error saying so", async () => {
    const err = await fails("rust-workspace", () => {}, ["--network", "off"]);
    assert.match(err, /ERROR: the app has no Cargo\.lock and the build is offline \(--network off\)/);
    assert.doesNotMatch(err, /Running 'cargo generate-lockfile'/);
    assert.equal(err.match(/^paketo: error:/gm)?.length, 1, "one failure");
  });
});
