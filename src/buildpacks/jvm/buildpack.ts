// jvm: OpenJDK from Debian's packages (ARCHITECTURE.md D10) as Paketo's JVM buildpacks provide
// it: a JDK for the build (`jdk` plan entry: a cached build layer) and a JRE for launch (`jre`
// entry: a launch layer; BP_JVM_TYPE=JDK puts a JDK there), each self-contained: the /etc
// targets of the JVM's conf/ and lib/security/ links are in the layer and its own `cacerts` is
// made from the build image's CA bundle plus ca-certificates bindings. At launch an exec.d
// helper (C, compiled here with the build image's gcc) sizes the JVM to the container.
import { createHash } from "node:crypto";
import { chmod, lstat, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { type BuildContext, defineBuildpack, layerEnv, pass, s } from "../../buildpack-api/index.js";
import type { installDebianPackages } from "../../buildpack-api/debian/index.js";
import { DEFAULT_JVM_VERSION, JavaError, javaFeature, JVM_VERSIONS } from "../java-common/index.js";

export interface JvmDeps {
  install: typeof installDebianPackages;
}

const ENTRY = s.object({
  version: s.optional(s.string()),
  "version-source": s.optional(s.string()),
  build: s.optional(s.boolean()),
  launch: s.optional(s.boolean()),
});

/** Dependencies only Debian's maintainer scripts (debconf, PAM, util-linux) or desktop integration need. */
const EXCLUDE = [
  "ca-certificates-java", "java-common", "adduser", "debconf", "cdebconf", "util-linux", "libpam-runtime", "libpam-modules", "libpam-modules-bin",
  // sound and smart cards: a headless JRE loads them only when an app asks, and they pull much in
  "libasound2", "libasound2t64", "libpcsclite1", "libcups2", "libcups2t64", "libavahi-client3", "libavahi-common3",
];
/** The JVM's own classes, for the memory calculator's metaspace estimate (a headless JRE loads from ~27,000). */
const JVM_CLASS_COUNT = "27000";
/** The C flags of the launch helper: the launcher's (static, small, warnings are errors). */
const HELPER_CFLAGS = ["-std=c11", "-static", "-Os", "-s", "-Wall", "-Wextra", "-Werror"];

interface Wanted {
  version: number;
  source: string;
}

/** BP_JVM_VERSION, else the highest version a plan entry asks for, else 21. */
export function chooseVersion(env: Readonly<Record<string, string>>, entries: ReadonlyArray<{ version?: string | undefined; "version-source"?: string | undefined }>): Wanted {
  const setting = env.BP_JVM_VERSION?.trim();
  let wanted: Wanted = { version: DEFAULT_JVM_VERSION, source: "the default" };
  if (setting) {
    const v = javaFeature(setting);
    if (v === undefined) throw new JavaError("JAVA_SETTING", `BP_JVM_VERSION=${setting} is not a Java version`, { hint: `use one of ${JVM_VERSIONS.join(", ")}` });
    wanted = { version: v, source: "BP_JVM_VERSION" };
  } else {
    for (const e of entries) {
      const v = javaFeature(e.version);
      if (v !== undefined && (wanted.source === "the default" || v > wanted.version)) wanted = { version: v, source: e["version-source"] ?? "a plan entry" };
    }
  }
  if ((JVM_VERSIONS as readonly number[]).includes(wanted.version)) return wanted;
  const newer = JVM_VERSIONS.find((v) => v > wanted.version);
  if (newer !== undefined && wanted.source !== "BP_JVM_VERSION") return { version: newer, source: `${wanted.source} asks for ${wanted.version}; the nearest newer available` };
  throw new JavaError("JAVA_VERSION", `no Java ${wanted.version} (${wanted.source}): the JVMs available are ${JVM_VERSIONS.join(", ")}`, {
    hint: "set BP_JVM_VERSION to one of them",
  });
}

export const jvm = (deps: JvmDeps) =>
  defineBuildpack({
    detect: async () => pass({ provides: [{ name: "jdk" }, { name: "jre" }], or: [{ provides: [{ name: "jdk" }] }, { provides: [{ name: "jre" }] }] }),

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const jdk = ctx.plan.select("jdk", ENTRY).map((e) => e.metadata);
      const jre = ctx.plan.select("jre", ENTRY).map((e) => e.metadata);
      const wanted = chooseVersion(ctx.env, [...jdk, ...jre]);
      const type = (ctx.env.BP_JVM_TYPE || "JRE").toUpperCase();
      if (type !== "JRE" && type !== "JDK") throw new JavaError("JAVA_SETTING", `BP_JVM_TYPE=${ctx.env.BP_JVM_TYPE} is neither JRE nor JDK`);
      log.process(`Java ${wanted.version} (from ${wanted.source})`);
      const v = wanted.version;
      const suite = v === 17 ? "bookworm" : undefined;
      const home = `usr/lib/jvm/java-${v}-openjdk-${ctx.target.arch}`;
      const imageTrust = await trustBundle(ctx);
      // A build-only JDK also trusts what this machine trusts (the platform's SSL_CERT_FILE: a
      // TLS-inspecting proxy's CA, say); nothing of that reaches a launch layer.
      const buildTrust = `${imageTrust}\n${ctx.env.SSL_CERT_FILE ? await readFile(ctx.env.SSL_CERT_FILE, "utf8").catch(() => "") : ""}`;

      const install = async (layer: string, pkg: string, scope: { build: boolean; launch: boolean }, tools: readonly string[]) => {
        const links = Object.fromEntries(tools.map((t) => [`usr/bin/${t}`, `../lib/jvm/java-${v}-openjdk-${ctx.target.arch}/bin/${t}`]));
        const l = await deps.install(ctx, {
          layer,
          ...scope,
          packages: [{ name: pkg, source: wanted.source, ...(suite ? { suite } : {}) }],
          exclude: EXCLUDE,
          excludePaths: [`${home}/lib/src.zip`, `${home}/man/**`, `${home}/demo/**`],
          links,
          env: (env, { path }) => env.override("JAVA_HOME", join(path, home), { scope: scope.build && scope.launch ? "all" : scope.build ? "build" : "launch" }),
        });
        await writeCacerts(ctx, join(l.path, home), scope.launch ? imageTrust : buildTrust);
        return l;
      };

      if (jdk.length > 0) {
        log.process(`Contributing JDK ${v} for the build`);
        await install("jdk", `openjdk-${v}-jdk-headless`, { build: true, launch: false }, ["java", "javac", "jar", "keytool"]);
      }
      const launch = jre.some((e) => e.launch === true);
      if (launch || jre.some((e) => e.build === true)) {
        log.process(`Contributing ${type} ${v} for launch`);
        const pkg = type === "JDK" ? `openjdk-${v}-jdk-headless` : `openjdk-${v}-jre-headless`;
        await install("jre", pkg, { build: jre.some((e) => e.build === true), launch }, ["java", "keytool"]);
        if (launch) await contributeHelper(ctx);
      }
      return {};
    },
  });

