// Where the archive is: the machine's apt sources (one-line `sources.list` and deb822 `.sources`),
// or an explicit mirror. paketo never hard-codes a mirror.
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { DepsError } from "../errors.js";
import { parseDeb822 } from "./deb822.js";

export interface AptSource {
  types: string[];
  uris: string[];
  suites: string[];
  components: string[];
  signedBy?: string;
  architectures?: string[];
  /** The file it came from, for messages. */
  file: string;
}

/** Base URLs of a Debian archive and its security archive (for `*-security` suites). */
export interface Mirrors {
  archive: string;
  security?: string;
}

/** Reads `<root>/etc/apt/sources.list` and `<root>/etc/apt/sources.list.d/*.{list,sources}`. */
export async function readAptSources(root = "/"): Promise<AptSource[]> {
  const out: AptSource[] = [];
  const main = join(root, "etc/apt/sources.list");
  out.push(...parseSourcesList(await readOptional(main), main));
  const dir = join(root, "etc/apt/sources.list.d");
  let names: string[] = [];
  try {
    names = (await readdir(dir)).sort();
  } catch {
    // no sources.list.d: fine
  }
  for (const n of names) {
    const p = join(dir, n);
    if (n.endsWith(".list")) out.push(...parseSourcesList(await readOptional(p), p));
    else if (n.endsWith(".sources")) out.push(...parseDeb822Sources(await readOptional(p), p));
  }
  return out;
}

async function readOptional(p: string): Promise<string> {
  try {
    return await readFile(p, "utf8");
  } catch {
    return "";
  }
}

/** One-line style: `deb [arch=amd64 signed-by=/k.gpg] URI SUITE COMPONENT...`. */
export function parseSourcesList(text: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    if (!line) continue;
    const m = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)(.*)$/.exec(line);
    if (!m) continue;
    const src: AptSource = {
      types: [m[1]!],
      uris: [m[3]!],
      suites: [m[4]!],
      components: m[5]!.trim().split(/\s+/).filter(Boolean),
      file,
    };
    for (const opt of (m[2] ?? "").trim().split(/\s+/).filter(Boolean)) {
      const [k, v = ""] = opt.split("=", 2);
      if (k === "signed-by") src.signedBy = v;
      if (k === "arch") src.architectures = v.split(",");
    }
    out.push(src);
  }
  return out;
}

/** deb822 style (`Types:`, `URIs:`, `Suites:`, `Components:`, `Signed-By:`, `Enabled:`). */
export function parseDeb822Sources(text: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  for (const p of parseDeb822(text)) {
    if ((p.get("Enabled") ?? "yes").toLowerCase() === "no") continue;
    const list = (k: string) => (p.get(k) ?? "").split(/\s+/).filter(Boolean);
    const src: AptSource = {
      types: list("Types"),
      uris: list("URIs"),
      suites: list("Suites"),
      components: list("Components"),
      file,
    };
    const signedBy = p.get("Signed-By");
    // an inline key block is not a path; gpgv cannot use it directly, so it is ignored here
    if (signedBy && !signedBy.includes("\n")) src.signedBy = signedBy;
    if (p.has("Architectures")) src.architectures = list("Architectures");
    out.push(src);
  }
  return out;
}

// Debian release names and aliases: how a Debian archive entry is told apart from third-party ones.
const DEBIAN_SUITES = new Set([
  "stable", "oldstable", "oldoldstable", "testing", "unstable", "experimental", "sid",
  "buster", "bullseye", "bookworm", "trixie", "forky", "duke",
]);

function suiteBase(s: string): string {
  return s.replace(/\/updates$/, "").replace(/-(security|updates|backports|proposed-updates)$/, "");
}

function isSecuritySuite(s: string): boolean {
  return s.endsWith("-security") || s.endsWith("/updates");
}

/** Picks the Debian archive and security archive base URLs out of the apt sources. */
export function mirrorsFromAptSources(sources: readonly AptSource[]): Mirrors {
  const debian = sources.filter(
    (s) => s.types.includes("deb") && s.suites.some((x) => DEBIAN_SUITES.has(suiteBase(x))),
  );
  const archive = debian.find((s) => s.suites.some((x) => !isSecuritySuite(x)))?.uris[0];
  const security = debian.find((s) => s.suites.some(isSecuritySuite))?.uris[0];
  if (!archive) {
    throw new DepsError("DEBIAN_SOURCES", "no Debian archive found in the apt sources (/etc/apt/sources.list, /etc/apt/sources.list.d)", {
      hint: "configure a Debian mirror in apt, or pass a mirror explicitly",
    });
  }
  return { archive: trimSlash(archive), ...(security ? { security: trimSlash(security) } : {}) };
}

/** The base URL that serves `suite`: the security archive for `*-security` suites. */
export function baseUrlFor(mirrors: Mirrors, suite: string): string {
  if (isSecuritySuite(suite)) {
    if (!mirrors.security) {
      throw new DepsError("DEBIAN_SOURCES", `no security archive is configured for suite ${suite}`, {
        hint: "add the Debian security archive to the apt sources, or pass mirror.security",
      });
    }
    return mirrors.security;
  }
  return mirrors.archive;
}

function trimSlash(u: string): string {
  return u.replace(/\/+$/, "");
}

/** The env variables that name the archive for code that cannot read the machine's apt sources (a build sandbox). */
export const MIRROR_ENV = { archive: "PAKETO_DEBIAN_MIRROR", security: "PAKETO_DEBIAN_SECURITY_MIRROR" } as const;

/**
 * Where the archive is: `PAKETO_DEBIAN_MIRROR` (and `PAKETO_DEBIAN_SECURITY_MIRROR`, default: the
 * same) from `env` when set, else the apt sources under `aptRoot`.
 */
export async function findMirrors(env: Readonly<Record<string, string | undefined>>, aptRoot = "/"): Promise<Mirrors> {
  const archive = env[MIRROR_ENV.archive];
  if (archive) {
    const security = env[MIRROR_ENV.security];
    return { archive: trimSlash(archive), security: trimSlash(security || archive) };
  }
  return mirrorsFromAptSources(await readAptSources(aptRoot));
}

/** The env that makes findMirrors() elsewhere find `mirrors`. */
export function mirrorEnv(mirrors: Mirrors): Record<string, string> {
  return { [MIRROR_ENV.archive]: mirrors.archive, ...(mirrors.security ? { [MIRROR_ENV.security]: mirrors.security } : {}) };
}
