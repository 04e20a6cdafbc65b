// Detection memoised per buildpack, on what each detect could see. A detect's outcome is a
// function of the buildpack, the env (user, operator, lifecycle), the bindings, the run image's
// target and the app files it looked at. So each pass or fail outcome is kept with:
// - the build's global inputs (builder digest, order, env, bindings, build config, target,
//   Platform API, sandbox): any change drops every kept outcome;
// - for buildpacks written on our buildpack API, the states of exactly the app paths the detect
//   looked at (cnb/detect-reads.ts): existence and type, metadata, a folder's names, a file's
//   bytes, symlink targets on the way;
// - for every other buildpack (or one whose detect started a process, used the network, wrote, or
//   looked outside the app), the whole app tree's fingerprint, as before.
// A one-line edit to server.js thus reruns only the detects that read server.js. Errored detects
// are never kept. Builds with buildpacks from outside the builder and --clear-cache detect afresh.
// What this cannot see, as no such memo can: a detect that depends on the clock or on randomness.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, readdir, readFile, readlink, stat } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import type { DetectRead } from "../../cnb/index.js";
import { writeFileAtomic } from "../../fs/index.js";
import { type Buildpack, buildpackKey, type DetectOutcomes, type DetectRun } from "../../lifecycle/index.js";

type AppKey = { tracked: true; reads: DetectRead[]; states: string } | { tracked: false; fingerprint: string };

interface SavedRun {
  outcome: DetectRun["outcome"];
  lines: string[];
  app: AppKey;
}

interface Saved {
  format: 2;
  key: string;
  runs: Record<string, SavedRun>;
}

export interface DetectMemo extends DetectOutcomes {
  /** Writes what this build learnt (fresh runs, and kept ones still valid); call after detect. */
  save(): Promise<void>;
  /** Buildpacks reused and run in this build. */
  readonly stats: { reused: number; ran: number };
}

/** Hex SHA-256 of a folder's files (names, modes, contents) and links; "" when it does not exist. */
export async function treeDigest(dir: string): Promise<string> {
  const h = createHash("sha256");
  const walk = async (rel: string): Promise<void> => {
    const names = await readdir(join(dir, rel)).catch(() => undefined);
    if (names === undefined) return;
    for (const name of names.sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const s = await lstat(join(dir, r));
      if (s.isDirectory()) {
        h.update(`d\0${r}\n`);
        await walk(r);
      } else if (s.isSymbolicLink()) h.update(`l\0${r}\0${await readlink(join(dir, r))}\n`);
      else if (s.isFile()) h.update(`f\0${r}\0${s.mode}\0`).update(await readFile(join(dir, r))).update("\n");
    }
  };
  if (!(await lstat(dir).catch(() => undefined))) return "";
  await walk("");
  return h.digest("hex");
}

/** Most symbolic links followed for one path (Linux's ELOOP limit). */
const MAX_HOPS = 40;

/**
 * Where `rel` leads inside `root`, following symlinks as the kernel would, with the links met on
 * the way. "escape" when a link is absolute or climbs out of root: what it reaches is not the
 * app's, so no state of the app can stand for it.
 */
async function follow(root: string, rel: string): Promise<{ path: string; links: string[]; missing: boolean } | "escape"> {
  let comps = rel === "" ? [] : rel.split("/");
  const done: string[] = [];
  const links: string[] = [];
  let hops = 0;
  while (comps.length > 0) {
    const c = comps.shift() as string;
    if (c === "" || c === ".") continue;
    if (c === "..") {
      if (done.length === 0) return "escape";
      done.pop();
      continue;
    }
    const p = join(root, ...done, c);
    const s = await lstat(p).catch(() => undefined);
    if (s === undefined) return { path: join(root, ...done, c, ...comps), links, missing: true };
    if (s.isSymbolicLink()) {
      if (++hops > MAX_HOPS) return "escape";
      const target = await readlink(p);
      links.push(`${[...done, c].join("/")} -> ${target}`);
      if (isAbsolute(target)) return "escape";
      comps = [...target.split("/"), ...comps];
      continue;
    }
    if (comps.length > 0 && !s.isDirectory()) return { path: join(root, ...done, c, ...comps), links, missing: true };
    done.push(c);
  }
  return { path: join(root, ...done), links, missing: false };
}

