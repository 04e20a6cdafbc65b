// Where the npm registry is: never hard-coded. The machine's npm configuration decides, read the
// way npm reads it (env, then user npmrc, then global npmrc); as a last resort `npm config get
// registry` answers with npm's own built-in default. Where there is no npm at all (a buildpack
// under another CNB platform), the default npm had when the buildpack bundle was made.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { NpmError } from "./errors.js";
import { cacheLayout, paketoCacheRoot } from "../cache-layout.js";

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The default cache directory: `$PAKETO_CACHE/npm` when that override is set, else
 * `${XDG_CACHE_HOME:-~/.cache}/paketo/npm`. Takes the environment as an argument.
 */
export function defaultCacheDir(env: Env, home: string = homedir()): string {
  return cacheLayout(paketoCacheRoot(env, home)).npm;
}

export interface RegistryConfig {
  /** The registry base URL, always ending in "/". */
  url: string;
  /** Where it came from: "env npm_config_registry", a file path, or "npm config get registry". */
  source: string;
}

/** A value of npm's environment configuration (`npm_config_x`, any case, as npm accepts). */
function envConfig(env: Env, key: string): string | undefined {
  const want = `npm_config_${key}`;
  for (const [k, v] of Object.entries(env)) if (v && k.toLowerCase() === want) return v;
  return undefined;
}

/** `${VAR}` expansion, as npm does in npmrc values. */
function expand(value: string, env: Env): string {
  return value.replace(/(\\*)\$\{([^}]+)\}/g, (all, esc: string, name: string) =>
    esc.length % 2 ? all.slice((esc.length + 1) / 2) : esc.slice(esc.length / 2) + (env[name] ?? ""),
  );
}

/** The top-level `key=value` of an npmrc (ini) text; sections, comments and quotes handled. */
export function npmrcValue(text: string, key: string, env: Env = {}): string | undefined {
  let found: string | undefined;
  let inSection = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith(";") || line.startsWith("#")) continue;
    if (line.startsWith("[")) {
      inSection = true;
      continue;
    }
    if (inSection) continue;
    const eq = line.indexOf("=");
    if (eq < 0 || line.slice(0, eq).trim() !== key) continue;
    let v = line.slice(eq + 1).trim();
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    found = expand(v, env); // the last one wins, as in ini
  }
  return found;
}

/** The npmrc files npm reads, highest precedence first: user config, then the global ones. */
export function npmrcFiles(env: Env, home: string = homedir()): string[] {
  const user = envConfig(env, "userconfig") ?? join(env["HOME"] || home, ".npmrc");
  const globalConfig = envConfig(env, "globalconfig");
  if (globalConfig) return [user, globalConfig];
  const prefix = envConfig(env, "prefix") ?? env["PREFIX"] ?? dirname(dirname(process.execPath));
  return [...new Set([user, join(prefix, "etc", "npmrc"), "/etc/npmrc"])];
}

function normalise(url: string, source: string): RegistryConfig {
  let u: URL;
  try {
    u = new URL(url);
  } catch (e) {
    throw new NpmError("NPM_CONFIG", `registry ${JSON.stringify(url)} from ${source} is not a URL`, { cause: e });
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") {
    throw new NpmError("NPM_CONFIG", `registry ${JSON.stringify(url)} from ${source} is not an http(s) URL`);
  }
  return { url: u.toString().replace(/\/*$/, "/"), source };
}

export interface RegistryConfigOptions {
  /** Runs `npm config get registry` (injected for tests); undefined when npm is not there. */
  npmConfigGet?: (env: Env) => Promise<string | undefined>;
  /** npm's default registry when nothing else answers (default: the one built into a buildpack bundle). */
  npmDefault?: string;
}

// Set in buildpack bundles by the bundler (esbuild `define`, from npmBuiltInRegistry() when the
// bundles are made); not defined anywhere else, so `typeof` guards it.
declare const PAKETO_NPM_DEFAULT_REGISTRY: string | undefined;

/** The npm default registry built into this bundle, or undefined outside a buildpack bundle. */
export function bundledNpmDefault(): string | undefined {
  return typeof PAKETO_NPM_DEFAULT_REGISTRY === "string" && PAKETO_NPM_DEFAULT_REGISTRY !== "" ? PAKETO_NPM_DEFAULT_REGISTRY : undefined;
}

/**
 * npm's own default registry, whatever this machine configures: `npm config get registry` with
 * no npm_config_* env and no user or global npmrc. Undefined when npm is not there.
 */
export async function npmBuiltInRegistry(env: Env = process.env): Promise<string | undefined> {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !/^npm_config_/i.test(k)) clean[k] = v;
  return new Promise((resolve) => {
    // files that do not exist (npm refuses one file for both)
    const none = join(tmpdir(), `paketo-no-npmrc-${process.pid}`);
    execFile("npm", ["config", "get", "registry", "--userconfig", `${none}-user`, "--globalconfig", `${none}-global`], { env: clean, timeout: 30_000 }, (err, stdout) => {
      const url = stdout?.trim();
      resolve(err || !url || url === "undefined" ? undefined : url);
    });
  });
}

async function npmConfigGetRegistry(env: Env): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile("npm", ["config", "get", "registry"], { env: env as NodeJS.ProcessEnv, timeout: 30_000 }, (err, stdout) =>
      resolve(err ? undefined : stdout.trim() || undefined),
    );
  });
}

/**
 * The registry this machine's npm uses: `npm_config_registry`, else `registry=` in the user npmrc
 * (`$HOME/.npmrc`, or `npm_config_userconfig`), else in the global npmrc (`npm_config_globalconfig`,
 * or `$PREFIX/etc/npmrc` and `/etc/npmrc`), else what `npm config get registry` answers, else npm's
 * default as a buildpack bundle knows it (`opts.npmDefault`, or the one built in).
 */
export async function registryFromConfig(env: Env, home: string = homedir(), opts: RegistryConfigOptions = {}): Promise<RegistryConfig> {
  const fromEnv = envConfig(env, "registry");
  if (fromEnv) return normalise(fromEnv, "env npm_config_registry");
  for (const file of npmrcFiles(env, home)) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch {
      continue;
    }
    const v = npmrcValue(text, "registry", env);
    if (v) return normalise(v, file);
  }
  const fromNpm = await (opts.npmConfigGet ?? npmConfigGetRegistry)({ ...env, HOME: env["HOME"] || home });
  if (fromNpm && fromNpm !== "undefined") return normalise(fromNpm, "npm config get registry");
  const fallback = opts.npmDefault ?? bundledNpmDefault();
  if (fallback) return normalise(fallback, "npm's default registry");
  throw new NpmError("NPM_CONFIG", "no npm registry configured", {
    hint: "set registry= in ~/.npmrc, or npm_config_registry, or pass the registry option",
  });
}
