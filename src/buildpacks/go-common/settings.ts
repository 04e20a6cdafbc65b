// The BP_GO_* settings as Paketo's Go buildpacks read them, and where the build happens.
import { stat } from "node:fs/promises";
import { isAbsolute, normalize, relative, resolve } from "node:path";
import { splitWords } from "../procfile/shell-words.js";
import { GoError } from "./errors.js";

export type Env = Readonly<Record<string, string | undefined>>;

/** BP_GO_WORKDIR: the build directory, relative to the app and inside it (undefined: the app root). */
export async function buildDir(appDir: string, env: Env): Promise<{ dir: string; rel: string }> {
  const setting = (env.BP_GO_WORKDIR ?? "").trim();
  if (setting === "") return { dir: appDir, rel: "" };
  const dir = resolve(appDir, setting);
  const rel = relative(appDir, dir);
  if (isAbsolute(setting) || rel.startsWith("..") || isAbsolute(rel)) {
    throw new GoError("GO_SETTING", `BP_GO_WORKDIR=${setting}: not a path inside the app directory`, { hint: "give the subdirectory relative to the app root, e.g. BP_GO_WORKDIR=services/api" });
  }
  if (!(await stat(dir).catch(() => undefined))?.isDirectory()) {
    throw new GoError("GO_SETTING", `BP_GO_WORKDIR=${setting}: ${rel} is not a directory of the app`, { hint: "the path is relative to the app root" });
  }
  return { dir, rel };
}

/** A colon list (BP_GO_TARGETS, BP_GO_WORK_USE, BP_KEEP_FILES), empty items dropped. */
export function colonList(value: string | undefined): string[] {
  return (value ?? "").split(":").map((s) => s.trim()).filter(Boolean);
}

/** A relative path setting item, cleaned; `name` for messages. Absolute paths and `..` are refused. */
export function relativeItem(item: string, name: string): string {
  if (isAbsolute(item)) throw new GoError("GO_SETTING", `${name}: ${JSON.stringify(item)} is an absolute path; give it relative to the build directory`);
  const n = normalize(item).replace(/\/+$/, "");
  if (n === ".." || n.startsWith("../")) throw new GoError("GO_SETTING", `${name}: ${JSON.stringify(item)} leads out of the build directory`);
  return n === "" ? "." : n;
}

/**
 * The go build flags: BP_GO_BUILD_FLAGS split like shell words (quotes kept together, nothing
 * expanded), then BP_GO_BUILD_LDFLAGS as one `-ldflags=<value>` that replaces any -ldflags there,
 * then `-buildmode=pie` and `-trimpath` unless the user set them.
 */
export function buildFlags(env: Env): string[] {
  const flags: string[] = [];
  if (env.BP_GO_BUILD_FLAGS !== undefined && env.BP_GO_BUILD_FLAGS.trim() !== "") {
    const r = splitWords(env.BP_GO_BUILD_FLAGS, { operators: "literal" });
    if (!r.ok) throw new GoError("GO_SETTING", `BP_GO_BUILD_FLAGS: ${r.problem}`, { hint: "quote values with spaces: BP_GO_BUILD_FLAGS='-tags=a,b -ldflags=\"-s -w\"'" });
    flags.push(...r.words.map((w) => w.value));
  }
  const ld = env.BP_GO_BUILD_LDFLAGS;
  if (ld !== undefined && ld.trim() !== "") {
    const value = `-ldflags=${ld.trim()}`;
    let replaced = false;
    for (let i = 0; i < flags.length; i++) {
      const f = flags[i]!;
      if (f === "-ldflags" || f === "--ldflags") {
        flags.splice(i, 2, value); // `-ldflags value`: both words
        replaced = true;
      } else if (/^--?ldflags=/.test(f)) {
        flags[i] = value;
        replaced = true;
      }
    }
    if (!replaced) flags.push(value);
  }
  const has = (name: string) => flags.some((f) => f === `-${name}` || f === `--${name}` || f.startsWith(`-${name}=`) || f.startsWith(`--${name}=`));
  if (!has("buildmode")) flags.push("-buildmode=pie");
  if (!has("trimpath")) flags.push("-trimpath");
  return flags;
}

/** BP_LIVE_RELOAD_ENABLED as a boolean; anything but a boolean is an error naming it. */
export function liveReload(env: Env): boolean {
  const v = (env.BP_LIVE_RELOAD_ENABLED ?? "").trim().toLowerCase();
  if (v === "" || v === "false" || v === "0" || v === "f") return false;
  if (v === "true" || v === "1" || v === "t") return true;
  throw new GoError("GO_SETTING", `BP_LIVE_RELOAD_ENABLED=${env.BP_LIVE_RELOAD_ENABLED}: not true or false`);
}

