import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { OciError } from "../../errors.js";
import { DOCKER_HUB, normaliseRegistry } from "../../ref/index.js";
import type { Credentials, Keychain } from "./credentials.js";
import { runCredentialHelper } from "./helper.js";

export type { Credentials, Keychain } from "./credentials.js";


/** `user:password` (as `--creds` takes it; the password may contain `:`). */
export function parseCredentials(s: string): Credentials {
  const i = s.indexOf(":");
  if (i <= 0) {
    throw new OciError("OCI_CREDENTIALS", "credentials must be written USER:PASSWORD (the user part is missing or has no ':')");
  }
  return { username: s.slice(0, i), password: s.slice(i + 1) };
}

/** A keychain that knows nothing: every registry is accessed anonymously. */
export const anonymousKeychain: Keychain = { resolve: () => Promise.resolve(undefined) };

/** The key docker uses for Docker Hub in config files and credential helpers. */
const DOCKER_HUB_KEY = "https://index.docker.io/v1/";

/**
 * The files consulted, in order (the first with an entry for the registry wins), like podman and docker:
 * `$REGISTRY_AUTH_FILE`, `$XDG_RUNTIME_DIR/containers/auth.json`, then `$DOCKER_CONFIG/config.json`
 * (else `~/.docker/config.json`).
 */
export function authFiles(env: NodeJS.ProcessEnv, home: string): string[] {
  const files: string[] = [];
  if (env.REGISTRY_AUTH_FILE) files.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) files.push(join(env.XDG_RUNTIME_DIR, "containers", "auth.json"));
  files.push(join(env.DOCKER_CONFIG || join(home, ".docker"), "config.json"));
  return files;
}

interface ConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string; registrytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

function readConfig(path: string): ConfigFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  if (text.trim() === "") return undefined;
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not a JSON object");
    return v as ConfigFile;
  } catch (e) {
    throw new OciError("OCI_CREDENTIALS", `cannot read credentials file ${path}: ${(e as Error).message}`, {
      hint: "fix or remove the file, or point DOCKER_CONFIG / REGISTRY_AUTH_FILE elsewhere",
    });
  }
}

/** `https://index.docker.io/v1/` → `docker.io`; `https://host:5000/` → `host:5000`; `host/ns/repo` stays. */
export function normaliseAuthKey(key: string): string {
  let k = key.replace(/^[a-z]+:\/\//i, "").replace(/\/+$/, "");
  k = k.replace(/\/v[12]$/, "");
  const slash = k.indexOf("/");
  const host = (slash < 0 ? k : k.slice(0, slash)).toLowerCase();
  return normaliseRegistry(host) + (slash < 0 ? "" : k.slice(slash));
}

/** Most specific first: `host/a/b`, `host/a`, `host`. */
function candidates(registry: string, repository: string | undefined): string[] {
  const out: string[] = [];
  if (repository) {
    const parts = repository.split("/");
    for (let i = parts.length; i > 0; i--) out.push(`${registry}/${parts.slice(0, i).join("/")}`);
  }
  out.push(registry);
  return out;
}

function fromEntry(e: NonNullable<ConfigFile["auths"]>[string], path: string, key: string): Credentials | undefined {
  if (e.registrytoken) return { registryToken: e.registrytoken };
  let username = e.username;
  let password = e.password;
  if (e.auth) {
    const decoded = Buffer.from(e.auth, "base64").toString("utf8");
    const i = decoded.indexOf(":");
    if (i < 0) throw new OciError("OCI_CREDENTIALS", `the "auth" entry for ${key} in ${path} is not base64 of USER:PASSWORD`);
    username = decoded.slice(0, i);
    password = decoded.slice(i + 1);
  }
  if (e.identitytoken) return { ...(username ? { username } : {}), identityToken: e.identitytoken };
  if (username === undefined && password === undefined) return undefined;
  return { username: username ?? "", password: password ?? "" };
}

/**
 * Credentials from docker's and podman's config files: `auths` entries (base64 `auth`,
 * username/password, identitytoken), `credHelpers` per registry and the `credsStore` default,
 * both run as `docker-credential-<name> get`. Results are cached by the keychain.
 */
export function configKeychain(opts: { env?: NodeJS.ProcessEnv; home?: string } = {}): Keychain {
  const env = opts.env ?? process.env;
  const home = opts.home ?? env.HOME ?? homedir();
  const cache = new Map<string, Promise<Credentials | undefined>>();
  const lookup = async (registry: string, repository: string | undefined): Promise<Credentials | undefined> => {
    const keys = candidates(registry, repository);
    for (const path of authFiles(env, home)) {
      const cfg = readConfig(path);
      if (!cfg) continue;
      const helperKey = registry === DOCKER_HUB ? DOCKER_HUB_KEY : registry;
      const helpers = cfg.credHelpers ?? {};
      const helperName = Object.entries(helpers).find(([k]) => normaliseAuthKey(k) === registry)?.[1];
      for (const [name, source] of [
        [helperName, "credHelpers"],
        [cfg.credsStore, "credsStore"],
      ] as const) {
        if (!name) continue;
        const c = await runCredentialHelper(name, helperKey, { env, configFile: path, source });
        if (c) return c;
      }
      const auths = cfg.auths ?? {};
      const byKey = new Map<string, [string, NonNullable<ConfigFile["auths"]>[string]]>();
      for (const [k, v] of Object.entries(auths)) {
        if (v && typeof v === "object") byKey.set(normaliseAuthKey(k), [k, v]);
      }
      for (const k of keys) {
        const hit = byKey.get(k);
        if (!hit) continue;
        const c = fromEntry(hit[1], path, hit[0]);
        if (c) return c;
      }
    }
    return undefined;
  };
  return {
    resolve(registry, repository) {
      const key = `${registry}/${repository ?? ""}`;
      let p = cache.get(key);
      if (!p) {
        p = lookup(registry, repository);
        cache.set(key, p);
        p.catch(() => cache.delete(key));
      }
      return p;
    },
  };
}
