// go-build: `go build` of the app's commands into a launch layer, one direct process per binary.
// Targets: BP_GO_TARGETS, else the build directory (BP_GO_WORKDIR) when it has *.go files, else
// ./cmd/*. Flags: BP_GO_BUILD_FLAGS, BP_GO_BUILD_LDFLAGS, then `-buildmode=pie -trimpath` unless
// set. GOCACHE is a cache layer, so a one-line change recompiles one package. Without go.mod (and
// go.work) the app is built in GOPATH mode under BP_GO_BUILD_IMPORT_PATH; BP_GO_WORK_USE makes a
// go.work first. The source is removed from the image afterwards, except BP_KEEP_FILES.
// Cross-compiling (GOARCH from go-dist for another architecture): cgo only when the app needs it.
import { cp, mkdir, mkdtemp, readdir, readFile, realpath, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { defineBuildpack, fail, pass, s, type BuildContext, type LayerRef, type Logger, type Process } from "../../buildpack-api/index.js";
import { sbomFiles } from "../common/sbom.js";
import { buildDir, buildFlags, colonList, exitText, GoError, goEnv, lastLines, liveReload, readGoMod, relativeItem, runGo, withModcacherw } from "../go-common/index.js";
import { cacheSize, compact, shouldCompact } from "./build-cache.js";
import { removeSource } from "./keep-files.js";
import { parseBuildInfo, targetsSbom } from "./sbom.js";
import { execName, findTargets } from "./targets.js";

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

/** A word of a command for the log: quoted (as Go quotes a string) when it holds a blank. */
function shown(arg: string): string {
  return /\s/.test(arg) || arg === "" ? JSON.stringify(arg) : arg;
}

export interface GoBuildDeps {
  /** How to start the build cache program (cacheprog.ts): node and the script; undefined: a plain GOCACHE layer. */
  cacheProg: readonly string[] | undefined;
}

/** The Go version of the go command on PATH (its GOROOT's VERSION file), e.g. `1.27.4`. */
async function goVersionOnPath(env: Readonly<Record<string, string | undefined>>): Promise<string | undefined> {
  for (const d of (env.PATH ?? "").split(":").filter(Boolean)) {
    if (!(await exists(join(d, "go")))) continue;
    const real = await realpath(join(d, "go")).catch(() => join(d, "go"));
    const text = await readFile(join(dirname(dirname(real)), "VERSION"), "utf8").catch(() => "");
    return /^go(\d+\.\d+(?:\.\d+)?)/.exec(text)?.[1];
  }
  return undefined;
}

/** GOCACHEPROG is part of the go command from Go 1.24 on. */
function hasCacheProg(version: string | undefined): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version ?? "");
  return m !== null && (Number(m[1]) > 1 || Number(m[2]) >= 24);
}

const CACHE = s.object({ format: s.string(), bytes: s.number() });

