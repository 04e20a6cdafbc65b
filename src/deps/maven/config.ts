// Which Maven repository to download from, as Maven itself would decide for `central`: an explicit
// PAKETO_MAVEN_REPOSITORY (how the platform hands its choice to buildpacks), else the first
// `<mirror>` of the user's then the global settings.xml whose `<mirrorOf>` covers `central` (with
// the `<server>` credentials of the same id), else the `central` repository of the super POM of
// the Maven installed on this machine (what `mvn` uses with no settings). No host name is written
// here: without any Maven configuration the answer is MAVEN_CONFIG.
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import yauzl from "yauzl";
import { MavenRepoError } from "./errors.js";

export type Env = Readonly<Record<string, string | undefined>>;

export interface MavenRepository {
  url: string;
  /** Where the choice came from, for messages: `PAKETO_MAVEN_REPOSITORY`, `mirror nexus in ~/.m2/settings.xml`... */
  from: string;
  username?: string;
  password?: string;
}

/** The env variable that names the repository outright (the platform sets it for buildpacks). */
export const REPOSITORY_ENV = "PAKETO_MAVEN_REPOSITORY";

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true, isArray: (name) => ["mirror", "server", "repository"].includes(name) });

type Tree = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v.trim() : typeof v === "number" ? String(v) : undefined);
const list = (v: unknown): Tree[] => (Array.isArray(v) ? (v as Tree[]) : v && typeof v === "object" ? [v as Tree] : []);

/** Does a `<mirrorOf>` value (`*`, `central`, `external:*`, `a,b,!c`) cover repository `id` at `url`? */
export function mirrorOfMatches(mirrorOf: string, id: string, url = ""): boolean {
  const parts = mirrorOf.split(",").map((p) => p.trim()).filter(Boolean);
  if (parts.includes(`!${id}`)) return false;
  if (parts.includes(id)) return true;
  const local = /^file:|^https?:\/\/(localhost|127\.0\.0\.1)[:/]/.test(url);
  return parts.includes("*") || (parts.includes("external:*") && !local) || (parts.includes("external:http:*") && url.startsWith("http:"));
}

/** The mirror of `central` a settings.xml text names, with its server's credentials. */
export function mirrorFromSettings(xml: string, file: string): MavenRepository | undefined {
  let doc: Tree;
  try {
    doc = parser.parse(xml, true) as Tree;
  } catch (e) {
    throw new MavenRepoError("MAVEN_CONFIG", `${file} is not well-formed XML: ${(e as Error).message}`, { cause: e, hint: "fix the file, or point BP_MAVEN_SETTINGS_PATH / the settings binding elsewhere" });
  }
  const settings = (doc["settings"] ?? {}) as Tree;
  const mirrors = list((settings["mirrors"] as Tree | undefined)?.["mirror"]);
  const servers = list((settings["servers"] as Tree | undefined)?.["server"]);
  for (const m of mirrors) {
    const url = str(m["url"]);
    const of = str(m["mirrorOf"]);
    if (!url || !of || !mirrorOfMatches(of, "central")) continue;
    const id = str(m["id"]) ?? "";
    const server = servers.find((s) => str(s["id"]) === id);
    const username = server ? str(server["username"]) : undefined;
    const password = server ? str(server["password"]) : undefined;
    return { url: url.replace(/\/+$/, ""), from: `mirror ${id || "(no id)"} in ${file}`, ...(username ? { username } : {}), ...(password ? { password } : {}) };
  }
  return undefined;
}

/** The `central` repository URL of a POM text (Maven's super POM). */
export function centralFromPom(xml: string): string | undefined {
  const doc = parser.parse(xml) as Tree;
  const project = (doc["project"] ?? {}) as Tree;
  const repos = list((project["repositories"] as Tree | undefined)?.["repository"]);
  const central = repos.find((r) => str(r["id"]) === "central");
  return central ? str(central["url"])?.replace(/\/+$/, "") : undefined;
}

