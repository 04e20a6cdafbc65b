// The operator env a build gives buildpacks (`<build-config>/env`, CNB-9, CNB-68): the builder's own
// settings, plus what buildpacks need to reach verified dependency sources (src/buildpacks/README.md):
// the shared download caches, the registry from the user's npm configuration, the module sources of
// the host's go configuration, the Maven repository of the host's Maven configuration, offline mode, and the certificate authorities this machine trusts. All of it is build-time only; nothing reaches the image.
import { execFile } from "node:child_process";
import { cp, mkdir, readFile, realpath, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { exists, writeFileAtomic } from "../../fs/index.js";
import { type CacheLayout, go, maven, npm, pypi } from "../../deps/index.js";

/** Where the machine-wide npm download cache is bound in the sandbox (src/buildpacks/README.md). */
export const SANDBOX_NPM_CACHE = "/var/cache/paketo/npm";
/** Where the machine-wide Go download cache is bound in the sandbox. */
export const SANDBOX_GO_CACHE = "/var/cache/paketo/go";
/** Where the machine-wide Python index cache is bound in the sandbox. */
export const SANDBOX_PYPI_CACHE = "/var/cache/paketo/pypi";
/** Where the machine-wide Maven download cache is bound in the sandbox. */
export const SANDBOX_MAVEN_CACHE = "/var/cache/paketo/maven";

type HostEnv = Readonly<Record<string, string | undefined>>;

/**
 * The dependency-source env files, `.default` so a user's `--env npm_config_registry=...` still
 * wins. Given as operator env because the lifecycle's own env is filtered (CNB-9).
 */
export async function dependencySourcesEnv(o: { sandbox: "bwrap" | "none"; network: boolean; cache: CacheLayout; hostEnv: HostEnv }): Promise<Record<string, string>> {
  const files: Record<string, string> = {
    "PAKETO_CACHE.default": o.sandbox === "bwrap" ? dirname(SANDBOX_NPM_CACHE) : o.cache.root,
  };
  if (!o.network) files["PAKETO_OFFLINE.override"] = "true";
  try {
    files["npm_config_registry.default"] = (await npm.registryFromConfig(o.hostEnv, undefined, { npmConfigGet: npmDefaultRegistry(o.cache) })).url;
  } catch {
    // No npm configuration and no npm: buildpacks that need the registry say so themselves.
  }
  // GOPROXY, GOSUMDB (with its key), GONOSUMDB, GOPRIVATE, GOFLAGS... as the host's go configuration sets them.
  for (const [k, v] of Object.entries(await go.goSourceEnv(o.hostEnv).catch(() => ({})))) files[`${k}.default`] = v;
  // PIP_INDEX_URL (and extra indexes) as the host's pip configuration sets them, else pip's built-in default.
  const pipEnv = await pypi.pipSourceEnv(o.hostEnv, { defaultIndex: pipDefaultIndex(o.cache, o.hostEnv) }).catch(() => ({}));
  for (const [k, v] of Object.entries(pipEnv)) files[`${k}.default`] = v;
  // The Maven repository the host's Maven configuration names (settings.xml mirror, else its super POM's central).
  try {
    const repo = await maven.repositoryFromConfig(o.hostEnv);
    const u = new URL(repo.url);
    if (repo.username !== undefined) u.username = encodeURIComponent(repo.username);
    if (repo.password !== undefined) u.password = encodeURIComponent(repo.password);
    files[`${maven.REPOSITORY_ENV}.default`] = u.toString();
  } catch {
    // No Maven configuration on this machine: the Java buildpacks say so when they need one.
  }
  // Where cargo takes crates from, as the host's env configures it (registries, source replacement, proxies).
  for (const [k, v] of Object.entries(o.hostEnv)) {
    if (v !== undefined && /^CARGO_(REGISTRIES|REGISTRY|SOURCE|NET|HTTP)_[A-Z0-9_]+$/.test(k)) files[`${k}.default`] = v;
  }
  return files;
}

/**
 * The certificate authorities this machine trusts, for buildpacks' downloads: the build image's
 * bundle plus the host's system bundle and the files NODE_EXTRA_CA_CERTS and SSL_CERT_FILE name,
 * so a build behind a TLS-inspecting proxy reaches the registries the host reaches. Returns the
 * env files that point buildpacks at it (`sandboxDir` is where they see `buildConfigDir`).
 */
export async function writeHostTrust(buildConfigDir: string, rootfs: string, sandboxDir: string, hostEnv: HostEnv): Promise<Record<string, string>> {
  const sources = [join(rootfs, "etc/ssl/certs/ca-certificates.crt"), "/etc/ssl/certs/ca-certificates.crt", hostEnv.NODE_EXTRA_CA_CERTS, hostEnv.SSL_CERT_FILE];
  const seen = new Set<string>();
  const blocks: string[] = [];
  for (const f of sources) {
    if (!f) continue;
    const text = await readFile(f, "utf8").catch(() => "");
    for (const m of text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)) {
      const pem = m[0].replace(/\r/g, "");
      if (!seen.has(pem)) {
        seen.add(pem);
        blocks.push(pem);
      }
    }
  }
  if (blocks.length === 0) return {};
  await mkdir(buildConfigDir, { recursive: true });
  await writeFile(join(buildConfigDir, "ca-certificates.crt"), `${blocks.join("\n")}\n`);
  const path = `${sandboxDir}/ca-certificates.crt`;
  return { "NODE_EXTRA_CA_CERTS.default": path, "SSL_CERT_FILE.default": path, "PIP_CERT.default": path };
}

