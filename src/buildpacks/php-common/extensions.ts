// PHP extensions as Debian ships them: which are compiled into php8.x-cli/-fpm, which php8.x-common
// carries, and which Debian package carries each of the others (php8.4-mysql has mysqli, mysqlnd
// and pdo_mysql...). Also the extension names an app asks for: `extension=` lines of .php.ini.d/*.ini
// and composer.json's `ext-*` requirements.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ComposerJson } from "./settings.js";

/** Compiled into Debian's PHP binaries: nothing to install or load. */
export const BUILT_IN = new Set(["core", "date", "filter", "hash", "json", "libxml", "openssl", "pcntl", "pcre", "random", "reflection", "session", "sodium", "spl", "standard", "zlib"]);
/** Shared modules in php8.x-common (and the two packages php8.x-cli depends on), always installed. */
export const COMMON = new Set([
  "calendar", "ctype", "exif", "ffi", "fileinfo", "ftp", "gettext", "iconv", "pdo", "phar", "posix", "shmop", "sockets", "sysvmsg", "sysvsem", "sysvshm", "tokenizer", "opcache", "zend opcache", "readline",
]);
/** Extensions whose Debian package is named after another: the package's suffix. */
const PACKAGE_OF: Record<string, string> = {
  mysqli: "mysql", mysqlnd: "mysql", pdo_mysql: "mysql",
  dom: "xml", simplexml: "xml", xmlreader: "xml", xmlwriter: "xml", xsl: "xml",
  pdo_pgsql: "pgsql", pdo_sqlite: "sqlite3", pdo_odbc: "odbc", pdo_dblib: "sybase", pdo_firebird: "interbase",
};

/** `bz2.so`, `php_bz2.dll`, `/x/y/bz2.so`, `bz2` → `bz2`. */
export function extensionName(v: string): string {
  const base = v.trim().replace(/^["']|["']$/g, "").split("/").pop() ?? "";
  return base.replace(/^php_/, "").replace(/\.(so|dll)$/, "").toLowerCase();
}

/** The Debian package carrying an extension for PHP `minor` (8.4); undefined when PHP always has it. */
export function extensionPackage(name: string, minor: string): string | undefined {
  const n = name.toLowerCase();
  if (BUILT_IN.has(n) || COMMON.has(n)) return undefined;
  return `php${minor}-${(PACKAGE_OF[n] ?? n).replace(/_/g, "-")}`;
}

export interface RequestedExtension {
  name: string;
  /** Where the app asks for it: `.php.ini.d/extensions.ini` or `composer.json`. */
  where: string;
  /** True for an `extension=` line the app's ini loads itself. */
  loadedByApp: boolean;
}

/** `extension=` and `zend_extension=` lines of an ini file. */
export function iniExtensions(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:zend_)?extension\s*=\s*("[^"]*"|'[^']*'|[^\s;#]+)/i.exec(line);
    if (m) out.push(extensionName(m[1] as string));
  }
  return out;
}

/** The app's `.php.ini.d/*.ini` files (sorted, as PHP scans them), relative names and text. */
export async function appIniFiles(appDir: string): Promise<Array<{ rel: string; text: string }>> {
  const dir = join(appDir, ".php.ini.d");
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith(".ini")).sort();
  return Promise.all(names.map(async (n) => ({ rel: `.php.ini.d/${n}`, text: await readFile(join(dir, n), "utf8") })));
}

/** Every extension the app asks for, first mention wins. */
export function requestedExtensions(ini: ReadonlyArray<{ rel: string; text: string }>, composer: ComposerJson | undefined, composerRel: string): RequestedExtension[] {
  const out = new Map<string, RequestedExtension>();
  for (const f of ini) for (const name of iniExtensions(f.text)) if (!out.has(name)) out.set(name, { name, where: f.rel, loadedByApp: true });
  for (const key of Object.keys(composer?.require ?? {})) {
    const m = /^ext-(.+)$/i.exec(key);
    const name = m ? extensionName(m[1] as string) : undefined;
    if (name && !out.has(name)) out.set(name, { name, where: composerRel, loadedByApp: false });
  }
  return [...out.values()];
}