function typeOf(s: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): string {
  return s.isFile() ? "file" : s.isDirectory() ? "dir" : s.isSymbolicLink() ? "symlink" : "other";
}

async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/**
 * The state of one path as a detect of that kind could observe it. Times are left out: the
 * workspace is a fresh copy whose times are the copy's, not the app's.
 */
export async function readState(root: string, r: DetectRead): Promise<string> {
  const f = await follow(root, r.path);
  if (f === "escape") return "escape";
  const head = f.links.join(";");
  if (f.missing) return `${head}|missing`;
  const s = await stat(f.path).catch(() => undefined);
  if (s === undefined) return `${head}|missing`;
  const type = typeOf(s);
  switch (r.kind) {
    case "exists":
    case "link":
      return `${head}|${type}`;
    case "stat":
      return `${head}|${type}|${s.size}|${s.mode}`;
    case "list": {
      if (type !== "dir") return `${head}|${type}`;
      const entries = await readdir(f.path, { withFileTypes: true });
      return `${head}|dir|${entries
        .map((e) => `${e.name}:${typeOf(e)}`)
        .sort()
        .join("/")}`;
    }
    case "read":
      return type === "file" ? `${head}|file|${await sha256File(f.path)}` : `${head}|${type}`;
  }
}

/** One digest over the states of `reads` in the app at `root`; undefined when one escapes the app. */
async function statesDigest(root: string, reads: readonly DetectRead[]): Promise<string | undefined> {
  const h = createHash("sha256");
  for (const r of reads) {
    const s = await readState(root, r);
    if (s === "escape") return undefined;
    h.update(`${r.kind}\0${r.path}\0${s}\n`);
  }
  return h.digest("hex");
}

/**
 * The memo kept at `path` (one per destination: cacheLayout's detectMemo), for a build whose
 * global inputs are `inputs`, whose app is at `appDir` (the workspace on the host) with
 * `appFingerprint` (the app tree's digest: names, kinds, modes, bytes; workspace.ts scanApp).
 */
export async function openDetectMemo(o: { path: string; inputs: Record<string, unknown>; appDir: string; appFingerprint: string }): Promise<DetectMemo> {
  const key = createHash("sha256").update(JSON.stringify({ format: 2, ...o.inputs })).digest("hex");
  const saved = await readFile(o.path, "utf8").then(
    (t) => JSON.parse(t) as Saved,
    () => undefined,
  );
  const kept: Record<string, SavedRun> = saved?.format === 2 && saved.key === key ? { ...saved.runs } : {};
  const fresh = new Map<string, DetectRun>();
  const stats = { reused: 0, ran: 0 };

  const valid = async (app: AppKey): Promise<boolean> =>
    app.tracked ? (await statesDigest(o.appDir, app.reads)) === app.states : app.fingerprint === o.appFingerprint;

  return {
    stats,
    async lookup(bp: Buildpack) {
      const k = buildpackKey(bp);
      const s = kept[k];
      if (s === undefined || !(await valid(s.app))) {
        delete kept[k];
        return undefined;
      }
      stats.reused++;
      return { outcome: s.outcome, lines: s.lines };
    },
    record(bp: Buildpack, run: DetectRun) {
      stats.ran++;
      fresh.set(buildpackKey(bp), run);
    },
    async save() {
      // The workspace is unchanged since detect ran (it is read-only to detect), so the states
      // read now are the ones the detects saw.
      const runs: Record<string, SavedRun> = { ...kept };
      for (const [k, run] of fresh) {
        if (run.outcome.kind === "error") continue;
        const r = run.reads;
        const states = r?.tracked ? await statesDigest(o.appDir, r.reads) : undefined;
        const app: AppKey = r?.tracked && states !== undefined ? { tracked: true, reads: r.reads, states } : { tracked: false, fingerprint: o.appFingerprint };
        runs[k] = { outcome: run.outcome, lines: run.lines.slice(-200), app };
      }
      await writeFileAtomic(o.path, JSON.stringify({ format: 2, key, runs } satisfies Saved));
    },
  };
}
