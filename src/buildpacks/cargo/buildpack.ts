// cargo: `cargo install --locked` of each workspace member that has binaries into a launch layer,
// one direct process per binary (`web` the default, else the first). Crates come from the registry
// cargo's configuration names (CARGO_REGISTRIES_*, the app's .cargo/config.toml); CARGO_HOME and
// the target directory are cache layers, and source times follow content (freshness.ts), so a
// one-line change recompiles one crate and downloads nothing. The source is removed from the
// image afterwards, except BP_INCLUDE_FILES minus BP_EXCLUDE_FILES. An app without Cargo.lock gets
// one from `cargo generate-lockfile`, kept in a cache layer while its manifests and the toolchain
// are unchanged (lockfile.ts). SBOM from Cargo.lock.
import { mkdir, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { defineBuildpack, fail, layerEnv, pass, s, type Process } from "../../buildpack-api/index.js";
import { reproducibleDate } from "../../oci/index.js";
import { sbomFiles } from "../common/sbom.js";
import { globList, removeSource } from "../common/source-removal.js";
import { cargoEnv, exitText, lastLines, runCargo, words } from "../rust-common/cargo.js";
import { RustError } from "../rust-common/errors.js";
import { recordSources, settleSourceTimes } from "./freshness.js";
import { keepLock, lockKey, restoreLock } from "./lockfile.js";
import { cargoSbom } from "./sbom.js";
import { workspaceMembers } from "./workspace.js";

const DEFAULT_INCLUDE = "static/*:templates/*:public/*:html/*";
/** Older than any cached output (layers carry 1980-01-01T00:00:01Z, or SOURCE_DATE_EPOCH). */
function oldTime(sourceDateEpoch: string | undefined): Date {
  const sde = Number(sourceDateEpoch);
  return new Date(Number.isFinite(sde) && sde > 1 && sde < 315532801 ? (sde - 1) * 1000 : 315532800_000);
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

/** A word of a command for the log, quoted when it holds a blank. */
function shown(arg: string): string {
  return /\s/.test(arg) || arg === "" ? JSON.stringify(arg) : arg;
}

export const cargo = () =>
  defineBuildpack({
    detect: async (ctx) => {
      if (!(await isFile(join(ctx.appDir, "Cargo.toml")))) return fail("no Cargo.toml");
      return pass({ requires: [{ name: "rust", metadata: { build: true } }] });
    },

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const installArgs = words(ctx.env, "BP_CARGO_INSTALL_ARGS");
      const tools = words(ctx.env, "BP_CARGO_INSTALL_TOOLS");
      const toolArgs = words(ctx.env, "BP_CARGO_INSTALL_TOOLS_ARGS");
      const wanted = (ctx.env.BP_CARGO_WORKSPACE_MEMBERS ?? "").split(",").map((m) => m.trim()).filter(Boolean);

      const home = await ctx.layers.cached("cargo-home", { cache: true, metadata: s.object({}), onRestored: () => "keep" });
      await home.write({});
      const target = await ctx.layers.cached("target", { cache: true, metadata: s.object({}), onRestored: () => "keep" });
      await target.write({});
      const bin = await ctx.layers.uncached("bin", { launch: true });
      // the bin layer on PATH only to spare cargo install's warning that it is not
      const env = cargoEnv(ctx.env, { CARGO_HOME: home.path, CARGO_TARGET_DIR: target.path, PATH: [join(bin.path, "bin"), ctx.env.PATH].filter(Boolean).join(":") });

      const cargoRun = async (args: string[], what: string, of?: string) => {
        log.subprocess(`Running '${["cargo", ...args].map(shown).join(" ")}'`);
        const started = Date.now();
        const run = await runCargo(args, { cwd: ctx.appDir, env, logger: log });
        if (run.code !== 0) {
          log.action(`Failed after ${Date.now() - started} ms`);
          throw new RustError("RUST_BUILD", `'cargo ${what}'${of ? ` of ${of}` : ""} ${exitText(run)}; its last output:\n${lastLines(run.output, 15).join("\n")}`, {
            hint: what.startsWith("fetch") ? "check Cargo.lock and the registry cargo's configuration names (CARGO_REGISTRIES_*, .cargo/config.toml)" :
              what === "generate-lockfile" ? "check the dependencies in Cargo.toml and the registry cargo's configuration names (CARGO_REGISTRIES_*, .cargo/config.toml)" : "fix the error above; the build runs cargo as shown",
          });
        }
        log.action(`Completed in ${Date.now() - started} ms`);
        return run.output;
      };

      log.process("Executing build process");
      const generated = !(await isFile(join(ctx.appDir, "Cargo.lock")));
      if (generated) {
        const version = await runCargo(["--version"], { cwd: ctx.appDir, env });
        if (version.code !== 0) throw new RustError("RUST_TOOL", `'cargo --version' ${exitText(version)}: ${lastLines(version.output, 3).join(" / ")}`);
        const key = await lockKey(ctx.appDir, version.output);
        const lock = await ctx.layers.cached("cargo-lock", {
          cache: true,
          metadata: s.object({ key: s.string() }),
          onRestored: (m) => (m.key === key ? "keep" : { rebuild: "Cargo.toml or the toolchain changed" }),
        });
        if (lock.state.kind === "restored") {
          await restoreLock(lock.path, ctx.appDir);
          log.subprocess("No Cargo.lock in the app: reusing the one generated at an earlier build from the same Cargo.toml files and toolchain (committing Cargo.lock is recommended)");
        } else {
          if (ctx.env.PAKETO_OFFLINE === "true") {
            throw new RustError("RUST_MANIFEST", "the app has no Cargo.lock and the build is offline (--network off): cargo cannot resolve the dependencies without the registry, and no lock generated from these Cargo.toml files is cached", {
              hint: "run 'cargo generate-lockfile' and commit Cargo.lock, or build once with the network on",
            });
          }
          await cargoRun(["generate-lockfile"], "generate-lockfile");
          await keepLock(ctx.appDir, lock.path);
          await lock.write({ key });
          log.subprocess("No Cargo.lock in the app: generated one with 'cargo generate-lockfile' (committing Cargo.lock is recommended: builds then use the versions you tested)");
        }
      }
      const times = await settleSourceTimes(ctx.appDir, target.path, oldTime(ctx.env.SOURCE_DATE_EPOCH));
      log.subprocess(times.changed.length === times.total ? `${times.total} source file(s), none built before` : `${times.changed.length} of ${times.total} source file(s) changed since the last build`);
      // Every crate the lock names, downloaded (or found in CARGO_HOME) first: the installs then run offline.
      const fetched = await cargoRun(["fetch", "--locked"], "fetch --locked");
      const downloaded = [...fetched.matchAll(/^\s*Downloaded \S+ v\S+/gm)].length;
      log.subprocess(downloaded ? `Downloaded ${downloaded} crate(s) into ${home.path}` : "Every crate was already in the cache: nothing downloaded");

      const binDir = join(bin.path, "bin");
      const ordered: string[] = [];
      if (installArgs.some((a) => a === "--path" || a.startsWith("--path="))) {
        await cargoRun(["install", "--locked", "--offline", "--root", bin.path, ...installArgs], "install");
      } else {
        const members = await workspaceMembers(ctx.appDir, env, wanted);
        if (members.length === 0) throw new RustError("RUST_MANIFEST", `no workspace member${wanted.length ? " of BP_CARGO_WORKSPACE_MEMBERS" : ""} has a binary target`, { hint: "add src/main.rs or a [[bin]] to a member" });
        for (const m of members) {
          await cargoRun(["install", "--locked", "--offline", "--root", bin.path, "--path", m.dir === "" ? "." : `./${m.dir}`, ...installArgs], "install", m.name);
          ordered.push(...m.bins);
        }
      }
      if (tools.length) {
        const toolsLayer = await ctx.layers.uncached("tools", { build: true, launch: true });
        await cargoRun(["install", "--locked", "--root", toolsLayer.path, ...tools, ...toolArgs], "install", tools.join(" "));
        await toolsLayer.writeEnv(layerEnv().prepend("PATH", join(toolsLayer.path, "bin"), { delim: ":" }));
      }
      await recordSources(target.path, times.digests);
      log.break();

      const present = (await readdir(binDir).catch(() => [] as string[])).sort();
      const binaries = [...new Set([...ordered.filter((b) => present.includes(b)), ...present])];
      if (binaries.length === 0) throw new RustError("RUST_BUILD", "'cargo install' installed no binary", { hint: "the members need a binary target (src/main.rs or [[bin]])" });
      await mkdir(binDir, { recursive: true });

      if (ctx.env.BP_DISABLE_SBOM === "true") log.process("Skipping SBOM generation for Cargo");
      else {
        const lock = await readFile(join(ctx.appDir, "Cargo.lock"), "utf8");
        const doc = cargoSbom(lock, { name: "bin", timestamp: reproducibleDate(ctx.env.SOURCE_DATE_EPOCH), tool: { name: ctx.buildpack.id, version: ctx.buildpack.version } });
        await bin.writeSbom(...sbomFiles(doc, ctx.buildpack.sbomFormats));
        log.process(`Generating SBOM for ${bin.path} (${doc.components.length} crate(s) from ${generated ? "the generated " : ""}Cargo.lock)`);
      }

      const kept = await removeSource(ctx.appDir, globList(ctx.env.BP_INCLUDE_FILES ?? DEFAULT_INCLUDE), globList(ctx.env.BP_EXCLUDE_FILES));
      log.process(`Removing source code${kept.length ? ` (keeping ${kept.join(", ")})` : ""}`);
      log.break();

      const web = binaries.includes("web") ? "web" : binaries[0];
      const processes: Process[] = binaries.map((b) => ({ type: b, command: [join(binDir, b)], default: b === web }));
      log.process("Assigning launch processes:");
      for (const p of processes) log.subprocess(`${p.type}${p.default ? " (default)" : ""}: ${p.command.join(" ")}`);
      log.break();
      return { processes };
    },
  });
