// Where the Go module proxy and the checksum database are: never hard-coded. The go command's own
// configuration decides, read the way it reads it: the environment, then the user's go env file
// (`$GOENV`, else `<config dir>/go/env`), then `$GOROOT/go.env` of the Go installation on PATH,
// where Go 1.21+ keeps its defaults (GOPROXY, GOSUMDB). A bare GOSUMDB name gets its public key
// from the same installation's source (cmd/go/internal/modfetch/key.go), as the go command has it
// compiled in; callers that hand the configuration on (the platform) pass the `name+key` form.
import { execFile } from "node:child_process";
import { readFile, realpath, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { GoProxyError } from "./errors.js";

export type Env = Readonly<Record<string, string | undefined>>;

/** The variables of the go command's configuration that decide where modules come from and how they are checked. */
export const SOURCE_VARIABLES = ["GOPROXY", "GOSUMDB", "GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GONOSUMCHECK", "GOINSECURE", "GOFLAGS", "GOAUTH"] as const;
export type SourceVariable = (typeof SOURCE_VARIABLES)[number];

export interface GoConfig {
  /** The value of each variable that is set anywhere (empty values are dropped, as go does). */
  values: Partial<Record<SourceVariable, string>>;
  /** Where each value came from: "env", a file path. */
  sources: Partial<Record<SourceVariable, string>>;
  /** The Go installation found (GOROOT), if any. */
  goroot: string | undefined;
}

/** `KEY=VALUE` lines of a go env file (`go env -w` writes them; `#` starts a comment line). */
export function parseGoEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

async function readEnvFile(path: string): Promise<Record<string, string> | undefined> {
  try {
    return parseGoEnvFile(await readFile(path, "utf8"));
  } catch {
    return undefined;
  }
}

/** The user's go env file, as `os.UserConfigDir()` finds it; undefined with `GOENV=off`. */
export function userGoEnvFile(env: Env, home: string = homedir()): string | undefined {
  if (env["GOENV"] === "off") return undefined;
  if (env["GOENV"]) return env["GOENV"];
  const config = env["XDG_CONFIG_HOME"] || join(env["HOME"] || home, ".config");
  return join(config, "go", "env");
}

/** GOROOT of the go command on PATH (`$GOROOT` when set). */
export async function findGoroot(env: Env): Promise<string | undefined> {
  if (env["GOROOT"]) return env["GOROOT"];
  for (const dir of (env["PATH"] ?? "").split(":").filter(Boolean)) {
    const go = join(dir, "go");
    const st = await stat(go).catch(() => undefined);
    if (!st?.isFile()) continue;
    const real = await realpath(go).catch(() => go);
    // <GOROOT>/bin/go; Debian's /usr/bin/go links there too (/usr/lib/go-1.24/bin/go)
    return dirname(dirname(real));
  }
  return undefined;
}

export interface ReadGoConfigOptions {
  home?: string;
  /** `go env -json VARS` for an installation without go.env (Go < 1.21); injected for tests. */
  goEnvJson?: (env: Env, vars: readonly string[]) => Promise<Record<string, string> | undefined>;
}

async function runGoEnvJson(env: Env, vars: readonly string[]): Promise<Record<string, string> | undefined> {
  return new Promise((done) =>
    execFile("go", ["env", "-json", ...vars], { env: env as NodeJS.ProcessEnv, timeout: 30_000 }, (err, out) => {
      if (err) return done(undefined);
      try {
        done(JSON.parse(out) as Record<string, string>);
      } catch {
        done(undefined);
      }
    }),
  );
}

/**
 * The go command's configuration of module sources, in its order: the environment, the user's go
 * env file, `$GOROOT/go.env`. With a Go installation that has no go.env (Go < 1.21), what
 * `go env -json` answers fills the gaps.
 */
export async function readGoConfig(env: Env, opts: ReadGoConfigOptions = {}): Promise<GoConfig> {
  const values: GoConfig["values"] = {};
  const sources: GoConfig["sources"] = {};
  const take = (from: Record<string, string | undefined>, source: string) => {
    for (const k of SOURCE_VARIABLES) {
      const v = from[k];
      if (values[k] === undefined && v !== undefined && v !== "") {
        values[k] = v;
        sources[k] = source;
      }
    }
  };
  take(env, "env");
  const user = userGoEnvFile(env, opts.home);
  if (user) {
    const f = await readEnvFile(user);
    if (f) take(f, user);
  }
  const goroot = await findGoroot(env);
  if (goroot) {
    const f = await readEnvFile(join(goroot, "go.env"));
    if (f) take(f, join(goroot, "go.env"));
    else {
      const answered = await (opts.goEnvJson ?? runGoEnvJson)(env, SOURCE_VARIABLES);
      if (answered) take(answered, "go env");
    }
  }
  return { values, sources, goroot };
}

/** One entry of GOPROXY: a proxy URL, or the keywords `direct` / `off`. */
export type ProxyEntry =
  | { kind: "url"; url: string; /** `|` after it: fall back to the next entry on any error, not only 404/410. */ fallbackOnError: boolean }
  | { kind: "direct" }
  | { kind: "off" };

/** GOPROXY as the go command reads it: entries separated by `,` (next on 404/410) or `|` (next on any error). */
export function parseGoProxy(value: string, source = "GOPROXY"): ProxyEntry[] {
  const out: ProxyEntry[] = [];
  const re = /([^,|]*)([,|]?)/g;
  for (let m = re.exec(value); m && m[0] !== ""; m = re.exec(value)) {
    const item = m[1]!.trim();
    const sep = m[2];
    if (item === "") continue;
    if (item === "direct") out.push({ kind: "direct" });
    else if (item === "off") out.push({ kind: "off" });
    else {
      let u: URL;
      try {
        u = new URL(item.includes("://") ? item : `https://${item}`);
      } catch (e) {
        throw new GoProxyError("GOPROXY_CONFIG", `${source}: ${JSON.stringify(item)} is not a URL`, { cause: e });
      }
      if (u.protocol !== "https:" && u.protocol !== "http:" && u.protocol !== "file:") {
        throw new GoProxyError("GOPROXY_CONFIG", `${source}: ${JSON.stringify(item)} is not an http(s) or file URL`);
      }
      out.push({ kind: "url", url: u.toString().replace(/\/+$/, ""), fallbackOnError: sep === "|" });
    }
  }
  return out;
}

/**
 * Does `path` match one of the comma-separated glob patterns (GOPRIVATE, GONOSUMDB, GONOPROXY)?
 * Each pattern is matched, element by element, against a prefix of the path, as the go command's
 * `module.MatchPrefixPatterns` does (`*.corp.example`, `github.com/acme`).
 */
export function matchPrefixPatterns(patterns: string | undefined, path: string): boolean {
  if (!patterns) return false;
  const pathParts = path.split("/");
  for (let pattern of patterns.split(",")) {
    pattern = pattern.trim().replace(/\/+$/, "");
    if (!pattern) continue;
    const parts = pattern.split("/");
    if (parts.length > pathParts.length) continue;
    if (parts.every((p, i) => globMatch(p, pathParts[i]!))) return true;
  }
  return false;
}

/** Go's path.Match: `*` and `?` stay within one `/`-separated element; `[...]` classes, `\` escapes. */
export function pathMatch(pattern: string, name: string): boolean {
  const p = pattern.split("/");
  const n = name.split("/");
  return p.length === n.length && p.every((part, i) => globMatch(part, n[i]!));
}

/** path.Match for one path element: `*`, `?`, `[...]`, `\` escapes. */
function globMatch(pattern: string, s: string): boolean {
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "\\" && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) return false;
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith("^")) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, "\\\\")}]`;
      i = end;
    } else re += c.replace(/[.+(){}|$^]/g, "\\$&");
  }
  try {
    return new RegExp(`${re}$`).test(s);
  } catch {
    return false;
  }
}

/** The module patterns the checksum database is not asked about: GONOSUMDB (or its older name GONOSUMCHECK), else GOPRIVATE. */
export function noSumdbPatterns(values: GoConfig["values"]): string | undefined {
  return values.GONOSUMDB ?? values.GONOSUMCHECK ?? values.GOPRIVATE;
}

/** The module patterns fetched directly, not through the proxy: GONOPROXY, else GOPRIVATE. */
export function noProxyPatterns(values: GoConfig["values"]): string | undefined {
  return values.GONOPROXY ?? values.GOPRIVATE;
}

/** Does GOFLAGS hold `-insecure` (the go command's old switch that also skipped the checksum database)? */
export function insecureFlag(goflags: string | undefined): boolean {
  return (goflags ?? "").split(/\s+/).some((f) => f === "-insecure" || f === "--insecure" || f === "-insecure=true" || f === "--insecure=true");
}

/** A checksum database: its name, its verifier key (`name+hash+base64`) and, when GOSUMDB names one, its own URL. */
export interface SumdbConfig {
  name: string;
  key: string | undefined;
  url: string | undefined;
}

/** GOSUMDB: `off`, `name`, `name+key` or `name+key url`. */
export function parseGoSumdb(value: string | undefined): SumdbConfig | "off" | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const v = value.trim();
  if (v === "off") return "off";
  const [first, url, ...rest] = v.split(/\s+/);
  if (rest.length > 0) throw new GoProxyError("GOPROXY_CONFIG", `GOSUMDB=${JSON.stringify(v)}: expected "name", "name+key" or "name+key url"`);
  const plus = first!.indexOf("+");
  if (plus < 0) return { name: first!, key: undefined, url };
  return { name: first!.slice(0, plus), key: first!, url };
}

/**
 * The public keys of the checksum databases a Go installation knows by name, read from its
 * source (`src/cmd/go/internal/modfetch/key.go`, the `knownGOSUMDB` table).
 */
export async function knownSumdbKeys(goroot: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(join(goroot, "src", "cmd", "go", "internal", "modfetch", "key.go"), "utf8");
  } catch {
    return {};
  }
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/"([^"\s]+)"\s*:\s*"([^"\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+)"/g)) out[m[1]!] = m[2]!;
  return out;
}

/**
 * GOSUMDB in its self-contained `name+key [url]` form: a bare name gets the key the Go
 * installation knows for it. Undefined when GOSUMDB is not set at all.
 */
export async function completeGoSumdb(value: string | undefined, goroot: string | undefined): Promise<string | undefined> {
  const parsed = parseGoSumdb(value);
  if (parsed === undefined || parsed === "off" || parsed.key) return value?.trim();
  const key = goroot ? (await knownSumdbKeys(goroot))[parsed.name] : undefined;
  if (!key) return value?.trim(); // left as is: whoever verifies says the key is unknown
  return parsed.url ? `${key} ${parsed.url}` : key;
}

/**
 * What the platform hands buildpacks (operator env): each module-source variable the host's go
 * configuration sets, GOSUMDB with its key, so that neither our Go source nor the go command in
 * the build needs the host's Go installation.
 */
export async function goSourceEnv(env: Env, opts: ReadGoConfigOptions = {}): Promise<Record<string, string>> {
  const c = await readGoConfig(env, opts);
  const out: Record<string, string> = {};
  for (const k of SOURCE_VARIABLES) {
    const v = c.values[k];
    if (v !== undefined) out[k] = k === "GOSUMDB" ? ((await completeGoSumdb(v, c.goroot)) ?? v) : v;
  }
  return out;
}
