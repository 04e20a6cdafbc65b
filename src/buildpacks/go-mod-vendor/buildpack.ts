// go-mod-vendor: `go mod vendor` for apps with a go.mod that requires modules, unless vendor/ is
// committed. The module cache (GOMODCACHE) is a cache layer, so a rebuild downloads nothing the
// last one had. GOPROXY, GOSUMDB, GOPRIVATE, GONOSUMDB and GOFLAGS reach the go command as the
// platform or the user set them; a `netrc` binding gives it credentials (NETRC).
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { defineBuildpack, fail, pass, s } from "../../buildpack-api/index.js";
import { go } from "../../deps/index.js";
import { buildDir, exitText, GoError, goEnv, lastLines, readGoMod, runGo, withModcacherw, type GoMod } from "../go-common/index.js";

/** The `go` requirement go.mod gives: at least its `go` line (or `toolchain`, when newer). */
export function goModRequirement(mod: GoMod): string | undefined {
  const versions = [mod.go, mod.toolchain].map((v) => (v ? go.parseGoVersion(v) : undefined)).filter((v) => v !== undefined);
  if (versions.length === 0) return undefined;
  const newest = versions.sort(go.compareGoVersions).at(-1)!;
  return `>= ${newest.pre ? newest.text : `${newest.major}.${newest.minor}${newest.patch ? `.${newest.patch}` : ""}`}`;
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

export const goModVendor = () =>
  defineBuildpack({
    detect: async (ctx) => {
      const { dir, rel } = await buildDir(ctx.appDir, ctx.env);
      const where = rel ? `${rel}/go.mod` : "go.mod";
      const mod = await readGoMod(dir, where);
      if (!mod) return fail(`${where} is not present`);
      const version = goModRequirement(mod);
      return pass({ requires: [{ name: "go", metadata: { build: true, ...(version ? { version, "version-source": "go.mod" } : {}) } }] });
    },

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const { dir, rel } = await buildDir(ctx.appDir, ctx.env);
      const where = rel || "the app";
      if (await isDir(join(dir, "vendor"))) {
        log.process("Skipping build process: modules are already vendored");
        log.break();
        return {};
      }
      const mod = await readGoMod(dir, rel ? `${rel}/go.mod` : "go.mod");
      if (!mod || mod.requires === 0) {
        log.process("Skipping build process: go.mod requires no modules");
        log.break();
        return {};
      }
      const cache = await ctx.layers.cached("mod-cache", { cache: true, metadata: s.object({}), onRestored: () => "keep" });
      if (cache.state.kind === "restored") log.process(`Reusing cached layer ${cache.path}`);
      await cache.write({});
      log.process("Executing build process");
      log.subprocess("Running 'go mod vendor'");
      const started = Date.now();
      const env = goEnv(ctx.env, ctx.platform.bindings, { GOMODCACHE: cache.path, GOFLAGS: withModcacherw(ctx.env.GOFLAGS) });
      const run = await runGo(["mod", "vendor"], { cwd: dir, env, logger: log });
      if (run.code !== 0) {
        log.action(`Failed after ${Date.now() - started} ms`);
        throw new GoError("GO_VENDOR", `'go mod vendor' in ${where} ${exitText(run)}; its last output:\n${lastLines(run.output, 12).join("\n")}`, {
          hint: "check go.mod and go.sum ('go mod tidy'); private modules need GOPRIVATE and a netrc binding",
        });
      }
      log.action(`Completed in ${Date.now() - started} ms`);
      log.break();
      return {};
    },
  });
