// The package index as pip is configured on this machine, read the way pip reads it: the config
// files in pip's order (global, user, site, then PIP_CONFIG_FILE), `[global]` then `[install]`
// sections, then the PIP_* environment, which wins. Only the index settings are read here. No index
// host is written in the project: when nothing configures one, the platform asks the host's pip
// for its built-in default (pipDefaultIndex) and hands it to buildpacks as PIP_INDEX_URL.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { cacheLayout, paketoCacheRoot } from "../cache-layout.js";
import { PypiError } from "./errors.js";

export type Env = Readonly<Record<string, string | undefined>>;

export interface IndexConfig {
  /** The index's simple API base URL, ending in "/". */
  indexUrl: string;
  extraIndexUrls: string[];
  /** Where the index URL came from: `PIP_INDEX_URL`, a config file path, or `pip's built-in default`. */
  source: string;
}

/** `$PAKETO_CACHE/pypi`, else `${XDG_CACHE_HOME:-~/.cache}/paketo/pypi`. */
export function defaultCacheDir(env: Env, home: string = homedir()): string {
  return cacheLayout(paketoCacheRoot(env, home)).pypi;
}

/**
 * pip's configuration files in the order pip loads them (later wins): global
 * (`$XDG_CONFIG_DIRS/pip/pip.conf`, `/etc/pip.conf`), user (`~/.pip/pip.conf`,
 * `$XDG_CONFIG_HOME/pip/pip.conf`), site (`$VIRTUAL_ENV/pip.conf`), then `PIP_CONFIG_FILE`.
 * `PIP_CONFIG_FILE=os.devnull` turns the files off, as in pip.
 */
export function pipConfigFiles(env: Env, home: string = homedir()): string[] {
  if (env.PIP_CONFIG_FILE === "/dev/null") return [];
  const xdgDirs = (env.XDG_CONFIG_DIRS || "/etc/xdg").split(":").filter(Boolean);
  const files = [...xdgDirs.map((d) => join(d, "pip", "pip.conf")), "/etc/pip.conf"];
  const h = env.HOME || home;
  files.push(join(h, ".pip", "pip.conf"), join(env.XDG_CONFIG_HOME || join(h, ".config"), "pip", "pip.conf"));
  if (env.VIRTUAL_ENV) files.push(join(env.VIRTUAL_ENV, "pip.conf"));
  if (env.PIP_CONFIG_FILE) files.push(env.PIP_CONFIG_FILE);
  return files;
}

/**
 * An INI file as Python's configparser reads pip.conf: `[section]`, `key = value` or `key: value`,
 * `#`/`;` comment lines, and indented continuation lines (pip.conf writes several extra-index-url
 * values that way). Keys are lowercased. Hand-written because no INI reader on npm does
 * continuation lines, and pip's files use them.
 */
export function parsePipConf(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let section: Record<string, string> | undefined;
  let last: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*[#;]/.test(raw) || raw.trim() === "") {
      continue;
    }
    if (/^\s/.test(raw) && section && last !== undefined) {
      section[last] = `${section[last]}\n${raw.trim()}`.trim();
      continue;
    }
    const sec = /^\[([^\]]+)\]\s*$/.exec(raw.trim());
    if (sec) {
      section = out[sec[1]!.trim()] ??= {};
      last = undefined;
      continue;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(raw.trim());
    if (kv && section) {
      last = kv[1]!.toLowerCase().replace(/_/g, "-");
      section[last] = kv[2]!;
    }
  }
  return out;
}

function splitList(v: string): string[] {
  return v.split(/\s+/).filter(Boolean);
}

/** An index URL with one trailing slash; PypiError unless it is http(s) or file. */
export function normaliseIndex(url: string, where: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch (e) {
    throw new PypiError("PYPI_CONFIG", `index URL ${JSON.stringify(url)} (${where}) is not a URL`, { cause: e });
  }
  if (!["https:", "http:", "file:"].includes(u.protocol)) throw new PypiError("PYPI_CONFIG", `index URL ${JSON.stringify(url)} (${where}) is not an http(s) or file URL`);
  return u.toString().replace(/\/*$/, "/");
}

export interface ReadConfigOptions {
  home?: string;
  /** pip's built-in default index, asked only when nothing configures one (pipDefaultIndex). */
  defaultIndex?: () => Promise<string | undefined>;
}

/**
 * The index pip would use here: PIP_INDEX_URL / PIP_EXTRA_INDEX_URL, else `index-url` /
 * `extra-index-url` of the config files (`[install]` over `[global]`, later files over earlier),
 * else `defaultIndex()`. PYPI_CONFIG when none gives one.
 */
export async function readPipConfig(env: Env, o: ReadConfigOptions = {}): Promise<IndexConfig> {
  let index: { url: string; source: string } | undefined;
  let extra: string[] = [];
  for (const f of pipConfigFiles(env, o.home)) {
    const text = await readFile(f, "utf8").catch(() => undefined);
    if (text === undefined) continue;
    const conf = parsePipConf(text);
    for (const sec of ["global", "install"]) {
      const s = conf[sec];
      if (s?.["index-url"]) index = { url: s["index-url"], source: f };
      if (s?.["extra-index-url"]) extra = splitList(s["extra-index-url"]);
    }
  }
  if (env.PIP_INDEX_URL) index = { url: env.PIP_INDEX_URL, source: "PIP_INDEX_URL" };
  if (env.PIP_EXTRA_INDEX_URL) extra = splitList(env.PIP_EXTRA_INDEX_URL);
  if (!index) {
    const d = await o.defaultIndex?.();
    if (d) index = { url: d, source: "pip's built-in default" };
  }
  if (!index) {
    throw new PypiError("PYPI_CONFIG", "no Python package index is configured", {
      hint: "set PIP_INDEX_URL, or index-url in pip.conf (pip config set global.index-url <url>)",
    });
  }
  return { indexUrl: normaliseIndex(index.url, index.source), extraIndexUrls: extra.map((e) => normaliseIndex(e, "extra-index-url")), source: index.source };
}

/**
 * pip's built-in default index, from the pip installed on this machine (`python3 -m pip`): the
 * value pip's own code holds. Undefined when there is no python3 with pip.
 */
export function pipDefaultIndex(env: Env): Promise<string | undefined> {
  const script = "from pip._internal.models.index import PyPI; print(PyPI.simple_url)";
  return new Promise((resolve) => {
    execFile("python3", ["-c", script], { env: { ...env } as NodeJS.ProcessEnv, timeout: 15_000 }, (err, stdout) => resolve(err ? undefined : stdout.trim() || undefined));
  });
}

/**
 * The index settings buildpacks need, as env for the build (`PIP_INDEX_URL`, `PIP_EXTRA_INDEX_URL`,
 * `PIP_TRUSTED_HOST`, `PIP_TIMEOUT` ...): what pip on this machine is configured with, so pip in a
 * build and this source inside it ask the same index. Nothing when no index is configured and no
 * pip answers.
 */
export async function pipSourceEnv(env: Env, o: ReadConfigOptions = {}): Promise<Record<string, string>> {
  const c = await readPipConfig(env, { ...o, defaultIndex: o.defaultIndex ?? (() => pipDefaultIndex(env)) });
  const out: Record<string, string> = { PIP_INDEX_URL: c.indexUrl };
  if (c.extraIndexUrls.length) out.PIP_EXTRA_INDEX_URL = c.extraIndexUrls.join(" ");
  if (env.PIP_TRUSTED_HOST) out.PIP_TRUSTED_HOST = env.PIP_TRUSTED_HOST;
  return out;
}
