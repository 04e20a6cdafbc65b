// Paketo's web-server settings (BP_WEB_SERVER*), read once for both servers: what to serve, from
// where, and the optional behaviours of a generated configuration.
import { stat } from "node:fs/promises";
import { isAbsolute, join, normalize, relative } from "node:path";
import type { Binding } from "../../buildpack-api/index.js";
import { readBool } from "../node-start/start.js";
import { WebServerError } from "./errors.js";

export type Server = "nginx" | "httpd";

/** BP_WEB_SERVER: which server generates its own configuration; undefined when unset. */
export function webServer(env: Readonly<Record<string, string>>): Server | undefined {
  const v = env.BP_WEB_SERVER;
  if (v === undefined || v === "") return undefined;
  if (v === "nginx" || v === "httpd") return v;
  throw new WebServerError("WEB_SERVER_CONFIG", `BP_WEB_SERVER=${v} is not a web server paketo has`, { hint: "use BP_WEB_SERVER=nginx or BP_WEB_SERVER=httpd" });
}

export interface GeneratedConfig {
  /** The document root, absolute (BP_WEB_SERVER_ROOT, default `public` in the app). */
  root: string;
  /** BP_WEB_SERVER_ENABLE_PUSH_STATE: unknown paths answer with index.html (single-page apps). */
  pushState: boolean;
  /** BP_WEB_SERVER_FORCE_HTTPS: plain HTTP requests get a 301 to https:// (X-Forwarded-Proto aware). */
  forceHttps: boolean;
  /** BP_WEB_SERVER_LOCATION_PATH (nginx): the location block's path, default `/`. */
  locationPath: string;
  /** BP_WEB_SERVER_INCLUDE_FILE_PATH (nginx): a file of the app included in the server block, absolute. */
  includeFile: string | undefined;
  /** The `htpasswd` binding: basic auth against `$SERVICE_BINDING_ROOT/<name>/.htpasswd` at launch. */
  basicAuth: { binding: string } | undefined;
}

/** The settings of a generated configuration, checked: one error naming the setting that is wrong. */
export function generatedConfig(env: Readonly<Record<string, string>>, appDir: string, bindings: readonly Binding[]): GeneratedConfig {
  const rootSetting = env.BP_WEB_SERVER_ROOT || "public";
  const root = isAbsolute(rootSetting) ? normalize(rootSetting) : join(appDir, rootSetting);
  const include = env.BP_WEB_SERVER_INCLUDE_FILE_PATH || undefined;
  const includeFile = include === undefined ? undefined : inApp(appDir, include, "BP_WEB_SERVER_INCLUDE_FILE_PATH");
  const locationPath = env.BP_WEB_SERVER_LOCATION_PATH || "/";
  if (!locationPath.startsWith("/") || /[\s;{}]/.test(locationPath)) {
    throw new WebServerError("WEB_SERVER_CONFIG", `BP_WEB_SERVER_LOCATION_PATH=${locationPath} is not a location path`, { hint: "a path such as / or /app/, without spaces, ';' or braces" });
  }
  return {
    root,
    pushState: readBool(env, "BP_WEB_SERVER_ENABLE_PUSH_STATE"),
    forceHttps: readBool(env, "BP_WEB_SERVER_FORCE_HTTPS"),
    locationPath,
    includeFile,
    basicAuth: htpasswdBinding(bindings),
  };
}

/** A path setting relative to the app that must stay inside it. */
function inApp(appDir: string, value: string, name: string): string {
  const abs = join(appDir, value);
  const rel = relative(appDir, abs);
  if (isAbsolute(value) || rel.startsWith("..")) {
    throw new WebServerError("WEB_SERVER_CONFIG", `${name}=${value} is not a path inside the app`, { hint: "give a path relative to the app's root folder" });
  }
  return abs;
}

/** The one binding of type `htpasswd` (Paketo's basic auth), checked for its `.htpasswd` entry. */
export function htpasswdBinding(bindings: readonly Binding[]): { binding: string } | undefined {
  const found = bindings.filter((b) => b.type.toLowerCase() === "htpasswd");
  if (found.length === 0) return undefined;
  if (found.length > 1) {
    throw new WebServerError("WEB_SERVER_BINDING", `${found.length} bindings of type htpasswd (${found.map((b) => b.name).join(", ")}): one is allowed`, { hint: "bind one htpasswd file" });
  }
  const b = found[0] as Binding;
  if (!(".htpasswd" in b.entries)) {
    throw new WebServerError("WEB_SERVER_BINDING", `binding ${b.name} (type htpasswd) has no .htpasswd entry`, { hint: "put the file made by htpasswd in the binding as .htpasswd" });
  }
  return { binding: b.name };
}

/** Where the htpasswd binding is at launch: SERVICE_BINDING_ROOT then (default /bindings, see launchEnv). */
export const LAUNCH_BINDING_ROOT = "/bindings";

/** Is there a regular file at `path` (links followed)? */
export async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (st) => st.isFile(),
    () => false,
  );
}
