// The two builders under test, behind one interface: cold build, rebuild, tag, push, rebase.
//
// paketo: `paketo build` with the default builder into a private store. "Cold" = a fresh
// PAKETO_CACHE that holds only what "stack and builder present" means: links to the Debian
// package cache, the stack layers, the extracted builder root filesystems and the compiled
// launcher, plus the default builder's marker. Empty: the npm download cache, the layer
// factory's cache, the build cache and the work dirs.
//
// peer: `buildah bud --layers --timestamp 0` of a multi-stage Dockerfile into a private
// containers-storage.
// "Cold" = the same Debian 13 build and run images present, every other image and intermediate
// layer removed, and an empty cache-mount directory (`$TMPDIR/buildah-cache`).
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync, copyFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "./run.mjs";

/** What "builder present" keeps of PAKETO_CACHE (docs/build.md, Caches). */
export const PRESENT = ["debian", "stack", "rootfs", "launcher"];

export function copyApp(src, dest) {
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  cpSync(src, dest, { recursive: true, verbatimSymlinks: true, filter: (p) => !/(^|\/)(node_modules|dist|vendor)(\/|$)/.test(p.slice(src.length)) });
  return dest;
}

export class Paketo {
  name = "paketo";

  /**
   * @param {{ bin: string, store: string, machineCache: string, seed: string, work: string, logs: string }} o
   */
  constructor(o) {
    this.o = o;
    /** per app: { cache, dir, dest } */
    this.state = new Map();
  }

  env(cache) {
    return { ...process.env, PAKETO_STORE: this.o.store, PAKETO_CACHE: cache };
  }

  paketo(args, { cache = this.o.seed, log } = {}) {
    return run(process.execPath, [this.o.bin, ...args], { env: this.env(cache), log });
  }

  /** A PAKETO_CACHE with the stack and builder present and nothing else. */
  freshCache(dir) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const d of PRESENT) symlinkSync(join(this.o.machineCache, d), join(dir, d));
    copyFileSync(join(this.o.seed, "default-builder.json"), join(dir, "default-builder.json"));
    return dir;
  }

  src(app) {
    return this.state.get(app.name).dir;
  }

  async cold(app, r) {
    const prev = this.state.get(app.name);
    if (prev) rmSync(prev.cache, { recursive: true, force: true });
    const base = join(this.o.work, app.name);
    const cache = this.freshCache(join(base, `cache-${r}`));
    // A new folder for every cold build: reproducibility is checked across them.
    const dir = copyApp(app.source, join(base, `src-${r}`));
    // A destination per cold build, so no previous image's layer metadata is restored either.
    this.state.set(app.name, { cache, dir, dest: `bench/${app.name}-${r}` });
    return this.build(app, `cold-${r}`);
  }

  async build(app, label) {
    const s = this.state.get(app.name);
    const res = await this.paketo(["build", s.dest, "--path", s.dir, "--json"], { cache: s.cache, log: join(this.o.logs, `${app.name}-paketo-${label}.log`) });
    const doc = JSON.parse(res.stdout.trim().split("\n").pop());
    const inside = Object.entries(doc.timings)
      .filter(([k]) => k.startsWith("build: "))
      .reduce((a, [, v]) => a + v / 1000, 0);
    const node = /Selected Node Engine version[^:]*: (\S+)/.exec(res.stderr)?.[1];
    const npm = /Installing npm (\S+)/.exec(res.stderr)?.[1];
    const go = /Selected Go version[^:]*: (\S+)/.exec(res.stderr)?.[1];
    const python = /Selected CPython (\S+)/.exec(res.stderr)?.[1];
    // Python: pip-install kept its layer (pip not run), nothing downloaded, no Debian package or pip installed.
    const nothingInstalled = /pip is not run/.test(res.stderr) && !/Running '|Installing pip |Installing \d+ Debian package|downloaded/.test(res.stderr);
    return { seconds: res.seconds, inside, platform: res.seconds - inside, digest: doc.digest, timings: doc.timings, layers: doc.layers, versions: { node, npm, go, python }, nothingInstalled };
  }

  async tag(app, tag) {
    await this.paketo(["copy", this.state.get(app.name).dest, `bench/${app.name}:${tag}`]);
  }

  async push(app, tag, host, repoTag = tag) {
    const res = await this.paketo(["copy", `bench/${app.name}:${tag}`, `docker://${host}/bench/${app.name}:${repoTag}`, "--insecure-registry", host]);
    return res.seconds;
  }

  async pushCurrent(app, host, repoTag) {
    await this.paketo(["copy", this.state.get(app.name).dest, `docker://${host}/bench/${app.name}:${repoTag}`, "--insecure-registry", host]);
  }

  async pushRunImage(name, host) {
    await this.paketo(["copy", `paketo-bench/run:${name}`, `docker://${host}/paketo-bench/run:${name}`, "--insecure-registry", host]);
  }

  /** `paketo rebase` in the local store onto an updated run image. */
  async rebaseLocal(app, runName) {
    const s = this.state.get(app.name);
    const res = await this.paketo(["rebase", s.dest, "--run-image", `store:paketo-bench/run:${runName}`, "--force"], { log: join(this.o.logs, `${app.name}-paketo-rebase.log`) });
    return res.seconds;
  }

  /** `paketo rebase` of the image in the registry: config and manifest rewritten there. */
  async rebaseRemote(app, runName, host, repoTag) {
    const res = await this.paketo(
      ["rebase", `docker://${host}/bench/${app.name}:${repoTag}`, "--run-image", `docker://${host}/paketo-bench/run:${runName}`, "--force", "--insecure-registry", host],
      { log: join(this.o.logs, `${app.name}-paketo-rebase.log`) },
    );
    return res.seconds;
  }

  async done(app) {
    const s = this.state.get(app.name);
    if (s) rmSync(s.cache, { recursive: true, force: true });
  }
}