/** The build image's CA bundle plus the certificates of `ca-certificates` bindings. */
async function trustBundle(ctx: BuildContext<unknown, unknown>): Promise<string> {
  let pem = await readFile("/etc/ssl/certs/ca-certificates.crt", "utf8").catch(() => "");
  for (const b of ctx.platform.bindings.filter((b) => b.type === "ca-certificates")) {
    for (const text of Object.values(b.entries)) if (text.includes("-----BEGIN CERTIFICATE-----")) pem += `\n${text}\n`;
  }
  return pem;
}

/**
 * The JVM's `lib/security/cacerts` (a link to /etc/ssl/certs/java/cacerts, which Debian's
 * ca-certificates-java script makes) as a file in the layer: a PKCS#12 trust store with every
 * certificate of the bundle as a trusted entry (openssl's -jdktrust, what Java reads); its
 * integrity is the layer's (no MAC, as the JDK's own). Kept while
 * the bundle is the same.
 */
async function writeCacerts(ctx: BuildContext<unknown, unknown>, javaHome: string, pem: string): Promise<void> {
  const target = join(javaHome, "lib", "security", "cacerts");
  const keyFile = join(javaHome, "lib", "security", ".cacerts.sha256");
  const key = createHash("sha256").update(pem).digest("hex");
  if ((await readFile(keyFile, "utf8").catch(() => "")) === key && (await lstat(target).then((s) => s.isFile(), () => false))) return;
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new JavaError("JAVA_CACERTS", "the build image has no CA bundle (/etc/ssl/certs/ca-certificates.crt) to make the JVM's cacerts from");
  const tmp = await mkdtemp(join(javaHome, "lib", "security", ".cacerts-"));
  try {
    await writeFile(join(tmp, "bundle.pem"), pem);
    // Certificates neither encrypted nor MACed, as the JDK's own cacerts: the JVM opens its default trust store without a password.
    const r = await run(["openssl", "pkcs12", "-export", "-nokeys", "-in", join(tmp, "bundle.pem"), "-jdktrust", "anyExtendedKeyUsage", "-certpbe", "NONE", "-nomac", "-passout", "pass:", "-out", join(tmp, "cacerts")], ctx.env);
    if (r.code !== 0) throw new JavaError("JAVA_CACERTS", `openssl could not make the JVM's cacerts: ${r.output.trim().split("\n").slice(-3).join(" ")}`, { hint: "the build image needs OpenSSL 3.2 or later (-jdktrust)" });
    await rm(target, { force: true });
    await chmod(join(tmp, "cacerts"), 0o644); // openssl writes 0600; the run user is not the build user
    await rename(join(tmp, "cacerts"), target);
    await writeFile(keyFile, key);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  ctx.logger.subprocess(`cacerts: ${(pem.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length} certificates`);
}

/** The memory calculator: compiled once per source and compiler, kept in a cached launch layer. */
async function contributeHelper(ctx: BuildContext<unknown, unknown>): Promise<void> {
  const source = await readFile(join(ctx.buildpack.dir, "assets", "memory-calculator.c"));
  const cc = await run(["gcc", "--version"], ctx.env);
  if (cc.code !== 0) throw new JavaError("JAVA_HELPER", "the build image has no gcc to compile the JVM's launch helper", { hint: "use a build image with gcc (paketo's default has it)" });
  const key = createHash("sha256").update(JSON.stringify([HELPER_CFLAGS, cc.output.split("\n")[0]])).update(source).digest("hex");
  const layer = await ctx.layers.cached("helper", { launch: true, metadata: s.object({ key: s.string() }), onRestored: (m) => (m.key === key ? "keep" : { rebuild: "the helper's source or the compiler changed" }) });
  if (layer.state.kind !== "restored") {
    ctx.logger.process("Compiling the JVM launch helper (memory calculator)");
    const tmp = await mkdtemp(join(layer.path, ".build-"));
    try {
      await writeFile(join(tmp, "memory-calculator.c"), source);
      const r = await run(["gcc", ...HELPER_CFLAGS, "-o", join(tmp, "memory-calculator"), join(tmp, "memory-calculator.c")], ctx.env);
      if (r.code !== 0) throw new JavaError("JAVA_HELPER", `gcc failed on the memory calculator: ${r.output.trim().split("\n").slice(-5).join("\n")}`);
      await layer.writeExecD([{ name: "memory-calculator", content: await readFile(join(tmp, "memory-calculator")) }]);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    await layer.write({ key });
  } else {
    ctx.logger.process("Reusing the JVM launch helper");
  }
  await layer.writeEnv(layerEnv().default("BPI_JVM_CLASS_COUNT", JVM_CLASS_COUNT, { scope: "launch" }).default("BPI_APPLICATION_PATH", ctx.appDir, { scope: "launch" }));
}

function run(argv: readonly string[], env: Readonly<Record<string, string>>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    child.on("error", (e) => resolve({ code: -1, output: e.message }));
    child.on("close", (code) => resolve({ code, output }));
  });
}
