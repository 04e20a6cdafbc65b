// maven: builds the app with Maven (the app's mvnw when it has one, else Maven from the
// configured Maven repository, verified: deps/maven), with the local repository in a cache layer
// so a rebuild downloads nothing it has, then replaces the source in the app dir with the built
// artifact, unpacked (BP_MAVEN_BUILT_ARTIFACT). Maven itself resolves from the repository
// Maven's configuration names (a settings.xml mirror is written from PAKETO_MAVEN_REPOSITORY).
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { defineBuildpack, fail, pass, s, type BuildContext } from "../../buildpack-api/index.js";
import type { maven as mavenDeps } from "../../deps/index.js";
import { reproducibleDate } from "../../oci/index.js";
import { purl } from "../../sbom/index.js";
import { runTool } from "../common/exec.js";
import { sbomFiles } from "../common/sbom.js";
import { JavaError } from "../java-common/index.js";
import { matchArtifacts } from "./artifact.js";
import { pomJavaVersion } from "./pom.js";

export interface MavenDeps {
  maven: Pick<typeof mavenDeps, "MavenSource" | "parseCoordinates" | "REPOSITORY_ENV">;
}

export const DEFAULT_MAVEN_VERSION = "3.9.16";
const DEFAULT_ARGUMENTS = "-Dmaven.test.skip=true --no-transfer-progress package";
const DEFAULT_ARTIFACT = "target/*.[ejw]ar";

/** Splits a BP_MAVEN_* argument string on blanks; single or double quotes keep blanks. */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3] ?? "");
  return out;
}

function pomPath(ctx: { appDir: string; env: Readonly<Record<string, string>> }): string {
  const f = ctx.env.BP_MAVEN_POM_FILE || "pom.xml";
  return isAbsolute(f) ? f : join(ctx.appDir, f);
}

