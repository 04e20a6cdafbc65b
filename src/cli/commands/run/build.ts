// `paketo build`: the work, loaded only when the command runs (the spec is ../build.ts).
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { cacheBudget, paketoCacheRoot } from "../../../deps/index.js";
import { PaketoError } from "../../../errors/index.js";
import { createBuildLog } from "../../../lifecycle/index.js";
import { parsePlatformList, transport } from "../../../oci/index.js";
import { buildImage, buildPlatforms, gitCommit, parseBindingArg, parsePullPolicy, requireSignedBuilder, signAndAttest } from "../../../platform/index.js";
import { SignError, type SigningKey } from "../../../sign/index.js";
import { transportOptions } from "../../context.js";
import { signingKey, verifyingKey } from "../../keys.js";
import type { CliContext, Values } from "../../command.js";

/**
 * `NAME=VALUE`, or a bare `NAME` whose value is taken from paketo's own environment (as pack does):
 * a secret passed as `--env NAME` never appears on any command line, paketo's included.
 */
function parseEnv(pairs: string[], where: string, own: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf("=");
    if (i === 0 || (i < 0 && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(p))) throw new PaketoError("CLI_ENV", `${where}: ${JSON.stringify(p)} is not NAME=VALUE or NAME`);
    if (i > 0) {
      out[p.slice(0, i)] = p.slice(i + 1);
      continue;
    }
    const v = own[p];
    if (v === undefined) {
      throw new PaketoError("CLI_ENV", `${where}: ${p} is not set in paketo's environment`, { hint: `export ${p} before running paketo, or write ${p}=VALUE` });
    }
    out[p] = v;
  }
  return out;
}