/** The peers' build args by app kind (BUILD_IMAGE and RUN_IMAGE go to every one). */
const KIND_ARGS = {
  node: ["NODE_URL", "NODE_SHA512", "NPM_URL", "NPM_SHA512", "NPM_REGISTRY"],
  go: ["GO_ZIP_URL", "GO_ZIP_SHA256", "GO_MODULE_VERSION", "GOPROXY", "GO_BUILD_CACHE"],
  python: ["PIP_WHEEL_URL", "PIP_WHEEL_SHA256", "PIP_WHEEL_NAME", "PIP_INDEX_URL"],
};

export class Peer {
  name = "peer";

  /**
   * @param {{ root: string, runroot: string, tmp: string, work: string, logs: string, dockerfiles: string,
   *           buildArgs: Record<string, string>, caFile: string, keep: () => string[], timestamp: boolean }} o
   */
  constructor(o) {
    this.o = o;
    this.state = new Map();
  }

  buildah(args, { log, allowFail } = {}) {
    return run("buildah", ["--root", this.o.root, "--runroot", this.o.runroot, "--storage-driver", "overlay", ...args], {
      env: { ...process.env, TMPDIR: this.o.tmp },
      log,
      allowFail,
    });
  }

  /** Every image but the stack images and the updated run images, and the cache mounts. */
  async clean() {
    const keep = new Set(this.o.keep());
    const ids = (await this.buildah(["images", "-a", "-q", "--no-trunc"])).stdout
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .filter((id) => !keep.has(id.replace(/^sha256:/, "")));
    if (ids.length) await this.buildah(["rmi", "-f", ...new Set(ids)]);
    rmSync(join(this.o.tmp, "buildah-cache"), { recursive: true, force: true });
  }

  src(app) {
    return this.state.get(app.name).dir;
  }

  async cold(app, r) {
    await this.clean();
    const dir = copyApp(app.source, join(this.o.work, app.name, `src-${r}`));
    this.state.set(app.name, { dir, image: `localhost/bench/${app.name}` });
    return this.build(app, `cold-${r}`);
  }

  async build(app, label, runImage = "localhost/paketo/trixie:run") {
    const s = this.state.get(app.name);
    const args = ["bud", "--isolation", "chroot", "--runtime", "runc", "--layers", "--pull=never"];
    // Every file and the image's creation time at the epoch: what a user who wants
    // reproducible images passes (buildah's SOURCE_DATE_EPOCH).
    if (this.o.timestamp) args.push("--timestamp", "0");
    args.push("-f", join(this.o.dockerfiles, `${app.name}.Dockerfile`), "--secret", `id=ca,src=${this.o.caFile}`);
    const buildArgs = { ...this.o.buildArgs, RUN_IMAGE: runImage };
    for (const [kind, keys] of Object.entries(KIND_ARGS)) if (kind !== app.kind) for (const k of keys) delete buildArgs[k];
    if (app.kind === "node" && !app.npm) for (const k of ["NPM_URL", "NPM_SHA512", "NPM_REGISTRY"]) delete buildArgs[k];
    for (const [k, v] of Object.entries(buildArgs)) args.push("--build-arg", `${k}=${v}`);
    args.push("-t", s.image, s.dir);
    const res = await this.buildah(args, { log: join(this.o.logs, `${app.name}-peer-${label}.log`) });
    // The time inside the user's commands: each RUN step, from its STEP line to the `-->` line
    // that ends it (which includes committing that step's layer).
    let inside = 0;
    for (let i = 0; i < res.lines.length; i++) {
      if (!/STEP \d+\/\d+: RUN /.test(res.lines[i].line)) continue;
      const end = res.lines.slice(i + 1).find((l) => l.line.startsWith("--> "));
      if (end) inside += end.t - res.lines[i].t;
    }
    const id = res.stdout.trim().split("\n").pop().trim();
    // The interpreter's version, printed by a RUN step that ran (not taken from the layer cache).
    const python = res.lines.map((l) => /^Python (3\.\S+)$/.exec(l.line.trim())?.[1]).find(Boolean);
    return { seconds: res.seconds, inside, platform: res.seconds - inside, digest: `sha256:${id}`, versions: { python } };
  }

  async tag(app, tag) {
    await this.buildah(["tag", this.state.get(app.name).image, `${this.state.get(app.name).image}:${tag}`]);
  }

  async push(app, tag, host, repoTag = tag) {
    const res = await this.buildah(["push", "--tls-verify=false", `localhost/bench/${app.name}:${tag}`, `docker://${host}/bench/${app.name}:${repoTag}`]);
    return res.seconds;
  }

  async pushCurrent(app, host, repoTag) {
    await this.buildah(["push", "--tls-verify=false", this.state.get(app.name).image, `docker://${host}/bench/${app.name}:${repoTag}`]);
  }

  async pushRunImage(name, host) {
    await this.buildah(["push", "--tls-verify=false", `localhost/paketo-bench/run:${name}`, `docker://${host}/paketo-bench/run:${name}`]);
  }

  /** No rebase for a Dockerfile image: the final stage is rebuilt on the updated run image. */
  async rebaseLocal(app, runName) {
    const m = await this.build(app, "rebase", `localhost/paketo-bench/run:${runName}`);
    return m.seconds;
  }

  /** ... and pushed again. */
  async rebaseRemote(app, _runName, host, repoTag) {
    const res = await this.buildah(["push", "--tls-verify=false", this.state.get(app.name).image, `docker://${host}/bench/${app.name}:${repoTag}`]);
    return res.seconds;
  }

  async done() {}
}

export function exists(p) {
  return existsSync(p);
}
