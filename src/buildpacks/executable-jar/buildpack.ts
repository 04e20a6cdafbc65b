// executable-jar: an app whose META-INF/MANIFEST.MF names a Main-Class (an exploded JAR: what
// Maven's buildpack leaves in the app dir, or a JAR unpacked by the user) runs as `java
// <Main-Class>`, exec'd directly (no shell: it works on a run image without one), with the app
// dir and the manifest's Class-Path on CLASSPATH. Without a manifest yet, it passes when a build
// buildpack (maven) provides `jvm-application-package`, and reads the manifest at build time.
import { join } from "node:path";
import { defineBuildpack, layerEnv, pass, s } from "../../buildpack-api/index.js";
import { reproducibleDate } from "../../oci/index.js";
import { sbomFiles } from "../common/sbom.js";
import { jarComponents, readManifest } from "../java-common/index.js";

export const executableJar = () =>
  defineBuildpack({
    detect: async (ctx) => {
      const m = await readManifest(ctx.appDir);
      const jre = { name: "jre", metadata: { launch: true, ...(m?.["Build-Jdk-Spec"] ? { version: m["Build-Jdk-Spec"], "version-source": "META-INF/MANIFEST.MF Build-Jdk-Spec" } : {}) } };
      if (m?.["Main-Class"]) return pass({ provides: [{ name: "jvm-application" }], requires: [jre, { name: "jvm-application" }] });
      return pass({ provides: [{ name: "jvm-application" }], requires: [jre, { name: "jvm-application" }, { name: "jvm-application-package" }] });
    },

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const m = await readManifest(ctx.appDir);
      const main = m?.["Main-Class"];
      if (!main) {
        log.process("No Main-Class in META-INF/MANIFEST.MF: not an executable JAR");
        return {};
      }
      const classPath = [ctx.appDir, ...(m["Class-Path"] ?? "").split(/\s+/).filter(Boolean).map((p) => join(ctx.appDir, p))].join(":");
      // Launch only, kept from the previous image while the class path is the same (nothing to re-export).
      const layer = await ctx.layers.cached("classpath", { launch: true, cache: false, metadata: s.object({ classpath: s.string() }), onRestored: (meta) => (meta.classpath === classPath ? "keep" : "rebuild") });
      if (layer.state.kind !== "restored") {
        await layer.writeEnv(layerEnv().override("CLASSPATH", classPath, { scope: "launch" }));
        await layer.write({ classpath: classPath });
      }
      let sbom: ReturnType<typeof sbomFiles> = [];
      if (ctx.env.BP_DISABLE_SBOM !== "true") {
        const components = await jarComponents(ctx.appDir);
        sbom = sbomFiles({ name: "application", timestamp: reproducibleDate(ctx.env.SOURCE_DATE_EPOCH), tool: { name: ctx.buildpack.id, version: ctx.buildpack.version }, components }, ctx.buildpack.sbomFormats);
        log.process(`SBOM: ${components.length} JAR(s) of the app`);
      }
      log.process("Process types:");
      for (const t of ["executable-jar", "task", "web"]) log.subprocess(`${t}: java ${main}`);
      return {
        processes: [
          { type: "executable-jar", command: ["java", main] },
          { type: "task", command: ["java", main] },
          { type: "web", command: ["java", main], default: true },
        ],
        ...(sbom.length ? { sbom: { launch: sbom } } : {}),
      };
    },
  });
