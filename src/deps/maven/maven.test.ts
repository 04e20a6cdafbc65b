// The Maven repository source against a repository served on 127.0.0.1: real HTTP, real
// checksums; configuration from settings.xml files and a super POM inside a jar.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../../testing/index.js";
import { centralFromPom, mirrorFromSettings, mirrorOfMatches, repositoryFromConfig } from "./config.js";
import { MavenRepoError } from "./errors.js";
import { artifactPath, MavenSource, parseCoordinates } from "./source.js";

const sha = (algo: string, b: Buffer | string) => createHash(algo).update(b).digest("hex");

/** A repository of `files` (path → bytes) on 127.0.0.1; counts requests; `auth` demands basic auth. */
async function serve(files: Map<string, Buffer | string>, t: { after: (f: () => unknown) => void }, auth?: string) {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? "");
    if (auth && req.headers.authorization !== `Basic ${Buffer.from(auth).toString("base64")}`) return void res.writeHead(401).end();
    const body = files.get((req.url ?? "").replace(/^\/repo\//, ""));
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  server.unref();
  const timer = setTimeout(() => server.close(), 60_000).unref();
  t.after(() => {
    clearTimeout(timer);
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/repo`, hits };
}

const TOOL = parseCoordinates("org.example:tool:1.2.3:bin@tar.gz");
const BYTES = Buffer.from("pretend this is a tarball\n".repeat(100));

function repoFiles(extra: Record<string, string | Buffer> = {}): Map<string, Buffer | string> {
  const p = artifactPath(TOOL);
  return new Map<string, Buffer | string>([
    [p, BYTES],
    [`${p}.sha512`, `${sha("sha512", BYTES)}  apache-style-name.tar.gz\n`],
    ["org/example/tool/maven-metadata.xml", "<metadata><groupId>org.example</groupId><versioning><versions><version>1.0.0</version><version>1.2.3</version></versions></versioning></metadata>"],
    ...Object.entries(extra),
  ]);
}

test("coordinates: parse, format into a repository path, and refuse malformed ones", () => {
  assert.equal(artifactPath(parseCoordinates("org.apache.maven:apache-maven:3.9.16:bin@tar.gz")), "org/apache/maven/apache-maven/3.9.16/apache-maven-3.9.16-bin.tar.gz");
  assert.equal(artifactPath(parseCoordinates("org.springframework.cloud:spring-cloud-bindings:2.0.4")), "org/springframework/cloud/spring-cloud-bindings/2.0.4/spring-cloud-bindings-2.0.4.jar");
  for (const bad of ["a:b", "a:b:c:d:e", "a/b:c:1", "a:b:../1", "a:b:1@t@u"]) assert.throws(() => parseCoordinates(bad), (e: unknown) => e instanceof MavenRepoError && e.code === "MAVEN_COORDINATES", bad);
});

test("downloads verified against .sha512, then serves from the cache without a request; offline too", async (t) => {
  const repo = await serve(repoFiles(), t);
  const dir = tempDir("paketo-maven-");
  t.after(() => dir.cleanup());
  const open = (offline = false) => MavenSource.open({ env: {}, cacheDir: dir.path, offline, repository: { url: repo.url, from: "test" }, retryDelayMs: 1 });
  const a = await (await open()).fetch(TOOL);
  assert.equal(a.downloaded, true);
  assert.equal(a.algorithm, "sha512");
  assert.equal(a.sha256, sha("sha256", BYTES));
  assert.equal(a.path, join(dir.path, "sha256", a.sha256));
  const n = repo.hits.length;
  const b = await (await open()).fetch(TOOL);
  assert.equal(b.downloaded, false);
  assert.equal(repo.hits.length, n, "no request for a cached artifact");
  assert.deepEqual(await (await open()).versions("org.example", "tool"), ["1.0.0", "1.2.3"]);
  const off = await open(true);
  assert.equal((await off.fetch(TOOL)).sha256, a.sha256);
  assert.deepEqual(await off.versions("org.example", "tool"), ["1.0.0", "1.2.3"]);
  await assert.rejects(off.fetch(parseCoordinates("org.example:other:1.0")), (e: unknown) => e instanceof MavenRepoError && e.code === "MAVEN_OFFLINE");
});

test("falls back to .sha1; a mismatch caches nothing; no checksum at all is refused; 404 is MAVEN_NOT_FOUND", async (t) => {
  const p = artifactPath(TOOL);
  const dir = tempDir("paketo-maven-");
  t.after(() => dir.cleanup());
  const sha1Only = repoFiles();
  sha1Only.delete(`${p}.sha512`);
  sha1Only.set(`${p}.sha1`, sha("sha1", BYTES));
  const r1 = await serve(sha1Only, t);
  const a = await (await MavenSource.open({ env: {}, cacheDir: join(dir.path, "a"), repository: { url: r1.url, from: "test" } })).fetch(TOOL);
  assert.equal(a.algorithm, "sha1");

  const tampered = repoFiles({ [p]: Buffer.concat([BYTES, Buffer.from("x")]) });
  const r2 = await serve(tampered, t);
  const src = await MavenSource.open({ env: {}, cacheDir: join(dir.path, "b"), repository: { url: r2.url, from: "test" }, retries: 0 });
  await assert.rejects(src.fetch(TOOL), (e: unknown) => e instanceof MavenRepoError && e.code === "MAVEN_CHECKSUM" && /does not match/.test(e.message));
  assert.deepEqual(readdirSync(join(dir.path, "b", "sha256")), [], "nothing half-written in the cache");

  const none = repoFiles();
  none.delete(`${p}.sha512`);
  const r3 = await serve(none, t);
  await assert.rejects((await MavenSource.open({ env: {}, cacheDir: join(dir.path, "c"), repository: { url: r3.url, from: "test" } })).fetch(TOOL), (e: unknown) => e instanceof MavenRepoError && e.code === "MAVEN_CHECKSUM");
  await assert.rejects((await MavenSource.open({ env: {}, cacheDir: join(dir.path, "c"), repository: { url: r3.url, from: "test" } })).fetch(parseCoordinates("org.example:gone:1")), (e: unknown) => e instanceof MavenRepoError && e.code === "MAVEN_NOT_FOUND" && /org\.example:gone:1/.test(e.message));
});

test("credentials from the settings.xml server of the mirror are sent", async (t) => {
  const repo = await serve(repoFiles(), t, "me:secret");
  const dir = tempDir("paketo-maven-");
  t.after(() => dir.cleanup());
  const settings = join(dir.path, "settings.xml");
  writeFileSync(settings, `<settings><servers><server><id>corp</id><username>me</username><password>secret</password></server></servers><mirrors><mirror><id>corp</id><mirrorOf>*</mirrorOf><url>${repo.url}/</url></mirror></mirrors></settings>`);
  const src = await MavenSource.open({ env: { HOME: join(dir.path, "nohome"), PATH: "" }, settings: [settings], cacheDir: join(dir.path, "cache") });
  assert.equal(src.repository?.url, repo.url);
  assert.equal((await src.fetch(TOOL)).downloaded, true);
});

test("configuration: explicit env, settings mirrors (user before global), the installed Maven's super POM, else MAVEN_CONFIG", async (t) => {
  assert.equal(mirrorOfMatches("*", "central"), true);
  assert.equal(mirrorOfMatches("external:*", "central", "https://example.org/m2"), true);
  assert.equal(mirrorOfMatches("*,!central", "central"), false);
  assert.equal(mirrorOfMatches("other", "central"), false);
  assert.equal(mirrorFromSettings("<settings><mirrors><mirror><id>x</id><mirrorOf>other</mirrorOf><url>http://127.0.0.1:1/x</url></mirror></mirrors></settings>", "s.xml"), undefined);
  assert.throws(() => mirrorFromSettings("<settings><mirrors>", "bad.xml"), (e: unknown) => e instanceof MavenRepoError && e.code === "MAVEN_CONFIG" && /bad\.xml/.test(e.message));
  assert.equal(centralFromPom("<project><repositories><repository><id>central</id><url>http://127.0.0.1:9/central/</url></repository></repositories></project>"), "http://127.0.0.1:9/central");

  const dir = tempDir("paketo-maven-config-");
  t.after(() => dir.cleanup());
  const home = join(dir.path, "home");
  const mavenHome = join(dir.path, "maven");
  mkdirSync(join(home, ".m2"), { recursive: true });
  mkdirSync(join(mavenHome, "conf"), { recursive: true });
  mkdirSync(join(mavenHome, "lib", "org/apache/maven/model"), { recursive: true });
  const env = { HOME: home, PATH: "" };
  const none = { ...env, MAVEN_HOME: join(dir.path, "nothing") };
  await assert.rejects(repositoryFromConfig(none, { home }), (e: unknown) => e instanceof MavenRepoError && e.code === "MAVEN_CONFIG");

  // The super POM inside a model-builder jar, as a Maven installation has it.
  const pomDir = join(dir.path, "jar");
  mkdirSync(join(pomDir, "org/apache/maven/model"), { recursive: true });
  writeFileSync(join(pomDir, "org/apache/maven/model/pom-4.0.0.xml"), "<project><repositories><repository><id>central</id><url>http://127.0.0.1:9/super</url></repository></repositories></project>");
  execFileSync("python3", ["-c", `import zipfile,sys; z=zipfile.ZipFile(sys.argv[1],'w'); z.write(sys.argv[2]+'/org/apache/maven/model/pom-4.0.0.xml','org/apache/maven/model/pom-4.0.0.xml'); z.close()`, join(mavenHome, "lib", "maven-model-builder-3.9.9.jar"), pomDir]);
  const withMaven = { ...env, MAVEN_HOME: mavenHome };
  assert.deepEqual(await repositoryFromConfig(withMaven, { home }), { url: "http://127.0.0.1:9/super", from: `the super POM of the Maven in ${mavenHome}` });
  writeFileSync(join(mavenHome, "conf", "settings.xml"), "<settings><mirrors><mirror><id>global</id><mirrorOf>central</mirrorOf><url>http://127.0.0.1:9/global</url></mirror></mirrors></settings>");
  assert.equal((await repositoryFromConfig(withMaven, { home })).url, "http://127.0.0.1:9/global");
  writeFileSync(join(home, ".m2", "settings.xml"), "<settings><mirrors><mirror><id>user</id><mirrorOf>*</mirrorOf><url>http://127.0.0.1:9/user</url></mirror></mirrors></settings>");
  assert.equal((await repositoryFromConfig(withMaven, { home })).url, "http://127.0.0.1:9/user");
  const explicit = await repositoryFromConfig({ ...withMaven, PAKETO_MAVEN_REPOSITORY: "http://u:p%40ss@127.0.0.1:9/explicit/" }, { home });
  assert.deepEqual(explicit, { url: "http://127.0.0.1:9/explicit", from: "PAKETO_MAVEN_REPOSITORY", username: "u", password: "p@ss" });
});
