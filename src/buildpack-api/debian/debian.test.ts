// Debian packages into a layer, against a small signed archive on 127.0.0.1 (real dpkg-deb, gpg and
// gpgv), through the buildpack test harness: what lands in the layer, what the run image already
// has, the fix-ups, env and SBOM, a rebuild that touches no network, versions and suites, failures.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { debian } from "../../deps/index.js";
import { makeDeb, makeKey, serveDir, writeSuite, type ArchivePackage, type TestServer } from "../../deps/debian/testing.js";
import { tempDir } from "../../testing/index.js";
import { defineBuildpack } from "../define.js";
import { pass } from "../detect.js";
import { runBuild, type BuildRunOptions } from "../testing/index.js";
import { installDebianPackages, matchesSpec, type DebianDeps, type DebianPackagesOptions } from "./index.js";

const work = tempDir("paketo-debian-layer-");
let server: TestServer;
let deps: DebianDeps;
const TOML = `api = "0.10"\n\n[buildpack]\nid = "test/debs"\nversion = "1.2.3"\nsbom-formats = ["application/vnd.cyclonedx+json", "application/spdx+json"]\n`;
const TARGET = { os: "linux", arch: "amd64", distro: { name: "debian", version: "13" } };

async function pkg(spec: Parameters<typeof makeDeb>[1]): Promise<ArchivePackage> {
  const deb = makeDeb(work.path, spec);
  const control = (await (await debian.openDeb(join(work.path, `${spec.name}_${spec.version}.deb`))).readControl()).control;
  return { deb, control, filename: `pool/main/${spec.name[0]}/${spec.name}/${spec.name}_${spec.version.replace(/^\d+:/, "")}_${spec.architecture ?? "amd64"}.deb` };
}

before(async () => {
  const key = makeKey(work.path);
  const verifier = await debian.gpgvVerifier([key.keyring]);
  assert.ok(!("unavailable" in verifier), "gpgv is needed");
  const root = join(work.path, "mirror");
  const srv = (version: string) =>
    pkg({
      name: "srv",
      version,
      depends: "libc6 (>= 2.30), libsrv1 (>= 1.2), srv-common (= 1.0-1), debconf (>= 0.5) | debconf-2.0",
      files: { "usr/sbin/srv": `#!/bin/sh\necho srv ${version}\n` },
      modes: { "usr/sbin/srv": 0o755 },
      links: {
        "usr/share/srv/conf": "/etc/srv/srv.conf",
        "usr/share/srv/shell": "/bin/sh",
        "usr/lib/x86_64-linux-gnu/libsrv.so": "../../../lib/x86_64-linux-gnu/libsrv.so.1",
      },
    });
  writeSuite(root, {
    suite: "trixie",
    key,
    packages: [
      await srv("1.0-1"),
      await pkg({ name: "libsrv1", version: "1.2-1", depends: "libc6 (>= 2.30)", files: { "lib/x86_64-linux-gnu/libsrv.so.1": "ELF pretend\n" } }),
      await pkg({
        name: "srv-common",
        version: "1.0-1",
        architecture: "all",
        files: { "etc/srv/srv.conf": "port 80\n", "usr/share/doc/srv-common/README": "docs\n", "usr/share/doc/srv-common/copyright": "license\n", "usr/share/man/man8/srv.8": "man\n" },
        conffiles: ["/etc/srv/srv.conf"],
      }),
      await pkg({ name: "libc6", version: "2.41-12" }),
      await pkg({ name: "debconf", version: "1.5.91", architecture: "all", extraControl: "Provides: debconf-2.0" }),
    ],
  });
  writeSuite(root, { suite: "trixie-updates", key, packages: [] });
  writeSuite(root, { suite: "trixie-security", key, packages: [] });
  writeSuite(root, { suite: "trixie-backports", key, packages: [await srv("2.0-1~bpo13+1")] });
  server = await serveDir(root);
  deps = { fetch, verifier, mirrors: { archive: server.url, security: server.url } };
});

