// Test fixtures for the launcher: the real binary (host gcc), a static "probe" program that
// reports what it was started with, and scenes (a layers dir + an app dir + launcher.cfg).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTree, type TreeEntry } from "../../testing/index.js";
import { buildLauncher, type BuiltLauncher } from "../build.js";
import { encodeLauncherConfig, LAUNCHER_CONFIG_PATH } from "../codec.js";
import type { LauncherConfig } from "../plan.js";

/** Prints {"argv": [...], "cwd": "...", "env": {...}} as JSON; exits with $PROBE_EXIT (default 0). */
const PROBE_C = String.raw`
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
extern char **environ;
static void str(const char *s, size_t n) {
  putchar('"');
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c < 0x20) printf("\\u%04x", c);
    else putchar(c);
  }
  putchar('"');
}
int main(int argc, char **argv) {
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) strcpy(cwd, "?");
  printf("{\"argv\":[");
  for (int i = 0; i < argc; i++) { if (i) putchar(','); str(argv[i], strlen(argv[i])); }
  printf("],\"cwd\":");
  str(cwd, strlen(cwd));
  printf(",\"env\":{");
  for (char **e = environ; *e; e++) {
    const char *eq = strchr(*e, '=');
    if (!eq) continue;
    if (e != environ) putchar(',');
    str(*e, (size_t)(eq - *e)); putchar(':'); str(eq + 1, strlen(eq + 1));
  }
  printf("}}\n");
  fflush(stdout);
  const char *code = getenv("PROBE_EXIT");
  return code ? atoi(code) : 0;
}
`;

export interface Tools {
  launcher: BuiltLauncher;
  /** A static binary: see PROBE_C. */
  probe: string;
  dir: string;
  cleanup: () => void;
}

/**
 * Builds the launcher and the probe into a fresh temp dir, with the host's gcc, or with the
 * compiler command in PAKETO_TEST_LAUNCHER_CC (e.g. "musl-gcc", to check another libc).
 */
export async function buildTools(): Promise<Tools> {
  const dir = mkdtempSync(join(tmpdir(), "paketo-launcher-test-"));
  const cc = (process.env.PAKETO_TEST_LAUNCHER_CC ?? "gcc").split(" ").filter(Boolean);
  const launcher = await buildLauncher({ cc, outDir: join(dir, "bin"), cacheDir: join(dir, "cache") });
  writeFileSync(join(dir, "probe.c"), PROBE_C);
  const probe = join(dir, "bin", "probe");
  const r = spawnSync("gcc", ["-std=c11", "-static", "-Os", "-s", "-o", probe, join(dir, "probe.c")], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`compiling the probe failed:\n${r.stderr}`);
  return { launcher, probe, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Probe {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The probe's report, when stdout ends with one. */
  probe: () => Probe;
}

export interface Scene {
  root: string;
  layers: string;
  app: string;
  /** Runs the launcher as `name` (a symlink `<root>/cnb/process/<name>`, or the binary itself for "launcher"). */
  run: (name: string, args?: string[], env?: Record<string, string>) => RunResult;
}

/**
 * A temp dir with <root>/layers (tree `layers`, plus config/launcher.cfg from `config`) and
 * <root>/workspace (tree `app`). The config's appDir defaults to that workspace.
 */
export function scene(
  tools: Tools,
  opts: {
    /** launcher.cfg; or, as `{ metadataToml }`, the spec's config/metadata.toml with no launcher.cfg. */
    config: LauncherConfig | Buffer | { metadataToml: string };
    layers?: Record<string, TreeEntry>;
    app?: Record<string, TreeEntry>;
  },
): Scene {
  const root = mkdtempSync(join(tools.dir, "scene-"));
  const layers = join(root, "layers");
  const app = join(root, "workspace");
  mkdirSync(join(layers, "config"), { recursive: true });
  mkdirSync(app, { recursive: true });
  writeTree(layers, opts.layers ?? {});
  writeTree(app, opts.app ?? {});
  if ("metadataToml" in opts.config) {
    writeFileSync(join(layers, "config", "metadata.toml"), opts.config.metadataToml);
  } else {
    const bytes = Buffer.isBuffer(opts.config) ? opts.config : encodeLauncherConfig({ appDir: app, ...opts.config });
    writeFileSync(join(layers, LAUNCHER_CONFIG_PATH), bytes);
  }
  mkdirSync(join(root, "cnb", "process"), { recursive: true });

  const run = (name: string, args: string[] = [], env: Record<string, string> = {}): RunResult => {
    let exe = tools.launcher.path;
    if (name !== "launcher") {
      exe = join(root, "cnb", "process", name);
      try {
        symlinkSync(tools.launcher.path, exe);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
    }
    const r = spawnSync(exe, args, {
      encoding: "utf8",
      env: { PATH: "/usr/local/bin:/usr/bin:/bin", CNB_LAYERS_DIR: layers, ...env },
      timeout: 20_000,
    });
    if (r.error) throw r.error;
    return {
      status: r.status,
      stdout: r.stdout,
      stderr: r.stderr,
      probe: () => {
        const line = r.stdout.trimEnd().split("\n").at(-1) ?? "";
        try {
          return JSON.parse(line) as Probe;
        } catch {
          throw new Error(`no probe output (exit ${r.status}):\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
        }
      },
    };
  };
  return { root, layers, app, run };
}

/** A file entry with the executable bit. */
export function exe(content: string): TreeEntry {
  return { content, mode: 0o755 };
}

/** Damaged configs that both this decoder and launcher/config.c refuse (codec.test.ts and process.test.ts). */
export const CONFIG_ERRORS: Array<[string, RegExp]> = [
  ["paketo-launcher\u00001\u0000app-dir\u0000/w\u0000buildpack\u0000..\u0000end\u0000", /".." is not a single path element/],
  ["paketo-launcher\u00001\u0000app-dir\u0000/w\u0000buildpack\u0000b\u0000layer\u0000a/b\u0000end\u0000", /"a\/b" is not a single path element/],
  ["paketo-launcher\u00001\u0000app-dir\u0000/w\u0000default\u0000web\u0000end\u0000", /default process "web" is not a process/],
  [`paketo-launcher\u00001\u0000app-dir\u0000/w\u0000${"process\u0000web\u0000b\u0000direct\u0000replace\u0000\u00001\u0000x\u00000\u00000\u0000".repeat(2)}end\u0000`, /process type "web" appears twice/],
  ["paketo-launcher\u00001\u0000app-dir\u0000/w\u0000process\u0000web\u0000b\u0000direct\u0000replace\u0000\u00000\u00000\u00000\u0000end\u0000", /process "web" has no command/],
];
