// Test harness for the detect and build tests (never imported by product code): a work dir, a
// tiny root filesystem with the fixture buildpacks, and a real runner.
//
// The root filesystem: a temp dir holding the mount points the sandbox binds onto (dev, proc, tmp,
// workspace, layers, platform, cnb/buildpacks, home/cnb...), `bin`, `lib`, `lib64`, `sbin` as
// symlinks into `usr` (merged /usr, as Debian), and the host's /usr bound read-only at /usr. That
// gives bash and coreutils without copying them, keeps the rest of the host invisible, and needs no
// image. The fixture buildpacks are copied into `<rootfs>/cnb/buildpacks/<escaped-id>/<version>/`.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type ApiVersion,
  escapeId,
  type GroupFile,
  type Order,
  parseApiVersion,
  parseBuildpackDescriptor,
  parseBuildpackId,
  parseBuildpackVersion,
  type PlanFile,
  type RunImageTarget,
} from "../../cnb/index.js";
import { bwrapRunner, directRunner, type Runner, type SandboxNetwork } from "../../sandbox/index.js";
import type { BuildInputs } from "../build-phase/index.js";
import type { DetectInputs } from "../detect/index.js";
import { type BuildLog, createBuildLog } from "../log.js";
import { buildPaths, type BuildPaths } from "../exec/paths.js";
import type { ExecSettings } from "../exec/run.js";

export const FIXTURES = fileURLToPath(new URL("../../../src/lifecycle/fixtures/", import.meta.url));
export const VERSION = "0.1.0";
export const RUN_TARGET: RunImageTarget = { os: "linux", arch: "amd64", distro: { name: "debian", version: "13" } };
export const SANDBOX_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface Harness {
  root: string;
  paths: BuildPaths;
  exec: ExecSettings;
  runner: Runner;
  log: BuildLog;
  platformApi: ApiVersion;
  /** Everything logged so far. */
  output(): string;
  /** Writes the script a scriptable fixture sources in `phase` (see fixtures/README.md). */
  script(id: string, phase: "detect" | "build", body: string): void;
  /** Writes a file under a host dir of the build ("workspace/x", "platform/env/FOO", ...). */
  write(rel: string, content: string): string;
  /** Lines `<tag> <kind> <rest>` the fixtures printed (see `dump`), as `rest`. */
  lines(tag: string, kind: string): string[];
  /** The env a `dump(tag)` printed. */
  env(tag: string): Record<string, string>;
  detectInputs(order: Order, extra?: Partial<DetectInputs>): DetectInputs;
  buildInputs(group: GroupFile, plan: PlanFile, extra?: Partial<BuildInputs>): BuildInputs;
  cleanup(): void;
}

/** A bash snippet printing args, cwd and env, each line tagged: `<tag> ARGS ...`, `<tag> ENV K=V`. */
export function dump(tag: string): string {
  return [`echo "${tag} ARGS $*"`, `echo "${tag} PWD $PWD"`, `env | sort | sed 's/^/${tag} ENV /'`].join("\n") + "\n";
}

/** `[["test/a", "test/b?"]]` (a trailing `?` marks an optional entry) as an order. */
export function orderOf(groups: string[][]): Order {
  return groups.map((g) => ({
    group: g.map((s) => ({ id: parseBuildpackId(s.replace(/\?$/, "")), version: parseBuildpackVersion(VERSION), optional: s.endsWith("?") })),
  }));
}

/** group.toml of fixture ids (the API as in their buildpack.toml). */
export function groupOf(...ids: string[]): GroupFile {
  const apis = fixtureApis();
  return {
    group: ids.map((id) => ({ id: parseBuildpackId(id), version: parseBuildpackVersion(VERSION), api: apis.get(id) ?? parseApiVersion("0.12") })),
    groupExtensions: [],
  };
}