after(async () => {
  await server?.close();
  work.cleanup();
});

const RUN_IMAGE = "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.41-12\n";

/** A buildpack that installs `opts` and prints what the helper returned. */
function debs(opts: Partial<DebianPackagesOptions>, d: DebianDeps = deps) {
  return defineBuildpack({
    detect: () => pass({}),
    build: async (ctx) => {
      const l = await installDebianPackages(ctx, { layer: "srv", packages: ["srv"], exclude: ["debconf"], ...opts }, d);
      const result = { packages: l.packages.map((p) => `${p.name}=${p.version}`), present: l.present.map((p) => p.name), reused: l.reused, conf: await l.locate("/etc/srv/srv.conf"), libc: l.version("libc6") };
      ctx.logger.process(`RESULT ${JSON.stringify(result)}`);
      return {};
    },
  });
}

async function build(cache: string, opts: Partial<DebianPackagesOptions> = {}, run: Partial<BuildRunOptions> = {}, d: DebianDeps = deps) {
  const status = join(cache, "run-image.status");
  writeFileSync(status, RUN_IMAGE);
  const b = await runBuild(debs(opts, d), { buildpackToml: TOML, target: TARGET, ...run, env: { PAKETO_CACHE: cache, PAKETO_RUN_IMAGE_STATUS: status, ...run.env } });
  const m = /RESULT (.*)/.exec(b.stdout);
  return { b, result: m ? (JSON.parse(m[1] as string) as { packages: string[]; present: string[]; reused: boolean; conf: string; libc: string }) : undefined };
}

test("what the run image lacks goes into the layer, unpacked with the fix-ups, PATH, LD_LIBRARY_PATH and an SBOM", async (t) => {
  const cache = tempDir();
  t.after(cache.cleanup);
  const { b, result } = await build(cache.path, {}, { keep: true });
  assert.equal(b.outcome, "success", b.stderr + b.stdout);
  assert.deepEqual(result?.packages, ["libsrv1=1.2-1", "srv=1.0-1", "srv-common=1.0-1"], "libc6 is on the run image; debconf is excluded");
  assert.deepEqual(result?.present, ["libc6"]);
  assert.equal(result?.libc, "2.41-12");
  const layer = b.layers.srv;
  assert.ok(layer);
  assert.deepEqual(layer.types, { build: false, launch: true, cache: true });
  assert.equal(layer.files["usr/sbin/srv"], "#!/bin/sh\necho srv 1.0-1\n");
  assert.ok(layer.executables.includes("usr/sbin/srv"));
  assert.equal(layer.files["usr/lib/x86_64-linux-gnu/libsrv.so.1"], "ELF pretend\n", "lib/ lands in usr/lib/ (merged /usr)");
  assert.equal(layer.files["etc/srv/srv.conf"], "port 80\n");
  assert.equal(layer.files["usr/share/doc/srv-common/copyright"], "license\n");
  assert.ok(!("usr/share/doc/srv-common/README" in layer.files) && !("usr/share/man/man8/srv.8" in layer.files), "docs and manuals are left out");
  assert.deepEqual(layer.links, {
    "usr/share/srv/conf": "../../../etc/srv/srv.conf",
    "usr/share/srv/shell": "/usr/bin/sh",
    "usr/lib/x86_64-linux-gnu/libsrv.so": "libsrv.so.1",
  });
  assert.equal(result?.conf, join(b.dir, "layers/test_debs/srv/etc/srv/srv.conf"));
  const path = join(b.dir, "layers/test_debs/srv");
  assert.equal(layer.files["env.launch/PATH.prepend"], `${path}/usr/sbin`);
  assert.equal(layer.files["env.launch/LD_LIBRARY_PATH.prepend"], `${path}/usr/lib/x86_64-linux-gnu`);
  assert.equal(layer.files["env.launch/PATH.delim"], ":");
  const cdx = JSON.parse(b.files["srv.sbom.cdx.json"] ?? "{}") as { components: Array<{ purl: string; hashes: Array<{ content: string }> }> };
  assert.deepEqual(cdx.components.map((c) => c.purl), [
    "pkg:deb/debian/libsrv1@1.2-1?arch=amd64&distro=debian-13",
    "pkg:deb/debian/srv-common@1.0-1?arch=all&distro=debian-13",
    "pkg:deb/debian/srv@1.0-1?arch=amd64&distro=debian-13",
  ]);
  assert.match(cdx.components[0]?.hashes[0]?.content ?? "", /^[0-9a-f]{64}$/);
  assert.match(b.files["srv.sbom.spdx.json"] ?? "", /pkg:deb\/debian\/srv@1.0-1/);
  assert.deepEqual(layer.metadata.packages, ["libsrv1=1.2-1", "srv=1.0-1", "srv-common=1.0-1"]);
  assert.match(b.stdout, /Installing 3 Debian package\(s\) into/);
  assert.match(b.stdout, /already on the run image: libc6/);
});