export const mavenBuild = (deps: MavenDeps) =>
  defineBuildpack({
    detect: async (ctx) => {
      const pom = await readFile(pomPath(ctx), "utf8").catch(() => undefined);
      if (pom === undefined) return fail(`no ${ctx.env.BP_MAVEN_POM_FILE || "pom.xml"}`);
      const v = pomJavaVersion(pom);
      return pass({
        provides: [{ name: "jvm-application-package" }],
        requires: [{ name: "jdk", metadata: { build: true, ...(v ? { version: v.version, "version-source": v.source } : {}) } }],
      });
    },

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const offline = ctx.env.PAKETO_OFFLINE === "true";
      const m2 = await ctx.layers.cached("cache", { cache: true, metadata: s.object({}), onRestored: () => "keep" });
      await mkdir(join(m2.path, "repository"), { recursive: true });
      const repoUrl = ctx.env[deps.maven.REPOSITORY_ENV];

      const wrapper = await readFile(join(ctx.appDir, ".mvn", "wrapper", "maven-wrapper.properties"), "utf8").then(() => true, () => false);
      let mvn: string;
      if (wrapper && (await readFile(join(ctx.appDir, "mvnw")).then(() => true, () => false))) {
        mvn = join(ctx.appDir, "mvnw");
        log.process("Using the app's Maven wrapper (mvnw)");
      } else {
        mvn = await installMaven(ctx, deps, offline);
      }

      // Our settings carry the mirror (as global settings); the user's settings, if any, are the user settings.
      const global = join(m2.path, "paketo-settings.xml");
      await writeFile(global, settingsXml(repoUrl, offline));
      const userSettings = ctx.env.BP_MAVEN_SETTINGS_PATH || ctx.platform.bindings.find((b) => b.type === "maven" && b.entries["settings.xml"] !== undefined)?.path;
      const args = [
        ...splitArgs(ctx.env.BP_MAVEN_BUILD_ARGUMENTS || DEFAULT_ARGUMENTS),
        ...splitArgs(ctx.env.BP_MAVEN_ADDITIONAL_BUILD_ARGUMENTS ?? ""),
        ...(ctx.env.BP_MAVEN_ACTIVE_PROFILES ? ["-P", ctx.env.BP_MAVEN_ACTIVE_PROFILES] : []),
        ...(ctx.env.BP_MAVEN_POM_FILE ? ["-f", ctx.env.BP_MAVEN_POM_FILE] : []),
        "-gs", global,
        ...(userSettings ? ["-s", userSettings.endsWith(".xml") ? userSettings : join(userSettings, "settings.xml")] : []),
        `-Dmaven.repo.local=${join(m2.path, "repository")}`,
        ...(offline ? ["--offline"] : []),
        "--batch-mode",
      ];
      const env: Record<string, string> = { ...ctx.env, MAVEN_USER_HOME: m2.path };
      if (repoUrl) env.MVNW_REPOURL = repoUrl.replace(/\/+$/, "");
      log.process(`Executing ${mvn === join(ctx.appDir, "mvnw") ? "mvnw" : "mvn"} ${args.filter((a) => !a.startsWith("-Dmaven.repo.local") && a !== global && a !== "-gs").join(" ")}`);
      const started = Date.now();
      const r = await runTool([mvn, ...args], {
        cwd: ctx.appDir,
        env,
        logger: log,
        startError: (cmd, e) => new JavaError("MAVEN_BUILD", `cannot start ${cmd}: ${e.message}`),
      });
      if (r.code !== 0) {
        // Maven's [ERROR] lines, once each, without its advice and help links.
        const errors = [...new Set(r.output.split("\n").map((l) => l.trimEnd()).filter((l) => /^\[ERROR\]/.test(l) && !/^\[ERROR\] *(-> \[Help|\[Help \d|To see the full|Re-run Maven|For more information|COMPILATION ERROR|-+$|$)/.test(l)))];
        throw new JavaError("MAVEN_BUILD", `Maven failed (exit ${r.code ?? r.signal}):\n${(errors.length ? errors.slice(0, 12) : r.output.trim().split("\n").slice(-12)).join("\n")}`, {
          hint: "fix the build (it fails the same way with `mvn package` locally), or change BP_MAVEN_BUILD_ARGUMENTS",
        });
      }
      log.action(`Completed in ${((Date.now() - started) / 1000).toFixed(1)} s`);

      await replaceSource(ctx);
      return {};
    },
  });

/** Maven from the configured repository (BP_MAVEN_VERSION, default 3.9.16), in a cached build layer. */
async function installMaven(ctx: BuildContext<unknown, unknown>, deps: MavenDeps, offline: boolean): Promise<string> {
  const version = ctx.env.BP_MAVEN_VERSION?.trim() || DEFAULT_MAVEN_VERSION;
  const coords = deps.maven.parseCoordinates(`org.apache.maven:apache-maven:${version}:bin@tar.gz`);
  const src = await deps.maven.MavenSource.open({ env: ctx.env, offline });
  const art = await src.fetch(coords);
  const layer = await ctx.layers.cached("maven", {
    build: true,
    cache: true,
    metadata: s.object({ version: s.string(), sha256: s.string() }),
    onRestored: (m) => (m.version === version && m.sha256 === art.sha256 ? "keep" : { rebuild: `${m.version} -> ${version}` }),
  });
  if (layer.state.kind === "restored") {
    ctx.logger.process(`Reusing cached Maven ${version}`);
  } else {
    ctx.logger.process(`Installing Maven ${version} (${art.downloaded ? "downloaded" : "from the download cache"}, ${art.algorithm} verified)`);
    const r = await runTool(["tar", "-xzf", art.path, "-C", layer.path, "--strip-components=1", "--no-same-owner"], {
      cwd: layer.path,
      env: ctx.env,
      startError: (cmd, e) => new JavaError("JAVA_ARCHIVE", `cannot start ${cmd}: ${e.message}`),
    });
    if (r.code !== 0) throw new JavaError("JAVA_ARCHIVE", `unpacking Maven ${version}: ${r.output.trim()}`);
    await layer.write({ version, sha256: art.sha256 });
    if (ctx.env.BP_DISABLE_SBOM !== "true") {
      const component = { type: "application" as const, name: "apache-maven", version, purl: purl.maven("org.apache.maven:apache-maven", version, { classifier: "bin", type: "tar.gz" }), licenses: ["Apache-2.0"], hashes: [{ alg: "SHA-256" as const, content: art.sha256 }] };
      await layer.writeSbom(...sbomFiles({ name: "maven", timestamp: reproducibleDate(ctx.env.SOURCE_DATE_EPOCH), tool: { name: ctx.buildpack.id, version: ctx.buildpack.version }, components: [component] }, ctx.buildpack.sbomFormats));
    }
  }
  return join(layer.path, "bin", "mvn");
}

function settingsXml(repo: string | undefined, offline: boolean): string {
  const esc = (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const mirror = repo ? `<mirrors><mirror><id>paketo-repository</id><mirrorOf>central</mirrorOf><url>${esc(repo)}</url></mirror></mirrors>` : "";
  return `<settings><offline>${offline}</offline>${mirror}</settings>\n`;
}

/** The built artifact, unpacked, becomes the app dir's only content. */
async function replaceSource(ctx: BuildContext<unknown, unknown>): Promise<void> {
  const log = ctx.logger;
  const module = ctx.env.BP_MAVEN_BUILT_MODULE ?? "";
  const pattern = ctx.env.BP_MAVEN_BUILT_ARTIFACT || DEFAULT_ARTIFACT;
  const base = join(ctx.appDir, module);
  const found = await matchArtifacts(base, pattern);
  if (found.length !== 1) {
    const target = await readdir(join(base, "target")).catch(() => [] as string[]);
    throw new JavaError("MAVEN_ARTIFACT", found.length === 0 ? `no built artifact matches BP_MAVEN_BUILT_ARTIFACT=${pattern}${module ? ` in module ${module}` : ""}` : `${found.length} built artifacts match BP_MAVEN_BUILT_ARTIFACT=${pattern}: ${found.join(", ")}`, {
      hint: `${target.length ? `target/ has: ${target.join(", ")}; ` : ""}set BP_MAVEN_BUILT_ARTIFACT to match exactly one file`,
    });
  }
  const artifact = join(base, found[0]!);
  log.process(`Restoring application artifact ${module ? `${module}/` : ""}${found[0]}`);
  const tmp = await mkdtemp(join(ctx.layersDir, ".artifact-"));
  try {
    const kept = join(tmp, "artifact.zip");
    await copyFile(artifact, kept);
    for (const e of await readdir(ctx.appDir)) await rm(join(ctx.appDir, e), { recursive: true, force: true });
    const r = await runTool(["unzip", "-q", "-o", kept, "-d", ctx.appDir], {
      cwd: ctx.appDir,
      env: ctx.env,
      startError: (cmd, e) => new JavaError("JAVA_ARCHIVE", `cannot start ${cmd}: ${e.message}`),
    });
    if (r.code !== 0) throw new JavaError("JAVA_ARCHIVE", `unpacking ${found[0]}: ${r.output.trim()}`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
