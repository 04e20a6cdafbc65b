// The real default stack (Debian 13 from the archive this machine's apt sources name), resolved
// fresh (never relying on the shipped lock staying downloadable), then run: the base image and the
// tiny image under podman (runc), the build image's root filesystem under bubblewrap as the CNB
// user. The .deb cache and the layer cache are the machine-wide ones, so a second run is fast.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { debian } from "../deps/index.js";
import { extract, type Image, layer, mutate, transport } from "../oci/index.js";
import { hasCommand, run, tempDir } from "../testing/index.js";
import { createStack, type CreatedStack, debianArch } from "./create.js";
import { fetchDebs } from "./sources.js";
import { cacheLayout, paketoCacheRoot } from "../deps/index.js";
import { defaultStackFile } from "./defaults.js";
import { writeLockFile } from "./lockfile.js";
import { SBOM_FILES } from "./sbom-layer.js";
import { FLAVORS, type FlavorName, loadStackFile, type StackDefinition } from "./stack-file.js";

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), "../../bin/paketo");
const tmp = tempDir("paketo-stack-");
const debCacheDir = debian.defaultCacheDir(process.env);
const arch = debianArch(process.arch);
let def: StackDefinition;
let lockPath: string;
let created: CreatedStack;
const digests: Partial<Record<FlavorName, string>> = {};
const roots: Partial<Record<FlavorName, string>> = {};

before(async () => {
  def = await loadStackFile(defaultStackFile());
  lockPath = join(tmp.path, "trixie.lock.toml");
  created = await createStack({ def, lockPath, arch, update: true, http: { fetch }, debCacheDir, layerCacheDir: cacheLayout(paketoCacheRoot(process.env)).stackLayers });
  await writeLockFile(lockPath, created.lock);
  // The tests below read the .debs themselves. The layer cache may have answered without them, and
  // the machine-wide .deb cache is trimmed by the cache budget like any other part: fetch what is missing.
  const all = [...created.packages.build, ...created.packages.base, ...created.packages.tiny];
  await fetchDebs({ def, lockPath, arch, http: { fetch }, debCacheDir }, all, () => {});
  for (const f of FLAVORS) {
    const img = created.images[f] as Image;
    digests[f] = await img.digest();
    const dir = join(tmp.path, `root-${f}`);
    for (const l of await img.layers()) await extract.extractLayer(l, dir);
    roots[f] = dir;
  }
});

after(() => tmp.cleanup());

function podman(args: string[]): string {
  const dir = join(tmp.path, "podman");
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, "containers.conf");
  writeFileSync(conf, '[containers]\ndefault_ulimits = []\n[engine]\nruntime = "runc"\n');
  return run("podman", ["--root", join(dir, "root"), "--runroot", join(dir, "runroot"), "--storage-driver", "vfs", ...args], {
    env: { ...process.env, CONTAINERS_CONF: conf },
  });
}

async function archive(img: Image, name: string): Promise<string> {
  const file = join(tmp.path, `${name}.tar`);
  await transport.write(`oci-archive:${file}`, { kind: "image", image: img }, { storeRoot: join(tmp.path, "store"), env: process.env });
  return file;
}

test("every package of each image has a dpkg status entry, with the locked version", () => {
  for (const f of FLAVORS) {
    const dir = join(roots[f] as string, "var/lib/dpkg/status.d");
    const entries = readdirSync(dir).filter((n) => !n.endsWith(".md5sums")).sort();
    assert.deepEqual(entries, created.packages[f].map((p) => p.name).sort(), `${f}: status.d lists exactly the locked packages`);
    for (const p of created.packages[f]) {
      const status = readFileSync(join(dir, p.name), "utf8");
      assert.match(status, new RegExp(`^Package: ${p.name.replace(/\+/g, "\\+")}\nStatus: install ok installed\n`));
      assert.ok(status.includes(`\nVersion: ${p.version}\n`), `${f}: ${p.name} ${p.version}`);
    }
  }
  const names = (f: FlavorName) => created.packages[f].map((p) => p.name);
  for (const never of ["dash", "bash", "coreutils", "perl-base", "debconf", "dpkg", "openssl", "mawk", "gawk"]) assert.ok(!names("tiny").includes(never), `tiny has no ${never}`);
  assert.ok(!existsSync(join(roots.tiny as string, "usr/bin/sh")), "tiny has no shell");
  for (const p of created.packages.base) assert.ok(created.packages.build.some((b) => b.sha256 === p.sha256), `build contains base's ${p.name}`);
});

test("the same lock in another folder, at another time, with empty caches of layers and staging gives the same three digests", async () => {
  const other = tempDir("paketo-stack-again-");
  try {
    const again = await createStack({
      def: await loadStackFile(defaultStackFile()),
      lockPath,
      arch,
      http: { fetch: () => Promise.reject(new Error("a lock and a warm .deb cache need no network")) },
      debCacheDir,
      layerCacheDir: join(other.path, "layers"),
      workDir: join(other.path, "staging"),
    });
    assert.equal(again.resolved, false);
    assert.deepEqual(again.work.built.length, 6);
    for (const f of FLAVORS) assert.equal(await (again.images[f] as Image).digest(), digests[f], f);
  } finally {
    other.cleanup();
  }
});