test("a rebuild with the same result keeps the layer and asks the network nothing", async (t) => {
  const cache = tempDir();
  t.after(cache.cleanup);
  const first = await build(cache.path);
  assert.equal(first.b.outcome, "success", first.b.stderr);
  const srv = first.b.layers.srv;
  assert.ok(srv);
  const seen = server.requests.length;
  const offlineDeps = { ...deps, fetch: () => Promise.reject(new Error("no network in this test")) };
  const again = await build(cache.path, {}, { layers: { srv: { metadata: srv.metadata, files: srv.files } } }, offlineDeps);
  assert.equal(again.b.outcome, "success", again.b.stderr + again.b.stdout);
  assert.equal(again.result?.reused, true);
  assert.match(again.b.stdout, /Reusing cached layer/);
  assert.deepEqual(server.requests.slice(seen), []);
  // Another app asking the same: no index is read again (the resolution is cached), only the layer is made.
  const other = await build(cache.path, {}, {}, offlineDeps);
  assert.equal(other.b.outcome, "success", other.b.stderr);
  assert.doesNotMatch(other.b.stdout, /Resolving/);
  assert.deepEqual(server.requests.slice(seen), []);
});

test("versions and suites: a spec picks from the best suite that has it; an unavailable version lists what is", async (t) => {
  const cache = tempDir();
  t.after(cache.cleanup);
  const plain = await build(cache.path, { suites: ["trixie-backports"] });
  assert.deepEqual(plain.result?.packages, ["libsrv1=1.2-1", "srv=1.0-1", "srv-common=1.0-1"], "backports only where asked");
  const two = await build(cache.path, { packages: [{ name: "srv", version: "2", source: "BP_SRV_VERSION" }], suites: ["trixie-backports"] });
  assert.equal(two.b.outcome, "success", two.b.stderr);
  assert.ok(two.result?.packages.includes("srv=2.0-1~bpo13+1"));
  const named = await build(cache.path, { packages: ["srv/trixie-backports"] });
  assert.ok(named.result?.packages.includes("srv=2.0-1~bpo13+1"), "a suite named by the request is loaded too");
  const none = await build(cache.path, { packages: [{ name: "srv", version: "1.9", source: "BP_SRV_VERSION" }], suites: ["trixie-backports"] });
  assert.equal(none.b.outcome, "error");
  assert.match(none.b.stderr, /no srv version "1\.9" in trixie, trixie-updates, trixie-security, trixie-backports \(main, amd64\) \(BP_SRV_VERSION\)/);
  assert.match(none.b.stderr, /available: 2\.0-1~bpo13\+1 \(trixie-backports\), 1\.0-1 \(trixie\)/);
});