export interface ReadConfigOptions {
  home?: string;
  /** settings.xml files to read first (a buildpack's BP_MAVEN_SETTINGS_PATH or binding). */
  settings?: readonly string[];
  /** Default: MAVEN_HOME, else the installation `mvn` on PATH belongs to. */
  mavenHome?: string;
}

/** The settings files Maven reads, user first: `~/.m2/settings.xml`, `<maven home>/conf/settings.xml`, `/etc/maven/settings.xml`. */
function settingsFiles(env: Env, home: string, mavenHome: string | undefined, extra: readonly string[]): string[] {
  return [...extra, join(env.HOME || home, ".m2", "settings.xml"), ...(mavenHome ? [join(mavenHome, "conf", "settings.xml")] : []), "/etc/maven/settings.xml"];
}

/** The Maven installation `mvn` on PATH belongs to (`/usr/bin/mvn` → `/usr/share/maven`). */
export async function findMavenHome(env: Env): Promise<string | undefined> {
  if (env.MAVEN_HOME) return env.MAVEN_HOME;
  for (const d of (env.PATH ?? "").split(delimiter).filter(Boolean)) {
    const mvn = join(d, "mvn");
    const real = await realpath(mvn).catch(() => undefined);
    if (real && (await stat(real).then((s) => s.isFile(), () => false))) return dirname(dirname(real));
  }
  return undefined;
}

/** The super POM inside `<maven home>/lib/maven-model-builder-*.jar`. */
async function superPom(mavenHome: string): Promise<string | undefined> {
  const lib = join(mavenHome, "lib");
  const jar = (await readdir(lib).catch(() => [] as string[])).find((n) => /^maven-model-builder.*\.jar$/.test(n));
  if (!jar) return undefined;
  return readZipEntry(join(lib, jar), "org/apache/maven/model/pom-4.0.0.xml");
}

/** One entry of a zip file as text, or undefined when it is not there. */
export function readZipEntry(file: string, name: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      zip.on("entry", (e: yauzl.Entry) => {
        if (e.fileName !== name) return zip.readEntry();
        zip.openReadStream(e, (err2, s) => {
          if (err2 || !s) return reject(err2);
          const chunks: Buffer[] = [];
          s.on("data", (c: Buffer) => chunks.push(c));
          s.on("end", () => {
            zip.close();
            resolve(Buffer.concat(chunks).toString("utf8"));
          });
          s.on("error", reject);
        });
      });
      zip.on("end", () => resolve(undefined));
      zip.on("error", reject);
      zip.readEntry();
    });
  });
}

/** The repository to download from (see the file comment). */
export async function repositoryFromConfig(env: Env, opts: ReadConfigOptions = {}): Promise<MavenRepository> {
  const explicit = env[REPOSITORY_ENV]?.trim();
  if (explicit) {
    const { username, password } = new URL(explicit);
    const u = new URL(explicit);
    u.username = "";
    u.password = "";
    return { url: u.toString().replace(/\/+$/, ""), from: REPOSITORY_ENV, ...(username ? { username: decodeURIComponent(username) } : {}), ...(password ? { password: decodeURIComponent(password) } : {}) };
  }
  const mavenHome = opts.mavenHome ?? (await findMavenHome(env));
  for (const f of settingsFiles(env, opts.home ?? homedir(), mavenHome, opts.settings ?? [])) {
    const text = await readFile(f, "utf8").catch(() => undefined);
    if (text === undefined) continue;
    const m = mirrorFromSettings(text, f);
    if (m) return m;
  }
  if (mavenHome) {
    const pom = await superPom(mavenHome);
    const url = pom ? centralFromPom(pom) : undefined;
    if (url) return { url, from: `the super POM of the Maven in ${mavenHome}` };
  }
  throw new MavenRepoError("MAVEN_CONFIG", "no Maven repository is configured: no settings.xml mirror of central, and no Maven installation whose super POM names central", {
    hint: `set ${REPOSITORY_ENV}, add a <mirror> with <mirrorOf>central</mirrorOf> (or *) to ~/.m2/settings.xml, or install Maven`,
  });
}
