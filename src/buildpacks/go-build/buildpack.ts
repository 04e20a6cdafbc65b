// go-build: `go build` of the app's commands into a launch layer, one direct process per binary.
// Targets: BP_GO_TARGETS, else the build directory (BP_GO_WORKDIR) when it has *.go files, else
// ./cmd/*. Flags: BP_GO_BUILD_FLAGS, BP_GO_BUILD_LDFLAGS, then `-buildmode=pie -trimpath` unless
// set. GOCACHE is a cache layer, so a one-line change recompiles one package. Without go.mod (and
// go.work) the app is built in GOPATH mode under BP_GO_BUILD_IMPORT_PATH; BP_GO_WORK_USE makes a
// go.work first. The source is removed from the image afterwards, except BP_KEEP_FILES.
import { cp, mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineBuildpack, fail, pass, s, type BuildContext, type Logger, type Process } from "../../buildpack-api/index.js";
import { sbomFiles } from "../common/sbom.js";
import { buildDir, buildFlags, colonList, exitText, GoError, goEnv, lastLines, liveReload, readGoMod, relativeItem, runGo, withModcacherw } from "../go-common/index.js";
import { removeSource } from "./keep-files.js";
import { parseBuildInfo, targetsSbom } from "./sbom.js";
import { execName, findTargets } from "./targets.js";

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

/** Quotes a word for the log the way a shell would need it. */
function shown(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export const goBuild = () =>
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

      const gocache = await ctx.layers.cached("gocache", { cache: true, metadata: s.object({}), onRestored: () => "keep" });
      await gocache.write({});
      const extra: Record<string, string> = { GOCACHE: gocache.path };
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
        await go(["build", "-o", `${bin}/`, ...flags, ...targets], "build");
        log.break();

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
      }
    },
  });

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