export async function run(ctx: CliContext, v: Values, [dest]: string[]): Promise<number | void> {
  const network = (v.network as string | undefined) ?? "on";
  if (network !== "on" && network !== "off" && network !== "host") {
    throw new PaketoError("CLI_USAGE", `--network must be on, off or host, not ${JSON.stringify(network)}`, {
      hint: "on: outbound only (the default); off: none; host: this machine's network, its loopback services included",
    });
  }
  const sandbox = (v.sandbox as string | undefined) ?? "bwrap";
  const host = (v["buildpack-host"] as string | undefined) ?? "on";
  if (host !== "on" && host !== "off") throw new PaketoError("CLI_USAGE", `--buildpack-host must be on or off, not ${JSON.stringify(host)}`);
  if (sandbox !== "bwrap" && sandbox !== "none") throw new PaketoError("CLI_USAGE", `--sandbox must be bwrap or none, not ${JSON.stringify(sandbox)}`);
  if (typeof v["cache-dir"] === "string" && typeof v["cache-image"] === "string") {
    throw new PaketoError("CLI_USAGE", "--cache-dir and --cache-image are exclusive: pick one cache");
  }
  const bindings: Record<string, string> = {};
  for (const b of (v.binding as string[] | undefined) ?? []) {
    const { name, dir } = parseBindingArg(b);
    if (name in bindings) throw new PaketoError("CLI_USAGE", `--binding ${name} is given twice`);
    bindings[name] = resolve(ctx.cwd, dir);
  }
  const env: Record<string, string> = {};
  for (const f of (v["env-file"] as string[] | undefined) ?? []) {
    const lines = readFileSync(resolve(ctx.cwd, f), "utf8").split("\n").filter((l) => l.trim() && !l.startsWith("#"));
    Object.assign(env, parseEnv(lines, f, ctx.env));
  }
  Object.assign(env, parseEnv((v.env as string[] | undefined) ?? [], "--env", ctx.env));
  // Keys are read (and the password checked) before anything is built.
  let key: SigningKey | undefined;
  const destName = transport.parseImageName(dest as string);
  if (v.sign === true) {
    if (destName.transport !== "docker" && destName.transport !== "oci") {
      throw new SignError("SIGN_TRANSPORT", `--sign: ${dest} is in the local store; signatures are stored beside images in a registry or an OCI layout`, {
        hint: "build to docker://HOST/REPO:TAG or oci:DIR:TAG",
      });
    }
    key = await signingKey(ctx, v, "--sign");
  } else if (typeof v.key === "string" && v["require-signed-builder"] !== true) {
    throw new PaketoError("CLI_USAGE", "--key is for --sign or --require-signed-builder");
  }
  if (v["require-signed-builder"] === true) {
    if (typeof v.builder !== "string") {
      throw new SignError("SIGN_UNSIGNED", "--require-signed-builder needs --builder naming a signed builder in a registry or an OCI layout", {
        hint: "the default builder is assembled on this machine and carries no signature",
      });
    }
    const checked = await requireSignedBuilder(v.builder, typeof v["run-image"] === "string" ? v["run-image"] : undefined, await verifyingKey(ctx, v, "--require-signed-builder"), transportOptions(ctx, v));
    ctx.reporter.info(`Signatures verified: ${checked.join(", ")}`);
  }
  const budget = cacheBudget(ctx.env);
  const log = createBuildLog({ sink: (s) => ctx.reporter.write(s), verbose: v.verbose === true });
  const started = Date.now();
  const platforms = typeof v.platform === "string" ? parsePlatformList(v.platform) : undefined;
  const options: Parameters<typeof buildImage>[0] = {
    dest: dest as string,
    appDir: resolve(ctx.cwd, (v.path as string | undefined) ?? "."),
    ...(typeof v.builder === "string" ? { builder: v.builder } : {}),
    buildpacks: (v.buildpack as string[] | undefined) ?? [],
    cwd: ctx.cwd,
    ...(typeof v.descriptor === "string" ? { descriptor: resolve(ctx.cwd, v.descriptor) } : {}),
    bindings,
    ...(typeof v["pull-policy"] === "string" ? { pullPolicy: parsePullPolicy(v["pull-policy"]) } : {}),
    ...(typeof v["run-image"] === "string" ? { runImage: v["run-image"] } : {}),
    env,
    network,
    sandbox,
    cacheRoot: paketoCacheRoot(ctx.env),
    ...(budget !== undefined ? { cacheBudget: budget } : {}),
    hostEnv: ctx.env,
    transport: transportOptions(ctx, v),
    log,
    onProgress: (e) => ctx.reporter.progress(e),
    ...(typeof v["cache-dir"] === "string" ? { cacheDir: resolve(ctx.cwd, v["cache-dir"]) } : {}),
    ...(typeof v["cache-image"] === "string" ? { cacheImage: v["cache-image"] } : {}),
    clearCache: v["clear-cache"] === true,
    settle: v.settle === true,
    buildpackHost: host === "on",
    ...(platforms?.length === 1 ? { platform: platforms[0]! } : {}),
  };
  if (platforms && platforms.length > 1) {
    if (key) throw new PaketoError("CLI_USAGE", "--sign signs one image; with several --platform values the result is an image index", { hint: "build, then sign each platform's image with paketo sign" });
    const all = await buildPlatforms(options, platforms);
    if (v.timings) for (const l of log.summary()) ctx.stderr.write(`${l}\n`);
    const seconds = (Date.now() - started) / 1000;
    ctx.reporter.info(`Built ${dest} for ${platforms.length} platforms, one image index, in ${seconds.toFixed(1)} s`);
    if (v.json) {
      const images = all.builds.map((b) => ({ platform: `${b.platform.os}/${b.platform.architecture}`, digest: b.outcome.digest, layers: b.outcome.stats }));
      ctx.stdout.write(`${JSON.stringify({ image: dest, digest: all.digest, seconds, images })}\n`);
    } else ctx.stdout.write(`${all.digest}\n`);
    return;
  }
  const out = await buildImage(options);
  if (key) {
    const appDir = resolve(ctx.cwd, (v.path as string | undefined) ?? ".");
    const commit = await gitCommit(appDir);
    const signed = await signAndAttest(destName, key, transportOptions(ctx, v), {
      builder: out.inputs.builder,
      source: { sha256: out.inputs.appDigest, ...(commit ? { gitCommit: commit } : {}) },
      envNames: out.inputs.envNames,
    });
    if (signed.noSbom) ctx.reporter.info(`warning: no SBOM attested: ${signed.noSbom}`);
    ctx.reporter.info(`Signed ${dest} (${signed.signature.tag}) and attested its ${signed.attestations.length === 3 ? "SBOM and provenance" : "provenance"}`);
  }
  if (v.timings) for (const l of log.summary()) ctx.stderr.write(`${l}\n`);
  const seconds = (Date.now() - started) / 1000;
  ctx.reporter.info(`Built ${dest} in ${seconds.toFixed(1)} s (${out.stats.created} layers created, ${out.stats.reused} reused)`);
  if (v.json) {
    // One JSON document on stdout for machines; the build log stays on stderr.
    const timings = Object.fromEntries(log.timings().map((t) => [t.label, Math.round(t.ms)]));
    ctx.stdout.write(`${JSON.stringify({ image: dest, digest: out.digest, seconds, layers: out.stats, restored: out.restored, timings })}\n`);
  } else ctx.stdout.write(`${out.digest}\n`);
}
