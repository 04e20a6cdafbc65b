// What go-build builds: BP_GO_TARGETS (a colon list of package directories, each with *.go files),
// else the build directory itself when it has *.go files, else each directory under ./cmd that has
// them (walked in name order; below a directory with *.go files nothing more is looked at). Plain
// file-system reads, as detect must be cheap.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { colonList, GoError, relativeItem, type Env } from "../go-common/index.js";

async function hasGoFiles(dir: string): Promise<boolean> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.some((n) => n.endsWith(".go"));
}

async function walkCmd(dir: string, rel: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  if (entries.some((e) => e.isFile() && e.name.endsWith(".go"))) {
    out.push(`./${rel}`);
    return;
  }
  for (const e of entries.filter((e) => e.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) await walkCmd(join(dir, e.name), `${rel}/${e.name}`, out);
}

/** The targets, as `go build` takes them (`.`, `./cmd/web`); a GoError (GO_TARGETS / GO_SETTING) when there are none. */
export async function findTargets(dir: string, env: Env): Promise<string[]> {
  const asked = colonList(env.BP_GO_TARGETS);
  if (asked.length > 0) {
    const out: string[] = [];
    for (const t of asked) {
      const rel = relativeItem(t, "BP_GO_TARGETS");
      if (!(await hasGoFiles(join(dir, rel)))) {
        throw new GoError("GO_TARGETS", `BP_GO_TARGETS: there are no *.go files in ${rel === "." ? "the build directory" : rel}`, { hint: "targets are package directories relative to the build directory (BP_GO_WORKDIR or the app root)" });
      }
      out.push(rel === "." ? "." : `./${rel}`);
    }
    return out;
  }
  if (await hasGoFiles(dir)) return ["."];
  const out: string[] = [];
  await walkCmd(join(dir, "cmd"), "cmd", out);
  if (out.length === 0) throw new GoError("GO_TARGETS", "no *.go files could be found in the build directory or under ./cmd", { hint: "set BP_GO_TARGETS to the package directories to build" });
  return out;
}

/**
 * The name `go build` gives a command's binary: the last element of its import path, or the one
 * before a major-version suffix (`example.com/tool/v2` -> `tool`).
 */
export function execName(importPath: string): string {
  const parts = importPath.split("/");
  const last = parts.at(-1) ?? importPath;
  return /^v[2-9]\d*$/.test(last) && parts.length > 1 ? parts.at(-2)! : last;
}