export const goBuild = (deps: GoBuildDeps) =>
  defineBuildpack({
    detect: async (ctx) => {
      try {
        const { dir } = await buildDir(ctx.appDir, ctx.env);
        await findTargets(dir, ctx.env);
        const reload = liveReload(ctx.env);
        return pass({ requires: [{ name: "go", metadata: { build: true } }, ...(reload ? [{ name: "watchexec", metadata: { launch: true } }] : [])] });
      } catch (e) {
        if (e instanceof GoError && (e.code === "GO_TARGETS" || e.code === "GO_SETTING")) return fail(e.message);
        throw e;
      }
    },

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const { dir, rel } = await buildDir(ctx.appDir, ctx.env);
      if (rel) log.process(`Using BP_GO_WORKDIR variable, build subdirectory is '${rel}'`);
      const targets = await findTargets(dir, ctx.env);
      const flags = buildFlags(ctx.env);
      const workUse = colonList(ctx.env.BP_GO_WORK_USE).map((m) => relativeItem(m, "BP_GO_WORK_USE"));
      const mod = await readGoMod(dir, rel ? `${rel}/go.mod` : "go.mod");
      const gopathMode = !mod && workUse.length === 0 && !(await exists(join(dir, "go.work")));
      const vendored = await exists(join(dir, "vendor"));

      // The build cache: two layers through GOCACHEPROG (cacheprog.ts), else one plain GOCACHE layer.
      // A build for another architecture (PAKETO_NATIVE_ARCH set) runs this buildpack's Node.js
      // emulated, and the cache program with it: every cache request of the compiler would go
      // through the emulator, so such a build keeps the plain GOCACHE layer.
      const emulated = (ctx.env.PAKETO_NATIVE_ARCH ?? "").trim() !== "";
      const prog = deps.cacheProg && !emulated && hasCacheProg(await goVersionOnPath(ctx.env)) ? deps.cacheProg : undefined;
      const format = prog ? "cacheprog/1" : "dir";
      const keepFormat = (m: { format: string }) => (m.format === format ? ("keep" as const) : { rebuild: `the build cache was kept as ${m.format}, now ${format}` });
      const gocache = await ctx.layers.cached("gocache", { cache: true, metadata: CACHE, onRestored: keepFormat });
      if (gocache.state.kind === "empty") await gocache.write({ format, bytes: 0 });
      const extra: Record<string, string> = {};
      let cacheNew: LayerRef<{ format: string; bytes: number }> | undefined;
      let usedFile: string | undefined;
      let deltaBefore = 0;
      if (prog) {
        cacheNew = await ctx.layers.cached("gocache-new", { cache: true, metadata: CACHE, onRestored: keepFormat });
        if (cacheNew.state.kind === "empty") await cacheNew.write({ format, bytes: 0 });
        deltaBefore = (await cacheSize(cacheNew.path)).entries;
        usedFile = join(await mkdtemp(join(tmpdir(), "gocache-used-")), "used");
        Object.assign(extra, {
          GOCACHEPROG: prog.join(" "),
          PAKETO_GOCACHEPROG: "1",
          PAKETO_GOCACHE_BASE: gocache.path,
          PAKETO_GOCACHE_DELTA: cacheNew.path,
          PAKETO_GOCACHE_USED: usedFile,
          GOCACHE: dirname(usedFile),
        });
      } else extra.GOCACHE = gocache.path;
      if (!gopathMode && !vendored) {
        // modules the build fetches itself (no vendor/: a go.work monorepo, BP_GO_WORKDIR...)
        const modCache = await ctx.layers.cached("mod-cache", { cache: true, metadata: s.object({}), onRestored: () => "keep" });
        await modCache.write({});
        extra.GOMODCACHE = modCache.path;
        extra.GOFLAGS = withModcacherw(ctx.env.GOFLAGS);
      }
      const targetsLayer = await ctx.layers.uncached("targets", { launch: true });
      const bin = join(targetsLayer.path, "bin");
      await mkdir(bin, { recursive: true });

      // GOPATH mode: the app is copied to $GOPATH/src/<import path> (a temporary GOPATH)
      let cwd = dir;
      let gopath: string | undefined;
      const importPath = ctx.env.BP_GO_BUILD_IMPORT_PATH?.trim() || "workspace";
      if (gopathMode) {
        gopath = await mkdtemp(join(tmpdir(), "gopath-"));
        cwd = join(gopath, "src", importPath);
        await mkdir(cwd, { recursive: true });
        await cp(dir, cwd, { recursive: true, verbatimSymlinks: true });
        Object.assign(extra, { GOPATH: gopath, GO111MODULE: "auto" });
      }
      const env = goEnv(ctx.env, ctx.platform.bindings, extra);
      const where = rel || "the app";
      const go = async (args: string[], what: string) => {
        log.subprocess(`Running '${["go", ...args].map(shown).join(" ")}'`);
        const started = Date.now();
        const run = await runGo(args, { cwd, env, logger: log });
        if (run.code !== 0) {
          log.action(`Failed after ${Date.now() - started} ms`);
          throw new GoError("GO_BUILD", `'go ${what}' in ${where} ${exitText(run)}; its last output:\n${lastLines(run.output, 15).join("\n")}`, {
            hint: what === "build" ? "fix the error above; the build runs 'go build' as shown" : "check BP_GO_WORK_USE: the module directories relative to the build directory",
          });
        }
        log.action(`Completed in ${Date.now() - started} ms`);
      };

      try {
        log.process("Executing build process");
        if (workUse.length > 0) {
          if (!(await exists(join(cwd, "go.work")))) await go(["work", "init"], "work init");
          await go(["work", "use", ...workUse], "work use");
        }
        await crossCgo(env, targets, { cwd, where, log });
        await go(["build", "-o", `${bin}/`, ...flags, ...targets], "build");
        log.break();
        if (cacheNew && usedFile) await settleCache(log, gocache, cacheNew, usedFile, deltaBefore);

        const binaries = await binaryOrder(bin, targets, mod?.module, gopathMode ? importPath : undefined);
        if (binaries.length === 0) throw new GoError("GO_BUILD", `'go build' of ${targets.join(" ")} made no executable`, { hint: "targets must be commands (package main)" });

        if (ctx.env.BP_DISABLE_SBOM === "true") log.process("Skipping SBOM generation for Go Build");
        else await writeSbom(ctx, log, binaries.map((b) => join(bin, b)), targetsLayer, cwd, env);

        const kept = await removeSource(ctx.appDir, ctx.env);
        log.process(`Removing source code${kept.length ? ` (keeping ${kept.join(", ")})` : ""}`);
        log.break();

        const web = binaries.includes("web") ? "web" : binaries[0];
        const processes: Process[] = binaries.map((b) => ({ type: b, command: [join(bin, b)], default: b === web }));
        log.process("Assigning launch processes:");
        for (const p of processes) log.subprocess(`${p.type}${p.default ? " (default)" : ""}: ${p.command.join(" ")}`);
        log.break();
        return { processes };
      } finally {
        if (gopath) await rm(gopath, { recursive: true, force: true });
        if (usedFile) await rm(dirname(usedFile), { recursive: true, force: true });
      }
    },
  });

