// The whole product on Java apps: `paketo build` with the default builder, the JDK and JRE from
// Debian's packages, Maven and the apps' dependencies from the configured Maven repository, the
// image run by podman with PORT=8080 published, and an HTTP GET. Cases: a Spring Boot app built
// with its mvnw, the same app as a prebuilt (exploded) JAR, a plain Maven app on Java 17 whose
// heap under `podman run --memory 512m` is what the memory calculator printed, a WAR on Tomcat 10.1
// at a context path, and the failures a user meets first (a compile error, no artifact matching BP_MAVEN_BUILT_ARTIFACT).
//
// One build (before) fills a build cache with the JDK 21, the wrapper's Maven and the Spring Boot
// app's dependencies and plugins; every case starts from a hard-linked copy of it, so they run
// concurrently. The plain app takes its plugin versions from the same Boot parent (it has no
// Spring dependency), and the WAR and failure cases build on Java 21, so only the Java 17 case
// installs a JDK; besides it, only the WAR case downloads (the servlet API, the WAR plugin, Tomcat).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cli } from "../platform/creator/testing/e2e.js";
import { appCopy, e2eTemp, Podman } from "./testing/harness.js";

const tmp = e2eTemp("java");
const env = () => ({ ...process.env, PAKETO_STORE: join(tmp.path, "store") });
const c = cli(env);
const podman = new Podman(join(tmp.path, "podman"));
const WARM = join(tmp.path, "warm-cache");
const BOOT = join(tmp.path, "images", "boot");
let bootLog = "";

function cacheCopy(name: string): string {
  mkdirSync(join(tmp.path, "caches"), { recursive: true });
  const dest = join(tmp.path, "caches", name);
  execFileSync("cp", ["-al", WARM, dest]);
  return dest;
}

async function build(name: string, dir: string, extra: string[] = []): Promise<{ code: number | null; stderr: string; layout: string; image: string }> {
  const layout = join(tmp.path, "images", name);
  const r = await c.paketo(["build", `oci:${layout}`, "--path", dir, "--cache-dir", cacheCopy(name), ...extra]);
  return { code: r.code, stderr: r.stderr, layout, image: `oci:${layout}` };
}

before(async () => {
  mkdirSync(join(tmp.path, "images"), { recursive: true });
  const r = await c.paketo(["build", `oci:${BOOT}`, "--path", appCopy("java-maven-boot", join(tmp.path, "warmup")), "--cache-dir", WARM]);
  assert.equal(r.code, 0, r.stderr);
  bootLog = r.stderr;
});
after(() => tmp.cleanup());

