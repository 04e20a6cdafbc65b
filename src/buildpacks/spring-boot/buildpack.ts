// spring-boot: for an app whose manifest has Spring-Boot-Version, the image gets Boot's labels,
// one layer per layers.idx layer before `application` (dependencies, the loader, snapshot
// dependencies), so a code change re-exports only the application slice, and Spring Cloud
// Bindings (from the configured Maven repository) on the class path unless
// BP_SPRING_CLOUD_BINDINGS_DISABLED. Runs after executable-jar, which made the process.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { defineBuildpack, layerEnv, pass, s } from "../../buildpack-api/index.js";
import type { maven as mavenDeps } from "../../deps/index.js";
import { readManifest } from "../java-common/index.js";
import { copyFile, mkdir, rm, symlink } from "node:fs/promises";

export interface SpringBootDeps {
  maven: Pick<typeof mavenDeps, "MavenSource" | "parseCoordinates">;
}

/** Spring Cloud Bindings for Boot 3 and later. */
const BINDINGS = "org.springframework.cloud:spring-cloud-bindings:2.0.4";

/** layers.idx: `- "name":` then `  - "path"` lines. */
export function parseLayersIdx(text: string): Array<{ name: string; paths: string[] }> {
  const out: Array<{ name: string; paths: string[] }> = [];
  for (const line of text.split("\n")) {
    const layer = /^- "(.+)":\s*$/.exec(line);
    if (layer) {
      out.push({ name: layer[1]!, paths: [] });
      continue;
    }
    const path = /^\s+- "(.+)"\s*$/.exec(line);
    if (path && out.length) out[out.length - 1]!.paths.push(path[1]!.replace(/\/$/, ""));
  }
  return out;
}

export const springBoot = (deps: SpringBootDeps) =>
  defineBuildpack({
    detect: async () => pass({ provides: [{ name: "spring-boot" }], requires: [{ name: "jvm-application" }, { name: "spring-boot" }] }),

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const m = await readManifest(ctx.appDir);
      const version = m?.["Spring-Boot-Version"];
      if (!version) {
        log.process("No Spring-Boot-Version in META-INF/MANIFEST.MF: not a Spring Boot app");
        return {};
      }
      log.process(`Spring Boot ${version}`);
      const labels: Record<string, string> = { "org.springframework.boot.version": version };
      if (m["Implementation-Title"]) labels["org.opencontainers.image.title"] = m["Implementation-Title"];
      if (m["Implementation-Version"]) labels["org.opencontainers.image.version"] = m["Implementation-Version"];

      const idxFile = m["Spring-Boot-Layers-Index"] ?? "BOOT-INF/layers.idx";
      const idx = await readFile(join(ctx.appDir, idxFile), "utf8").then(parseLayersIdx, () => []);
      const slices = idx.filter((l) => l.name !== "application" && l.paths.length > 0).map((l) => ({ paths: l.paths }));
      if (slices.length) log.subprocess(`Slices from ${idxFile}: ${idx.filter((l) => l.name !== "application").map((l) => l.name).join(", ")} (the application slice stays in the app layer)`);

      if (ctx.env.BP_SPRING_CLOUD_BINDINGS_DISABLED === "true" || Number(version.split(".")[0]) < 3) {
        log.process("Spring Cloud Bindings not contributed");
      } else {
        const src = await deps.maven.MavenSource.open({ env: ctx.env, offline: ctx.env.PAKETO_OFFLINE === "true" });
        const art = await src.fetch(deps.maven.parseCoordinates(BINDINGS));
        const layer = await ctx.layers.cached("spring-cloud-bindings", {
          launch: true,
          metadata: s.object({ sha256: s.string() }),
          onRestored: (meta) => (meta.sha256 === art.sha256 ? "keep" : "rebuild"),
        });
        const jar = join(layer.path, "spring-cloud-bindings-2.0.4.jar");
        if (layer.state.kind !== "restored") {
          await mkdir(layer.path, { recursive: true });
          await copyFile(art.path, jar);
          await layer.write({ sha256: art.sha256 });
        }
        // Linked into BOOT-INF/lib, where Boot's launcher loads it beside Spring (not on the JVM's
        // class path, whose loader cannot see Spring's classes). The JVM's launch helper switches
        // the bindings on unless BPL_SPRING_CLOUD_BINDINGS_DISABLED=true at launch.
        const lib = join(ctx.appDir, m["Spring-Boot-Lib"] ?? "BOOT-INF/lib");
        await mkdir(lib, { recursive: true });
        await rm(join(lib, "spring-cloud-bindings-2.0.4.jar"), { force: true });
        await symlink(jar, join(lib, "spring-cloud-bindings-2.0.4.jar"));
        await layer.writeEnv(layerEnv().default("BPI_SPRING_CLOUD_BINDINGS", "true", { scope: "launch" }));
        log.process(`Spring Cloud Bindings 2.0.4 (${art.downloaded ? "downloaded" : "from the download cache"})`);
      }
      return { labels, slices };
    },
  });
