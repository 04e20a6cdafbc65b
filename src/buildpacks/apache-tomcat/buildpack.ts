// apache-tomcat: a WAR's exploded contents (WEB-INF/ in the app dir: what the Maven buildpack
// leaves, or a WAR unpacked by the user) run on Apache Tomcat from the configured Maven
// repository (`org.apache.tomcat:tomcat`, the binary distribution, verified by deps/maven). A
// `tomcat` layer holds CATALINA_HOME; a `catalina-base` layer our own server.xml (the HTTP
// connector on $PORT, nothing else listening, work and temp files under /tmp), Tomcat's conf
// otherwise, console logging, and the app deployed from the app dir at BP_TOMCAT_CONTEXT_PATH
// (default: ROOT). The process runs Tomcat's Bootstrap with java, directly: no catalina.sh, no
// shell, as the run image's non-root user.
import { chmod, cp, mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import semver from "semver";
import { defineBuildpack, fail, layerEnv, pass, s } from "../../buildpack-api/index.js";
import type { maven as mavenDeps } from "../../deps/index.js";
import { reproducibleDate } from "../../oci/index.js";
import { purl } from "../../sbom/index.js";
import { runTool } from "../common/exec.js";
import { sbomFiles } from "../common/sbom.js";
import { JavaError } from "../java-common/index.js";
import { stat } from "node:fs/promises";

export interface TomcatDeps {
  maven: Pick<typeof mavenDeps, "MavenSource" | "parseCoordinates">;
}

/** Paketo's default: Tomcat 9. Boot 3 / Jakarta EE apps need BP_TOMCAT_VERSION=10.1 or 11. */
export const DEFAULT_TOMCAT_VERSION = "9.*";

/** The newest published version matching a BP_TOMCAT_VERSION spec (`10.1`, `10.1.*`, `11`, `9.0.117`). */
export function pickTomcat(versions: readonly string[], spec: string): string | undefined {
  const t = spec.trim();
  const range = /^\d+(\.\d+)?$/.test(t) ? `${t}.x` : t.replace(/\.\*$/, ".x");
  const ok = versions.filter((v) => semver.valid(v) && !semver.prerelease(v) && semver.satisfies(v, range));
  return ok.sort(semver.rcompare)[0];
}

const ADD_OPENS = ["java.base/java.lang", "java.base/java.io", "java.base/java.util", "java.base/java.util.concurrent", "java.rmi/sun.rmi.transport"].map((p) => `--add-opens=${p}=ALL-UNNAMED`);

function serverXml(accessLog: boolean): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by paketo's apache-tomcat buildpack: one HTTP connector on $PORT, no shutdown port. -->
<Server port="-1" shutdown="SHUTDOWN">
  <Listener className="org.apache.catalina.startup.VersionLoggerListener" />
  <Listener className="org.apache.catalina.core.JreMemoryLeakPreventionListener" />
  <Service name="Catalina">
    <Connector port="\${PORT}" protocol="HTTP/1.1" connectionTimeout="20000" />
    <Engine name="Catalina" defaultHost="localhost">
      <Host name="localhost" appBase="webapps" unpackWARs="false" autoDeploy="false" deployOnStartup="true" workDir="/tmp/tomcat-work">${
        accessLog ? `\n        <Valve className="org.apache.catalina.valves.AccessLogValve" directory="/dev" prefix="stdout" suffix="" rotatable="false" buffered="false" fileDateFormat="" pattern="common" />\n      ` : ""
      }</Host>
    </Engine>
  </Service>
</Server>
`;
}

const LOGGING = `handlers = java.util.logging.ConsoleHandler
.handlers = java.util.logging.ConsoleHandler
java.util.logging.ConsoleHandler.level = FINE
java.util.logging.ConsoleHandler.formatter = org.apache.juli.OneLineFormatter
java.util.logging.ConsoleHandler.encoding = UTF-8
`;

/** Everything under `dir` readable by all (Tomcat's tarball has conf/ 0600; the run user is not the build user). */
async function readableByAll(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isSymbolicLink()) continue;
    const mode = (await stat(p)).mode & 0o7777;
    if (e.isDirectory()) {
      await chmod(p, mode | 0o555);
      await readableByAll(p);
    } else {
      await chmod(p, mode | 0o444);
    }
  }
}

async function isDir(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isDirectory(), () => false);
}

export const apacheTomcat = (deps: TomcatDeps) =>
  defineBuildpack({
    detect: async (ctx) => {
      const server = (ctx.env.BP_JAVA_APP_SERVER || "tomcat").toLowerCase();
      if (server !== "tomcat") return fail(`BP_JAVA_APP_SERVER=${server}`);
      const jre = { name: "jre", metadata: { launch: true } };
      if (await isDir(join(ctx.appDir, "WEB-INF"))) return pass({ provides: [{ name: "jvm-application" }], requires: [jre, { name: "jvm-application" }] });
      return pass({ provides: [{ name: "jvm-application" }], requires: [jre, { name: "jvm-application" }, { name: "jvm-application-package" }] });
    },

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      if (!(await isDir(join(ctx.appDir, "WEB-INF")))) {
        log.process("No WEB-INF/ in the app: not a web application");
        return {};
      }
      const spec = ctx.env.BP_TOMCAT_VERSION?.trim() || DEFAULT_TOMCAT_VERSION;
      const src = await deps.maven.MavenSource.open({ env: ctx.env, offline: ctx.env.PAKETO_OFFLINE === "true" });
      const versions = await src.versions("org.apache.tomcat", "tomcat");
      const version = pickTomcat(versions, spec);
      if (!version) {
        throw new JavaError("JAVA_SETTING", `no Tomcat matches BP_TOMCAT_VERSION=${spec}`, { hint: `the Maven repository has: ${versions.slice(-12).join(", ")}` });
      }
      log.process(`Apache Tomcat ${version} (BP_TOMCAT_VERSION ${ctx.env.BP_TOMCAT_VERSION ? spec : `default ${spec}`})`);
      const art = await src.fetch(deps.maven.parseCoordinates(`org.apache.tomcat:tomcat:${version}@tar.gz`));
      const home = await ctx.layers.cached("tomcat", {
        launch: true,
        metadata: s.object({ version: s.string(), sha256: s.string() }),
        onRestored: (m) => (m.version === version && m.sha256 === art.sha256 ? "keep" : { rebuild: `${m.version} -> ${version}` }),
      });
      if (home.state.kind === "restored") {
        log.subprocess(`Reusing cached Tomcat ${version}`);
      } else {
        log.subprocess(`Installing Tomcat ${version} (${art.downloaded ? "downloaded" : "from the download cache"}, ${art.algorithm} verified)`);
        const r = await runTool(["tar", "-xzf", art.path, "-C", home.path, "--strip-components=1", "--no-same-owner"], {
          cwd: home.path,
          env: ctx.env,
          startError: (cmd, e) => new JavaError("JAVA_ARCHIVE", `cannot start ${cmd}: ${e.message}`),
        });
        if (r.code !== 0) throw new JavaError("JAVA_ARCHIVE", `unpacking Tomcat ${version}: ${r.output.trim()}`);
        for (const d of ["webapps", "logs", "temp", "work"]) await rm(join(home.path, d), { recursive: true, force: true });
        await readableByAll(home.path);
        await home.write({ version, sha256: art.sha256 });
        if (ctx.env.BP_DISABLE_SBOM !== "true") {
          const component = { type: "application" as const, name: "tomcat", version, purl: purl.maven("org.apache.tomcat:tomcat", version, { type: "tar.gz" }), licenses: ["Apache-2.0"], hashes: [{ alg: "SHA-256" as const, content: art.sha256 }] };
          await home.writeSbom(...sbomFiles({ name: "tomcat", timestamp: reproducibleDate(ctx.env.SOURCE_DATE_EPOCH), tool: { name: ctx.buildpack.id, version: ctx.buildpack.version }, components: [component] }, ctx.buildpack.sbomFormats));
        }
      }

      const base = await ctx.layers.uncached("catalina-base", { launch: true });
      await mkdir(base.path, { recursive: true });
      await cp(join(home.path, "conf"), join(base.path, "conf"), { recursive: true });
      await mkdir(join(base.path, "webapps"), { recursive: true });
      const accessLog = ctx.env.BPL_TOMCAT_ACCESS_LOGGING_ENABLED === "true";
      await writeFile(join(base.path, "conf", "server.xml"), serverXml(accessLog));
      await writeFile(join(base.path, "conf", "logging.properties"), LOGGING);
      const contextPath = (ctx.env.BP_TOMCAT_CONTEXT_PATH ?? "").replace(/^\/+|\/+$/g, "");
      const contextFile = contextPath === "" ? "ROOT" : contextPath.replace(/\//g, "#");
      await mkdir(join(base.path, "conf", "Catalina", "localhost"), { recursive: true });
      await writeFile(join(base.path, "conf", "Catalina", "localhost", `${contextFile}.xml`), `<Context docBase="${ctx.appDir}" reloadable="false" />\n`);
      await base.writeEnv(layerEnv().override("CATALINA_HOME", home.path, { scope: "launch" }).override("CATALINA_BASE", base.path, { scope: "launch" }).default("PORT", "8080", { scope: "launch" }));
      await readableByAll(base.path);
      log.subprocess(`Deployed the app at /${contextPath}${accessLog ? "; access log on stdout" : ""}`);
      const entries = await readdir(join(base.path, "conf"));
      log.debug.subprocess(`catalina-base conf: ${entries.join(", ")}`);

      const command = [
        "java",
        ...ADD_OPENS,
        "-classpath", `${home.path}/bin/bootstrap.jar:${home.path}/bin/tomcat-juli.jar`,
        `-Dcatalina.home=${home.path}`,
        `-Dcatalina.base=${base.path}`,
        "-Djava.io.tmpdir=/tmp",
        `-Djava.util.logging.config.file=${base.path}/conf/logging.properties`,
        "-Djava.util.logging.manager=org.apache.juli.ClassLoaderLogManager",
        "-Dorg.apache.tomcat.util.digester.PROPERTY_SOURCE=org.apache.tomcat.util.digester.EnvironmentPropertySource",
        "org.apache.catalina.startup.Bootstrap",
        "start",
      ];
      log.process("Process types:");
      for (const t of ["tomcat", "task", "web"]) log.subprocess(`${t}: java ... org.apache.catalina.startup.Bootstrap start`);
      return {
        processes: [
          { type: "tomcat", command },
          { type: "task", command },
          { type: "web", command, default: true },
        ],
      };
    },
  });
