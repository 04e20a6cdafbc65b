// Paketo's PHP settings, read in one place for the PHP buildpacks: which server, the web dir,
// the app's composer.json.
import { readdir, readFile, stat } from "node:fs/promises";
import { isAbsolute, join, normalize, relative } from "node:path";
import { PhpError } from "./errors.js";

export type PhpServer = "php-server" | "nginx" | "httpd";
type Env = Readonly<Record<string, string>>;

/** BP_PHP_SERVER: `php-server` (the default), `nginx` or `httpd`. */
export function phpServer(env: Env): PhpServer {
  const v = env.BP_PHP_SERVER;
  if (v === undefined || v === "" || v === "php-server") return "php-server";
  if (v === "nginx" || v === "httpd") return v;
  throw new PhpError("PHP_CONFIG", `BP_PHP_SERVER=${v} is not a server paketo runs PHP with`, { hint: "use php-server (the default), nginx or httpd" });
}

/**
 * BP_PHP_WEB_DIR, absolute: the built-in server's document root (default: the app) or the one
 * FPM's web server serves (default `htdocs`). It must stay inside the app.
 */
export function webDir(env: Env, appDir: string, server: PhpServer): string {
  const v = env.BP_PHP_WEB_DIR || (server === "php-server" ? "." : "htdocs");
  const dir = isAbsolute(v) ? normalize(v) : join(appDir, v);
  const rel = relative(appDir, dir);
  if (rel.startsWith("..") || isAbsolute(rel)) throw new PhpError("PHP_CONFIG", `BP_PHP_WEB_DIR=${v} is outside the app`, { hint: "a folder of the app, such as htdocs" });
  return dir;
}

/** COMPOSER: the composer.json path (relative to the app, default composer.json), absolute. */
export function composerJsonPath(env: Env, appDir: string): string {
  const v = env.COMPOSER || "composer.json";
  return isAbsolute(v) ? normalize(v) : join(appDir, v);
}

/** composer.lock beside composer.json (Composer names it after the json file). */
export function composerLockPath(json: string): string {
  return json.replace(/\.json$/, "") + ".lock";
}

export interface ComposerJson {
  require?: Record<string, string>;
  "require-dev"?: Record<string, string>;
  config?: { "vendor-dir"?: string };
  [k: string]: unknown;
}

/** The app's composer.json, parsed; undefined when there is none; one clear error when it is not JSON. */
export async function readComposerJson(path: string, appDir: string): Promise<ComposerJson | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new PhpError("PHP_COMPOSER", `cannot read ${relative(appDir, path)}: ${(e as Error).message}`);
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error("not a JSON object");
    return v as ComposerJson;
  } catch (e) {
    throw new PhpError("PHP_COMPOSER", `${relative(appDir, path)} is not valid JSON: ${(e as Error).message}`, { hint: "fix the file; `composer validate` shows where" });
  }
}

export async function isFile(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isFile(), () => false);
}

export async function isDir(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isDirectory(), () => false);
}

/** Where PHP-FPM listens and its web server sends PHP requests (the run user can write /tmp). */
export const FPM_SOCKET = "/tmp/php-fpm.socket";

/** BP_PHP_ENABLE_HTTPS_REDIRECT (default true): requests a proxy marks `X-Forwarded-Proto: http` get a 301 to https. */
export function httpsRedirect(env: Env): boolean {
  const v = env.BP_PHP_ENABLE_HTTPS_REDIRECT;
  if (v === undefined || v === "" || v === "true") return true;
  if (v === "false") return false;
  throw new PhpError("PHP_CONFIG", `BP_PHP_ENABLE_HTTPS_REDIRECT=${v} is not true or false`);
}

/** The app's snippets in `dir` (.nginx.conf.d, .httpd.conf.d, .php.fpm.d) whose names match, sorted. */
export async function snippets(appDir: string, dir: string, match: RegExp): Promise<string[]> {
  const names = await readdir(join(appDir, dir)).catch(() => [] as string[]);
  return names.filter((n) => match.test(n)).sort().map((n) => join(appDir, dir, n));
}

/** The program `name` on a PATH (a build layer's), or undefined. */
export async function onPath(env: Env, name: string): Promise<string | undefined> {
  for (const d of (env.PATH ?? "").split(":").filter(Boolean)) if (await isFile(join(d, name))) return join(d, name);
  return undefined;
}
