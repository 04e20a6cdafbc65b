// The pure parts of the Java buildpacks: manifests, versions, POMs, artifact globs, Maven
// arguments, layers.idx, Tomcat versions. The builds themselves are exercised by src/e2e/java.test.ts.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../../testing/index.js";
import { pickTomcat } from "../apache-tomcat/buildpack.js";
import { chooseVersion } from "../jvm/buildpack.js";
import { matchArtifacts } from "../maven/artifact.js";
import { splitArgs } from "../maven/buildpack.js";
import { pomJavaVersion } from "../maven/pom.js";
import { parseLayersIdx } from "../spring-boot/buildpack.js";
import { JavaError } from "./errors.js";
import { parseManifest } from "./manifest.js";
import { javaFeature } from "./version.js";

test("manifest: main section, continuation lines, CRLF", () => {
  const m = parseManifest("Manifest-Version: 1.0\r\nMain-Class: org.example.\r\n VeryLongMain\r\nBuild-Jdk-Spec: 17\r\n\r\nName: other\r\nMain-Class: nope\r\n");
  assert.equal(m["Main-Class"], "org.example.VeryLongMain");
  assert.equal(m["Build-Jdk-Spec"], "17");
});

test("Java versions: feature numbers from the ways apps write them", () => {
  for (const [text, v] of [["17", 17], ["21.0.5", 21], ["1.8", 8], ["25.*", 25], ["11+28", 11], ["", undefined], ["latest", undefined]] as const) assert.equal(javaFeature(text), v, text);
});

test("jvm: BP_JVM_VERSION, else the highest entry, else 21; an older ask gets 17; an unknown setting is an error", () => {
  assert.deepEqual(chooseVersion({}, []), { version: 21, source: "the default" });
  assert.deepEqual(chooseVersion({ BP_JVM_VERSION: "17" }, [{ version: "25" }]), { version: 17, source: "BP_JVM_VERSION" });
  assert.equal(chooseVersion({}, [{ version: "17", "version-source": "a" }, { version: "25", "version-source": "b" }]).version, 25);
  assert.equal(chooseVersion({}, [{ version: "1.8", "version-source": "pom.xml maven.compiler.source" }]).version, 17);
  assert.throws(() => chooseVersion({ BP_JVM_VERSION: "11" }, []), (e: unknown) => e instanceof JavaError && e.code === "JAVA_VERSION" && /17, 21, 25/.test(e.message));
  assert.throws(() => chooseVersion({ BP_JVM_VERSION: "newest" }, []), (e: unknown) => e instanceof JavaError && e.code === "JAVA_SETTING");
});

test("pom.xml: maven.compiler.release, then source, then java.version, one property level resolved", () => {
  const pom = (props: string) => `<project><properties>${props}</properties></project>`;
  assert.deepEqual(pomJavaVersion(pom("<maven.compiler.release>21</maven.compiler.release><java.version>17</java.version>")), { version: "21", source: "pom.xml maven.compiler.release" });
  assert.deepEqual(pomJavaVersion(pom("<java.version>17</java.version>")), { version: "17", source: "pom.xml java.version" });
  assert.deepEqual(pomJavaVersion(pom("<jdk>25</jdk><maven.compiler.source>${jdk}</maven.compiler.source>")), { version: "25", source: "pom.xml maven.compiler.source" });
  assert.equal(pomJavaVersion("<project/>"), undefined);
  assert.equal(pomJavaVersion("<project><properties>"), undefined);
});

test("BP_MAVEN_BUILT_ARTIFACT globs: *, ?, [...] within an element; files only", async (t) => {
  const d = tempDir("paketo-artifact-");
  t.after(() => d.cleanup());
  mkdirSync(join(d.path, "target", "classes.jar"), { recursive: true });
  for (const f of ["target/app-1.0.jar", "target/app-1.0.war", "target/app-1.0.pom", "mod/target/m.ear"]) {
    mkdirSync(join(d.path, f, ".."), { recursive: true });
    writeFileSync(join(d.path, f), "");
  }
  assert.deepEqual(await matchArtifacts(d.path, "target/*.[ejw]ar"), ["target/app-1.0.jar", "target/app-1.0.war"]);
  assert.deepEqual(await matchArtifacts(d.path, "target/app-?.?.jar"), ["target/app-1.0.jar"]);
  assert.deepEqual(await matchArtifacts(d.path, "*/target/*.ear"), ["mod/target/m.ear"]);
  assert.deepEqual(await matchArtifacts(d.path, "target/*.zip"), []);
});

test("Maven arguments split on blanks, quotes kept together", () => {
  assert.deepEqual(splitArgs(`-Dmaven.test.skip=true  package "-Dname=a b" '-Dx=y z'`), ["-Dmaven.test.skip=true", "package", "-Dname=a b", "-Dx=y z"]);
});

test("layers.idx: layers in order with their paths, trailing slashes dropped", () => {
  const idx = `- "dependencies":\n  - "BOOT-INF/lib/"\n- "spring-boot-loader":\n  - "org/"\n- "snapshot-dependencies":\n- "application":\n  - "BOOT-INF/classes/"\n  - "META-INF/"\n`;
  assert.deepEqual(parseLayersIdx(idx), [
    { name: "dependencies", paths: ["BOOT-INF/lib"] },
    { name: "spring-boot-loader", paths: ["org"] },
    { name: "snapshot-dependencies", paths: [] },
    { name: "application", paths: ["BOOT-INF/classes", "META-INF"] },
  ]);
});

test("BP_TOMCAT_VERSION: the newest release in a line", () => {
  const versions = ["9.0.100", "9.0.117", "10.1.59", "10.1.9", "11.0.0-M1", "11.0.24"];
  assert.equal(pickTomcat(versions, "9.*"), "9.0.117");
  assert.equal(pickTomcat(versions, "10.1"), "10.1.59");
  assert.equal(pickTomcat(versions, "11"), "11.0.24");
  assert.equal(pickTomcat(versions, "10.1.9"), "10.1.9");
  assert.equal(pickTomcat(versions, "8.5"), undefined);
});