test("paketo stack create from the lock, from another folder, warm: all three images in seconds, same digests", async () => {
  const cwd = tempDir("paketo-stack-cli-");
  try {
    const started = Date.now();
    const out = await new Promise<string>((done, fail) => {
      const child = spawn(process.execPath, [BIN, "stack", "create", "--lock", lockPath, "--store", join(cwd.path, "store"), "paketo-test/trixie"], { cwd: cwd.path, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.on("error", fail);
      child.on("close", (code) => (code === 0 ? done(stdout) : fail(new Error(`paketo exited ${code}: ${stderr}`))));
    });
    const seconds = (Date.now() - started) / 1000;
    assert.ok(seconds < 30, `warm create took ${seconds} s`);
    assert.equal(out, `${digests.build}  paketo-test/trixie:build\n${digests.base}  paketo-test/trixie:run\n${digests.tiny}  paketo-test/trixie:run-tiny\n`);
  } finally {
    cwd.cleanup();
  }
});

test("sizes: the run images stay small (product targets: tiny ≤ 10 MB, base ≤ 30 MB compressed)", async () => {
  const size = async (f: FlavorName) => (await (created.images[f] as Image).manifest()).layers.reduce((n, l) => n + l.size, 0);
  assert.ok((await size("tiny")) < 12e6, `tiny is ${await size("tiny")} bytes`);
  assert.ok((await size("base")) < 35e6, `base is ${await size("base")} bytes`);
});

test("the base run image under podman: runs as the run user, openssl works, the CA store verifies offline", async () => {
  assert.ok(hasCommand("podman") && hasCommand("runc"), "podman and runc must be installed");
  const file = await archive(created.images.base as Image, "base");
  const script = [
    "id -u; id -g",
    "openssl version",
    // every certificate is found through the hash links (-CApath; some roots have expired: not the point here)
    // and through the bundle (-CAfile)
    "n=0; for c in /etc/ssl/certs/*.pem; do openssl verify -no_check_time -CApath /etc/ssl/certs \"$c\" >/dev/null && n=$((n+1)); done; echo capath=$n",
    "openssl verify -CAfile /etc/ssl/certs/ca-certificates.crt /usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt",
    // no CA option at all: OpenSSL's default store is /usr/lib/ssl/certs -> /etc/ssl/certs
    "openssl verify /usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt",
    "ls /etc/ssl/certs/*.pem | wc -l",
    "stat -c %a /tmp",
    "readlink /etc/localtime",
  ].join("; ");
  const out = podman(["run", "--rm", "--network", "none", `oci-archive:${file}`, "sh", "-c", script]).trim().split("\n");
  assert.equal(out[0], "1002");
  assert.equal(out[1], "1000");
  assert.match(out[2] as string, /^OpenSSL 3\./);
  const pems = Number(out[6]);
  assert.ok(pems > 100, `${pems} certificates`);
  assert.equal(out[3], `capath=${pems}`);
  assert.match(out[4] as string, /ISRG_Root_X1\.crt: OK/);
  assert.match(out[5] as string, /ISRG_Root_X1\.crt: OK/);
  assert.equal(out[7], "1777");
  assert.equal(out[8], "/usr/share/zoneinfo/Etc/UTC");
});

test("the CA hash links group the certificates as `openssl rehash` does; the bundle follows the conf", () => {
  const root = roots.base as string;
  const certs = join(root, "etc/ssl/certs");
  const check = join(tmp.path, "rehash");
  mkdirSync(check);
  for (const f of readdirSync(certs)) if (f.endsWith(".pem")) copyFileSync(join(root, readlinkSync(join(certs, f))), join(check, f));
  run("openssl", ["rehash", check]);
  // which certificates share which hash (openssl numbers a shared hash in readdir order)
  const buckets = (d: string) => {
    const m = new Map<string, string[]>();
    for (const f of readdirSync(d).filter((x) => /^[0-9a-f]{8}\.\d+$/.test(x))) m.set(f.slice(0, 8), [...(m.get(f.slice(0, 8)) ?? []), readlinkSync(join(d, f))].sort());
    return [...m].sort();
  };
  assert.deepEqual(buckets(certs), buckets(check));
  assert.ok(buckets(certs).length > 100);
  const conf = readFileSync(join(root, "etc/ca-certificates.conf"), "utf8").split("\n").filter((l) => l && !l.startsWith("#"));
  const bundle = readFileSync(join(certs, "ca-certificates.crt"), "utf8");
  assert.equal(bundle, conf.map((c) => readFileSync(join(root, "usr/share/ca-certificates", c), "utf8")).map((t) => (t.endsWith("\n") ? t : `${t}\n`)).join(""));
});

test("the tiny run image runs a static binary under podman, as the run user", async () => {
  assert.ok(hasCommand("gcc"), "gcc must be installed");
  const src = join(tmp.path, "hello.c");
  writeFileSync(src, '#include <stdio.h>\n#include <unistd.h>\nint main(void) { printf("static hello as %d\\n", (int)getuid()); return 0; }\n');
  const bin = join(tmp.path, "hello");
  run("gcc", ["-static", "-O2", "-o", bin, src]);
  const app = await layer.layerFromFiles([{ path: "app/hello", source: bin, mode: 0o755 }], { outputDir: join(tmp.path, "app-layer") });
  const img = mutate.withEntrypoint(mutate.appendLayers(created.images.tiny as Image, app), ["/app/hello"]);
  const out = podman(["run", "--rm", "--network", "none", `oci-archive:${await archive(img, "tiny-app")}`]);
  assert.equal(out, "static hello as 1002\n");
});

test("the build image compiles and runs C and runs Node.js inside bubblewrap, as the CNB user", () => {
  assert.ok(hasCommand("bwrap"), "bubblewrap must be installed");
  const root = roots.build as string;
  for (const mount of ["dev", "proc", "tmp", "workspace", "layers", "platform"]) assert.ok(statSync(join(root, mount)).isDirectory(), `/${mount} exists`);
  const ws = join(tmp.path, "workspace");
  mkdirSync(ws);
  writeFileSync(join(ws, "main.c"), '#include <stdio.h>\n#include <zlib.h>\nint main(void) { printf("zlib %s\\n", zlibVersion()); return 0; }\n');
  writeFileSync(join(ws, "main.js"), 'const os = require("os"); console.log(`node ${process.versions.node} as ${os.userInfo().uid} ${os.homedir()}`);\n');
  const out = run("bwrap", [
    "--ro-bind", root, "/",
    "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
    "--bind", ws, "/workspace",
    "--unshare-all", "--die-with-parent",
    "--uid", String(def.user.build.uid), "--gid", String(def.user.build.gid),
    "--clearenv", "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin", "--setenv", "HOME", "/home/cnb",
    "--chdir", "/workspace",
    "/bin/sh", "-c", "id -u; cc -O2 -o /tmp/main main.c -lz && /tmp/main; node main.js; readlink /usr/bin/cc /etc/alternatives/cc",
  ]);
  const lines = out.trim().split("\n");
  assert.equal(lines[0], "1001");
  assert.match(lines[1] as string, /^zlib 1\.3/);
  assert.match(lines[2] as string, /^node \d+\.\d+\.\d+ as 1001 \/home\/cnb$/);
  assert.deepEqual(lines.slice(3), ["/etc/alternatives/cc", "/usr/bin/gcc"]);
  assert.ok(existsSync(join(root, "etc/ld.so.cache")) && !existsSync(join(root, "var/cache/ldconfig/aux-cache")), "ld.so cache made, aux-cache dropped");
  assert.ok(!existsSync(join(roots.base as string, "etc/ld.so.cache")), "run images have no ldconfig and need no cache");
});

test("every alternative a locked package's postinst installs is declared in the stack file", () => {
  const declared = new Set(def.alternatives.map((a) => a.name));
  const found: string[] = [];
  const cache = new debian.ContentCache(debCacheDir);
  for (const p of created.packages.build) {
    const postinst = run("sh", ["-c", `dpkg-deb --ctrl-tarfile '${cache.path(p.sha256)}' | tar -xO ./postinst 2>/dev/null || true`]);
    for (const m of postinst.replace(/\\\n/g, " ").matchAll(/update-alternatives\s[^\n]*?--install\s+(\S+)\s+(\S+)\s+(\S+)/g)) found.push(`${p.name}:${m[2]}`);
  }
  assert.ok(found.length >= 10, `found ${found.join(" ")}`);
  assert.deepEqual(found.filter((f) => !declared.has(f.split(":")[1] as string)), []);
});

test("the OS SBOM is in the image at /cnb/sbom, one purl per locked package, and labelled", async () => {
  for (const f of FLAVORS) {
    const img = created.images[f] as Image;
    const cdx = JSON.parse(readFileSync(join(roots[f] as string, SBOM_FILES.cyclonedx), "utf8")) as { components: Array<{ type: string; purl?: string }> };
    const purls = cdx.components.filter((c) => c.type === "library").map((c) => c.purl);
    assert.equal(purls.length, created.packages[f].length);
    const libc = created.packages[f].find((p) => p.name === "libc6");
    assert.ok(libc && purls.includes(`pkg:deb/debian/libc6@${encodeURIComponent(libc.version)}?arch=${arch}&distro=debian-13`), `${f}: libc6 purl`);
    const spdx = JSON.parse(readFileSync(join(roots[f] as string, SBOM_FILES.spdx), "utf8")) as { spdxVersion: string; packages: unknown[] };
    assert.equal(spdx.spdxVersion, "SPDX-2.3");
    const config = await img.configFile();
    assert.equal(config.config.Labels?.["io.buildpacks.base.sbom"], config.rootfs.diff_ids.at(-1));
  }
});