/**
 * Cross-compiling (go-dist set GOARCH to another architecture than the toolchain's, for a target
 * whose programs run emulated here): the go command turns cgo off by default then. An app that
 * needs cgo (a package outside the standard library with `import "C"`) gets CGO_ENABLED=1, and its
 * C parts are compiled and linked by the build image's C compiler, which is the target's (emulated);
 * the Go parts still compile natively. A CGO_ENABLED the user set is kept as it is.
 */
async function crossCgo(env: Record<string, string>, targets: readonly string[], o: { cwd: string; where: string; log: Logger }): Promise<void> {
  if (env.GOARCH === undefined || env.CGO_ENABLED !== undefined) return;
  const arches = await runGo(["env", "GOHOSTARCH", "GOARCH"], { cwd: o.cwd, env });
  const [host, target] = arches.output.trim().split("\n").map((l) => l.trim());
  if (arches.code !== 0 || host === undefined || host === target) return;
  const format = "{{if and (not .Standard) .CgoFiles}}{{.ImportPath}}{{end}}";
  const list = await runGo(["list", "-deps", "-f", format, ...targets], { cwd: o.cwd, env: { ...env, CGO_ENABLED: "1" } });
  if (list.code !== 0) {
    throw new GoError("GO_BUILD", `'go list -deps' of ${targets.join(" ")} in ${o.where} ${exitText(list)}; its last output:\n${lastLines(list.output, 15).join("\n")}`, {
      hint: "the build lists the packages first to find out whether any uses cgo; fix the error above",
    });
  }
  const cgo = list.output.split("\n").map((l) => l.trim()).filter(Boolean);
  env.CGO_ENABLED = cgo.length > 0 ? "1" : "0";
  o.log.subprocess(
    cgo.length > 0
      ? `Cross-compiling for linux/${target} on linux/${host}: ${cgo.slice(0, 3).join(", ")}${cgo.length > 3 ? ` and ${cgo.length - 3} more` : ""} ${cgo.length === 1 ? "uses" : "use"} cgo, so CGO_ENABLED=1 with the build image's C compiler (linux/${target}, emulated)`
      : `Cross-compiling for linux/${target} on linux/${host}: no package uses cgo, so CGO_ENABLED=0`,
  );
}

