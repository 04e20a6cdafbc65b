// paketo's buildpack host on the lifecycle's side: one long-lived Node.js process per phase, in
// the sandbox, that runs the invocations of buildpacks written on paketo's buildpack API (its
// source: src/buildpack-api/host.ts), so a phase pays Node's start-up once instead of once per
// buildpack. Every other buildpack runs as its own process. The host gets the binds a run of the
// phase gets (with the whole `<work>/tmp` at /tmp, since run dirs are made as invocations come)
// and each invocation the argv, env and working directory its own process would have.
import { copyFile, readFile } from "node:fs/promises";
import { join, posix } from "node:path";
import type { Exit, Runner, Session } from "../../sandbox/index.js";
import type { Env } from "../env/index.js";
import type { BuildPaths } from "./paths.js";
import { lineSplitter, type ExecSettings, type ProcessAccess, type ProcessOutcome, processSpec } from "./run.js";
import type { Bind } from "../../sandbox/index.js";
import type { Buildpack } from "./store.js";

/** What bin/detect and bin/build are in a buildpack packaged by the buildpack API's packaging. */
const API_SHIM = `#!/usr/bin/env node\nimport("./main.mjs");\n`;

/** Whether `bp` was packaged by the buildpack API (bin/detect and bin/build load bin/main.mjs), so the host can run it. */
export async function onBuildpackApi(bp: Buildpack): Promise<boolean> {
  const read = (f: string) => readFile(join(bp.dir.host, "bin", f), "utf8").catch(() => undefined);
  const [detect, build] = await Promise.all([read("detect"), read("build")]);
  return detect === API_SHIM && build === API_SHIM;
}

/** One invocation's outcome, or undefined when the host is gone (the caller runs it as a process). */
export interface HostSession {
  run(req: { bp: Buildpack; argv: string[]; env: Env; onLine?: (line: string) => void; bufferLines?: number }): Promise<ProcessOutcome | undefined>;
  close(): Promise<void>;
}

/** Opens hosts for one phase: `open(access)` starts one on first use. */
export interface HostFactory {
  open(o: { paths: BuildPaths; exec: ExecSettings; runner: Runner; env: Env; access: ProcessAccess; home: Bind | undefined }): Promise<HostSession>;
}

/** Hosts that run the bundled host script `script` (dist/buildpack-host/host.mjs). */
export function hostFactory(script: string): HostFactory {
  return {
    async open({ paths, exec, runner, env, access, home }) {
      const hostScript = join(paths.host.tmp, "paketo-buildpack-host.mjs");
      await copyFile(script, hostScript);
      const tmp = { host: paths.host.tmp, sandbox: paths.toSandbox(paths.host.tmp), remove: async () => {} };
      const spec = processSpec(paths, exec, { argv: ["node", paths.toSandbox(hostScript)], env, access, runDir: tmp, home });
      return startHost(runner, spec, paths);
    },
  };
}

interface Pending {
  lines: string[];
  keep: number;
  truncated: boolean;
  out: ReturnType<typeof lineSplitter>;
  err: ReturnType<typeof lineSplitter>;
  done: (o: ProcessOutcome | undefined) => void;
}