describe("Java apps build with the default builder and serve HTTP under podman", { concurrency: 4 }, () => {
  test("a Spring Boot app built with its mvnw: Maven from the configured repository, Java 21 from java.version, Boot's slices", async () => {
    assert.match(bootLog, /Paketo Buildpack for OpenJDK/);
    assert.match(bootLog, /Java 21 \(from pom\.xml java\.version\)/);
    assert.match(bootLog, /Using the app's Maven wrapper \(mvnw\)/);
    assert.match(bootLog, /mvnw: downloading apache-maven-3\.9\.16/);
    assert.match(bootLog, /Restoring application artifact target\/boot-1\.0\.0\.jar/);
    assert.match(bootLog, /Spring Boot 3\.5\.7/);
    assert.match(bootLog, /Slices from BOOT-INF\/layers\.idx: dependencies, spring-boot-loader/);
    assert.match(await podman.serve(`oci:${BOOT}`), /^boot ok java=21$/m);
  });

  test("a prebuilt Spring Boot JAR (exploded): no Maven, the manifest's Main-Class run directly", async () => {
    const dir = join(tmp.path, "prebuilt");
    mkdirSync(dir);
    podman.run(["pull", "-q", `oci:${BOOT}`]);
    const id = podman.run(["create", `oci:${BOOT}`]);
    try {
      podman.run(["cp", `${id}:/workspace/.`, dir]);
    } finally {
      podman.run(["rm", id]);
    }
    rmSync(join(dir, "BOOT-INF", "lib", "spring-cloud-bindings-2.0.4.jar"), { force: true });
    assert.ok(existsSync(join(dir, "META-INF", "MANIFEST.MF")));
    const b = await build("prebuilt", dir);
    assert.equal(b.code, 0, b.stderr);
    assert.doesNotMatch(b.stderr, /Paketo Buildpack for Maven/);
    assert.match(b.stderr, /web: java org\.springframework\.boot\.loader\.launch\.JarLauncher/);
    assert.match(await podman.serve(b.image), /^boot ok java=21$/m);
  });

  test("a plain Maven app on BP_JVM_VERSION=17; under --memory 512m its max heap is what the calculator printed", async () => {
    const b = await build("plain", appCopy("java-maven-plain", join(tmp.path, "plain")), ["--env", "BP_JVM_VERSION=17"]);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stderr, /Java 17 \(from BP_JVM_VERSION\)/);
    assert.match(b.stderr, /Installing Maven 3\.9\.16 \((downloaded|from the download cache), sha512 verified\)/);
    const run = { env: { BPL_JVM_THREAD_COUNT: "50", JAVA_TOOL_OPTIONS: "-XX:MaxMetaspaceSize=64M" }, podmanArgs: ["--memory", "512m"] };
    await podman.with(b.image, run, (ctr) => {
      const logs = podman.logs(ctr.id); // the calculator prints on stdout, before the JVM starts
      const printed = /Calculated JVM Memory Configuration:.* -Xmx(\d+)([MK])/.exec(logs);
      assert.ok(printed, logs);
      const bytes = Number(printed[1]) * (printed[2] === "M" ? 1024 * 1024 : 1024);
      // 512 MiB - 10 direct - 64 metaspace (the user's) - 240 code cache - 50 x 1 MiB stacks
      assert.equal(bytes, 148 * 1024 * 1024);
      assert.match(ctr.body, new RegExp(`^plain ok java=17 MaxHeapSize=${bytes}$`, "m"));
    });
  });

  test("a Maven WAR on BP_TOMCAT_VERSION=10.1 at BP_TOMCAT_CONTEXT_PATH: its jakarta servlet answers; Tomcat is PID 1, no shell, non-root; the SBOM lists Tomcat", async () => {
    const b = await build("war", appCopy("java-maven-war", join(tmp.path, "war")), ["--env", "BP_TOMCAT_VERSION=10.1", "--env", "BP_TOMCAT_CONTEXT_PATH=shop"]);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stderr, /Restoring application artifact target\/webapp-1\.0\.0\.war/);
    const version = /Apache Tomcat (10\.1\.\d+) \(BP_TOMCAT_VERSION 10\.1\)/.exec(b.stderr)?.[1];
    assert.ok(version, b.stderr);
    assert.match(b.stderr, /Deployed the app at \/shop$/m);
    await podman.with(b.image, { path: "/shop/" }, async (ctr) => {
      assert.match(ctr.body, new RegExp(`^war ok context=/shop server=Apache Tomcat/${version.replace(/\./g, "\\.")} java=21$`, "m"));
      assert.equal((await fetch(`${ctr.url}/`, { signal: AbortSignal.timeout(10_000) })).status, 404, "nothing at ROOT");
      const status = podman.run(["exec", ctr.id, "cat", "/proc/1/status"]);
      assert.match(status, /^Name:\s+java$/m); // exec'd by the launcher: no catalina.sh, no shell in between
      assert.doesNotMatch(status, /^Uid:\s+0\s/m);
      const cmdline = podman.run(["exec", ctr.id, "cat", "/proc/1/cmdline"]).split("\0").filter((a) => a !== "");
      assert.equal(cmdline[0], "java"); // found on PATH by the launcher
      assert.deepEqual(cmdline.slice(-2), ["org.apache.catalina.startup.Bootstrap", "start"]);
    });
    const sbomDir = join(tmp.path, "sbom-war");
    await c.ok(["sbom", "download", b.image, "--output-dir", sbomDir]);
    const sbom = readFileSync(join(sbomDir, "layers/sbom/launch/paketo-buildpacks_apache-tomcat/tomcat/sbom.cdx.json"), "utf8");
    assert.match(sbom, new RegExp(`"purl": "pkg:maven/org\\.apache\\.tomcat/tomcat@${version.replace(/\./g, "\\.")}\\?type=tar\\.gz"`));
  });

  test("a compile error: one clear Maven error naming the file, nothing exported", async () => {
    const dir = appCopy("java-maven-plain", join(tmp.path, "broken"));
    const main = join(dir, "src/main/java/example/Main.java");
    writeFileSync(main, readFileSync(main, "utf8").replace("server.start();", "server.start()"));
    const b = await build("broken", dir, ["--env", "BP_JVM_VERSION=21"]);
    assert.notEqual(b.code, 0);
    assert.match(b.stderr, /^ERROR: Maven failed \(exit 1\):\n\[ERROR\] \/workspace\/src\/main\/java\/example\/Main\.java:\[\d+,\d+\] ';' expected$/m);
    assert.ok(!existsSync(b.layout), "no image");
  });

  test("no artifact matching BP_MAVEN_BUILT_ARTIFACT: one clear error listing target/, nothing exported", async () => {
    const b = await build("no-artifact", appCopy("java-maven-plain", join(tmp.path, "no-artifact")), ["--env", "BP_MAVEN_BUILT_ARTIFACT=target/*.war", "--env", "BP_JVM_VERSION=21"]);
    assert.notEqual(b.code, 0);
    assert.match(b.stderr, /^ERROR: no built artifact matches BP_MAVEN_BUILT_ARTIFACT=target\/\*\.war$/m);
    assert.match(b.stderr, /target\/ has: .*plain-1\.0\.0\.jar/);
    assert.ok(!existsSync(b.layout), "no image");
  });
});