type CacheLayer = LayerRef<{ format: string; bytes: number }>;

/**
 * After the build: the new results stay in `gocache-new` while it is small against `gocache`;
 * beyond that they are merged into `gocache` with the entries this build used, and the rest dropped.
 */
async function settleCache(log: Logger, base: CacheLayer, delta: CacheLayer, usedFile: string, deltaBefore: number): Promise<void> {
  const baseBytes = base.state.kind === "restored" && base.state.metadata.bytes > 0 ? base.state.metadata.bytes : (await cacheSize(base.path)).bytes;
  const d = await cacheSize(delta.path);
  const added = d.entries - deltaBefore;
  if (!shouldCompact(baseBytes, d.bytes)) {
    log.process(
      added === 0
        ? `Build cache: every result reused (${(baseBytes / 1e6).toFixed(1)} MB kept as it was)`
        : `Build cache: ${added} new result(s); ${(d.bytes / 1e6).toFixed(1)} MB of new results beside ${(baseBytes / 1e6).toFixed(1)} MB kept as it was`,
    );
    return;
  }
  const used = new Set((await readFile(usedFile, "utf8").catch(() => "")).split("\n").filter(Boolean));
  const r = await compact(base.path, delta.path, used);
  await base.write({ format: "cacheprog/1", bytes: r.bytes });
  await mkdir(join(delta.path, "a"), { recursive: true });
  await mkdir(join(delta.path, "o"), { recursive: true });
  log.process(`Build cache: merged ${d.entries} new result(s) into the kept cache: ${r.entries} entries, ${(r.bytes / 1e6).toFixed(1)} MB (${r.dropped} unused dropped)`);
}

/**
 * The binaries in `bin`, in target order: each target's name as go build gives it (from the
 * module path, or the GOPATH import path), then any other file, sorted.
 */
async function binaryOrder(bin: string, targets: readonly string[], module: string | undefined, importPath: string | undefined): Promise<string[]> {
  const present = (await readdir(bin)).sort();
  const base = module ?? importPath;
  const named = base ? targets.map((t) => execName(t === "." ? base : `${base}/${t.replace(/^\.\//, "")}`)).filter((n) => present.includes(n)) : [];
  return [...new Set([...named, ...present])];
}

async function writeSbom(ctx: BuildContext, log: Logger, binaries: string[], layer: { path: string; writeSbom: (...s: { format: "cyclonedx" | "spdx"; content: string }[]) => Promise<void> }, cwd: string, env: Record<string, string>): Promise<void> {
  const started = Date.now();
  const run = await runGo(["version", "-m", ...binaries], { cwd, env });
  if (run.code !== 0) throw new GoError("GO_TOOL", `'go version -m' ${exitText(run)}: ${lastLines(run.output, 5).join(" / ")}`);
  const infos = parseBuildInfo(run.output);
  const files = sbomFiles(targetsSbom(infos, { tool: { name: ctx.buildpack.id, version: ctx.buildpack.version }, sourceDateEpoch: ctx.env.SOURCE_DATE_EPOCH }), ctx.buildpack.sbomFormats);
  await layer.writeSbom(...files);
  const modules = new Set(infos.flatMap((i) => i.deps.map((d) => `${d.path}@${d.version}`)));
  log.process(`Generating SBOM for ${layer.path} (${modules.size} module${modules.size === 1 ? "" : "s"}, ${files.map((f) => f.format).join(", ") || "no formats declared"})`);
  log.action(`Completed in ${Date.now() - started} ms`);
}