function startHost(runner: Runner, spec: Parameters<Runner["start"]>[0], paths: BuildPaths): HostSession {
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let gone = false;
  let control = "";
  const current = () => pending.values().next().value as Pending | undefined;
  const onMessage = (m: { id: number; out?: string; err?: string; exit?: number }) => {
    const p = pending.get(m.id);
    if (p === undefined) return;
    if (m.out !== undefined) p.out.write(Buffer.from(m.out));
    if (m.err !== undefined) p.err.write(Buffer.from(m.err));
    if (m.exit !== undefined) {
      pending.delete(m.id);
      p.out.end();
      p.err.end();
      if (p.lines.length > p.keep) {
        p.lines.splice(0, p.lines.length - p.keep);
        p.truncated = true;
      }
      p.done({ exit: { code: m.exit, signal: null }, lines: p.lines, truncated: p.truncated });
    }
  };
  // Output written straight to fd 1 or 2 (a child process that inherited them) belongs to the
  // invocation running now: the host runs one at a time.
  const raw = (c: Buffer) => {
    const p = current();
    if (p) p.out.write(c);
  };
  const session: Session = runner.start(spec, {
    stdout: raw,
    stderr: raw,
    control: (c) => {
      control += c.toString("utf8");
      let nl: number;
      while ((nl = control.indexOf("\n")) >= 0) {
        const line = control.slice(0, nl);
        control = control.slice(nl + 1);
        if (line.trim() !== "") onMessage(JSON.parse(line) as { id: number });
      }
    },
  });
  const exited = session.exit.then(
    (e: Exit) => e,
    () => ({ code: null, signal: null }) as Exit,
  );
  void exited.then(() => {
    gone = true;
    for (const p of pending.values()) p.done(undefined);
    pending.clear();
  });
  return {
    run(req) {
      if (gone) return Promise.resolve(undefined);
      const id = nextId++;
      return new Promise((done) => {
        const p: Pending = { lines: [], keep: req.bufferLines ?? 10_000, truncated: false, done, out: lineSplitter(() => {}), err: lineSplitter(() => {}) };
        const onLine = (line: string) => {
          req.onLine?.(line);
          p.lines.push(line);
          if (p.lines.length >= 2 * p.keep) {
            p.lines.splice(0, p.lines.length - p.keep);
            p.truncated = true;
          }
        };
        p.out = lineSplitter(onLine);
        p.err = lineSplitter(onLine);
        pending.set(id, p);
        const cwd = paths.sandbox.workspace;
        // bubblewrap sets PWD for a process it starts; an invocation gets the same.
        const env = paths.mode === "none" ? req.env : { ...req.env, PWD: cwd };
        session.write(`${JSON.stringify({ id, main: posix.join(req.bp.dir.sandbox, "bin", "main.mjs"), argv: req.argv, env, cwd })}\n`);
      });
    },
    async close() {
      session.end();
      await exited;
    },
  };
}

/**
 * The phase's hosts, started on first use by a buildpack on our API and closed when the phase
 * ends: up to `count` of them (detect runs its buildpacks side by side, so one per core; build
 * runs them in order, so one). Each invocation goes to the host with the fewest waiting; the
 * session `get` returns is for one `run`.
 */
export function lazyHost(
  deps: { runner: Runner; host?: HostFactory | undefined },
  o: Omit<Parameters<HostFactory["open"]>[0], "runner">,
  opts: { count?: number; onStart?: () => void } = {},
): { get: (bp: Buildpack) => Promise<HostSession | undefined>; close: () => Promise<void> } {
  const sessions: { session: Promise<HostSession>; waiting: number }[] = [];
  const count = Math.max(1, opts.count ?? 1);
  return {
    async get(bp) {
      if (deps.host === undefined || !(await onBuildpackApi(bp))) return undefined;
      let pick = sessions.reduce<(typeof sessions)[number] | undefined>((a, x) => (a === undefined || x.waiting < a.waiting ? x : a), undefined);
      if (pick === undefined || (pick.waiting > 0 && sessions.length < count)) {
        if (sessions.length === 0) opts.onStart?.();
        pick = { session: deps.host.open({ ...o, runner: deps.runner }), waiting: 0 };
        sessions.push(pick);
      }
      // Counted from now (before any await), so invocations asked for at once spread over the hosts.
      const chosen = pick;
      chosen.waiting++;
      const session = await chosen.session;
      return {
        async run(req) {
          try {
            return await session.run(req);
          } finally {
            chosen.waiting--;
          }
        },
        close: () => session.close(),
      };
    },
    async close() {
      await Promise.all(sessions.map(async (x) => (await x.session).close()));
    },
  };
}