function fixtureApis(): Map<string, ApiVersion> {
  const out = new Map<string, ApiVersion>();
  for (const dir of readdirSync(FIXTURES, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    const d = parseBuildpackDescriptor(readFileSync(join(FIXTURES, dir.name, "buildpack.toml"), "utf8"));
    out.set(d.buildpack.id, d.api);
  }
  return out;
}

function makeRootfs(rootfs: string): void {
  for (const d of ["usr", "etc", "dev", "proc", "tmp", "workspace", "layers", "platform", "cnb/buildpacks", "cnb/build-config", "home/cnb"]) {
    mkdirSync(join(rootfs, d), { recursive: true });
  }
  for (const f of ["etc/resolv.conf", "etc/hosts"]) writeFileSync(join(rootfs, f), "");
  for (const l of ["bin", "lib", "lib64", "sbin"]) symlinkSync(`usr/${l}`, join(rootfs, l));
  for (const dir of readdirSync(FIXTURES, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    const d = parseBuildpackDescriptor(readFileSync(join(FIXTURES, dir.name, "buildpack.toml"), "utf8"));
    cpSync(join(FIXTURES, dir.name), join(rootfs, "cnb/buildpacks", escapeId(d.buildpack.id), d.buildpack.version), { recursive: true });
  }
}

export function harness(
  opts: { mode?: "bwrap" | "none"; verbose?: boolean; platformApi?: string; lifecycleEnv?: Record<string, string>; network?: SandboxNetwork } = {},
): Harness {
  const mode = opts.mode ?? "bwrap";
  const root = mkdtempSync(join(tmpdir(), "paketo-lifecycle-"));
  const rootfs = join(root, "rootfs");
  makeRootfs(rootfs);
  const workDir = join(root, "work");
  for (const d of ["layers", "workspace", "platform/env"]) mkdirSync(join(workDir, d), { recursive: true });
  const paths = buildPaths({ workDir, rootfs, mode });
  const lifecycleEnv =
    opts.lifecycleEnv ?? (mode === "none" ? { PATH: SANDBOX_PATH, HOME: join(workDir, "home") } : { PATH: SANDBOX_PATH, HOME: "/home/cnb" });
  if (mode === "none") mkdirSync(join(workDir, "home"), { recursive: true });
  const exec: ExecSettings = {
    lifecycleEnv,
    uid: 1000,
    gid: 1000,
    network: opts.network ?? "off",
    binds: mode === "none" ? [] : [{ source: "/usr", target: "/usr", readOnly: true }],
  };
  let out = "";
  const log = createBuildLog({ sink: (s) => (out += s), verbose: opts.verbose ?? false });
  const platformApi = parseApiVersion(opts.platformApi ?? "0.15");
  const lines = (tag: string, kind: string) => {
    const prefix = `${tag} ${kind} `;
    return out
      .split("\n")
      .map((l) => l.trimStart())
      .filter((l) => l.startsWith(prefix))
      .map((l) => l.slice(prefix.length));
  };
  return {
    root,
    paths,
    exec,
    runner: mode === "none" ? directRunner() : bwrapRunner(),
    log,
    platformApi,
    output: () => out,
    script(id, phase, body) {
      const p = join(workDir, "workspace", ".fixtures", escapeId(id), phase);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, body);
    },
    write(rel, content) {
      const p = join(workDir, rel);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, content);
      return p;
    },
    lines,
    env(tag) {
      const env: Record<string, string> = {};
      for (const l of lines(tag, "ENV")) {
        const i = l.indexOf("=");
        if (i > 0) env[l.slice(0, i)] = l.slice(i + 1);
      }
      return env;
    },
    detectInputs: (order, extra = {}) => ({ paths, exec, platformApi, order, runImageTarget: RUN_TARGET, ...extra }),
    buildInputs: (group, plan, extra = {}) => ({ paths, exec, platformApi, group, plan, runImageTarget: RUN_TARGET, ...extra }),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