/**
 * `npm config get registry` (npm's own default, asked only when no npmrc or env names a registry),
 * remembered per npm installation: starting npm costs 0.3 s, a warm rebuild's budget is 2 s.
 */
function npmDefaultRegistry(cache: CacheLayout): (env: npm.Env) => Promise<string | undefined> {
  return async (env) => {
    const dirs = (env.PATH ?? "").split(":").filter(Boolean);
    let id: string | undefined;
    for (const d of dirs) {
      const st = await stat(join(d, "npm")).catch(() => undefined);
      if (st?.isFile()) {
        id = `${await realpath(join(d, "npm"))}:${st.mtimeMs}`;
        break;
      }
    }
    if (id === undefined) return undefined;
    const file = join(cache.npm, "default-registry.json");
    const saved = await readFile(file, "utf8").then((t) => JSON.parse(t) as { id: string; url: string }, () => undefined);
    if (saved?.id === id) return saved.url;
    const url = await new Promise<string | undefined>((done) =>
      execFile("npm", ["config", "get", "registry"], { env: env as NodeJS.ProcessEnv, timeout: 30_000 }, (err, out) => done(err ? undefined : out.trim() || undefined)),
    );
    if (url) {
      await mkdir(dirname(file), { recursive: true });
      await writeFileAtomic(file, JSON.stringify({ id, url }));
    }
    return url;
  };
}

/**
 * pip's built-in default index (asked only when no pip configuration names one), remembered per
 * python3 installation: starting Python costs 0.2 s.
 */
function pipDefaultIndex(cache: CacheLayout, env: HostEnv): () => Promise<string | undefined> {
  return async () => {
    let id: string | undefined;
    for (const d of (env.PATH ?? "").split(":").filter(Boolean)) {
      const st = await stat(join(d, "python3")).catch(() => undefined);
      if (st?.isFile()) {
        id = `${await realpath(join(d, "python3"))}:${st.mtimeMs}`;
        break;
      }
    }
    if (id === undefined) return undefined;
    const file = join(cache.pypi, "default-index.json");
    const saved = await readFile(file, "utf8").then((t) => JSON.parse(t) as { id: string; url: string }, () => undefined);
    if (saved?.id === id) return saved.url;
    const url = await pypi.pipDefaultIndex(env);
    if (url) {
      await mkdir(dirname(file), { recursive: true });
      await writeFileAtomic(file, JSON.stringify({ id, url }));
    }
    return url;
  };
}

/** The builder's operator env (`/cnb/build-config` in its rootfs) plus paketo's `files` (name.suffix → value). */
export async function writeBuildConfig(dir: string, rootfs: string, files: Record<string, string>): Promise<void> {
  const fromBuilder = join(rootfs, "cnb", "build-config");
  if (await exists(fromBuilder)) await cp(fromBuilder, dir, { recursive: true, verbatimSymlinks: true });
  await mkdir(join(dir, "env"), { recursive: true });
  for (const [name, value] of Object.entries(files)) {
    const variable = name.slice(0, name.indexOf("."));
    // The builder's own setting for a variable wins over paketo's default for it.
    if (!(await exists(join(dir, "env", variable))) && !(await exists(join(dir, "env", `${variable}.override`)))) {
      await writeFile(join(dir, "env", name), value);
    }
  }
}