test("a package the run image already has is not installed again; offline with an empty cache names what is missing", async (t) => {
  const cache = tempDir();
  t.after(cache.cleanup);
  const status = join(cache.path, "status-with-common");
  writeFileSync(status, `${RUN_IMAGE}\nPackage: srv-common\nStatus: install ok installed\nArchitecture: all\nVersion: 1.0-1\n`);
  // First the run image without srv-common (resolved, cached), then with it: the list is part of
  // the resolution's key, so the cached resolution is not used for the other list.
  const before = await build(cache.path);
  assert.deepEqual(before.result?.packages, ["libsrv1=1.2-1", "srv=1.0-1", "srv-common=1.0-1"]);
  const r = await build(cache.path, {}, { env: { PAKETO_RUN_IMAGE_STATUS: status } });
  assert.match(r.b.stdout, /Resolving/);
  assert.deepEqual(r.result?.packages, ["libsrv1=1.2-1", "srv=1.0-1"]);
  assert.equal(r.result?.conf, "/etc/srv/srv.conf", "locate() points at the run image for what the layer lacks");
  const empty = tempDir();
  t.after(empty.cleanup);
  const off = await build(empty.path, {}, { env: { PAKETO_OFFLINE: "true" } });
  assert.equal(off.b.outcome, "error");
  assert.match(off.b.stderr, /offline: the index of trixie .* is not cached/);
});

test("a cached .deb whose bytes changed is refused and removed; a wrong distro is one clear error", async (t) => {
  const cache = tempDir();
  t.after(cache.cleanup);
  const first = await build(cache.path);
  assert.equal(first.b.outcome, "success");
  const resolutions = join(cache.path, "debian", "resolution");
  const sha = /"sha256":"([0-9a-f]{64})"/.exec(readFileSync(join(resolutions, readdirSync(resolutions)[0] as string), "utf8"))?.[1];
  assert.ok(sha);
  const file = join(cache.path, "debian", "sha256", sha);
  const bytes = readFileSync(file);
  bytes[bytes.length - 3] = (bytes[bytes.length - 3] as number) ^ 0xff;
  writeFileSync(file, bytes);
  const again = await build(cache.path);
  assert.equal(again.b.outcome, "error");
  assert.match(again.b.stderr, /in the download cache has SHA-256 [0-9a-f]{64}, not [0-9a-f]{64}: removed/);
  const healed = await build(cache.path);
  assert.equal(healed.b.outcome, "success", "the next build downloads it afresh");
  const ubuntu = await build(cache.path, {}, { target: { ...TARGET, distro: { name: "ubuntu", version: "24.04" } } });
  assert.match(ubuntu.b.stderr, /the run image is ubuntu 24\.04: Debian packages can only be installed for Debian run images/);
});

test("version specs: exact Debian versions, or ranges over the upstream version", () => {
  assert.ok(matchesSpec("1.26.3-3+deb13u12", "1.26"));
  assert.ok(matchesSpec("1.26.3-3+deb13u12", "1.26.*"));
  assert.ok(matchesSpec("1.26.3-3+deb13u12", "~1.26.1"));
  assert.ok(matchesSpec("1.26.3-3+deb13u12", "1.26.3-3+deb13u12"));
  assert.ok(!matchesSpec("1.26.3-3+deb13u12", "1.26.3-3+deb13u11"));
  assert.ok(!matchesSpec("1.26.3-3+deb13u12", "1.27"));
  assert.ok(matchesSpec("2.4.71-1~deb13u1", ">=2.4 <3"));
  assert.ok(matchesSpec("1:2.75-10", "2"));
  assert.ok(!matchesSpec("3.11.2-6", "3.13"));
});

test("excludePaths with keepPaths: only the kept paths stay, in their folders (a headers-only layer)", async (t) => {
  const cache = tempDir();
  t.after(cache.cleanup);
  const { b } = await build(cache.path, { excludePaths: ["usr/**", "etc/**"], keepPaths: ["usr/lib/*/libsrv.so*"] }, { keep: true });
  assert.equal(b.outcome, "success", b.stderr + b.stdout);
  const layer = b.layers.srv;
  assert.ok(layer);
  assert.equal(layer.files["usr/lib/x86_64-linux-gnu/libsrv.so.1"], "ELF pretend\n");
  assert.ok(!("usr/sbin/srv" in layer.files) && !("etc/srv/srv.conf" in layer.files), "the rest is left out");
});
