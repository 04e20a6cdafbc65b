// One Node.js process that runs many bin/detect or bin/build invocations of buildpacks written on
// this API, one after the other, so a phase pays Node's start-up once instead of once per
// buildpack (docs/build.md, "Buildpack processes"). paketo's platform starts it in the sandbox,
// with the same binds every invocation of the phase gets, and sends it one invocation per line on
// stdin: `{ id, main, argv, env, cwd }`, where `main` is the buildpack's bin/main.mjs. Replies
// are lines on fd 3: `{ id, out }` / `{ id, err }` (output) and `{ id, exit }` (the exit code).
//
// Each invocation sees what it would see as its own process: its argv, env (process.env too) and
// working directory, through the same runtime code its bin/detect would run (the bundle's own
// `runBuildpack`, which `main()` hands over instead of running when this host loaded it). What
// the buildpack code leaves behind in the process (module state, timers) stays; our buildpacks
// keep none. A call to process.exit ends that invocation with its code.
import { createInterface } from "node:readline";
import { createWriteStream } from "node:fs";
import { pathToFileURL } from "node:url";
import { HOST_HOOK, type HostedRun } from "./main.js";
import { HOST_EXIT } from "./run.js";

interface Invocation {
  id: number;
  main: string;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
}

const control = createWriteStream("", { fd: 3 });
const send = (m: object) => control.write(`${JSON.stringify(m)}\n`);

const loaded = new Map<string, Promise<HostedRun>>();

/** Imports a buildpack bundle with the hook set, so its `main()` hands its runner over. */
function load(main: string): Promise<HostedRun> {
  let p = loaded.get(main);
  if (p === undefined) {
    p = new Promise<HostedRun>((resolve, reject) => {
      (globalThis as Record<symbol, unknown>)[HOST_HOOK] = (run: HostedRun) => resolve(run);
      import(pathToFileURL(main).href).then(
        () => reject(new Error(`${main} did not call main() of the buildpack API`)),
        (e: unknown) => reject(e),
      );
    });
    loaded.set(main, p);
  }
  return p;
}

class ExitCalled extends Error {
  readonly [HOST_EXIT] = true;
  constructor(readonly code: number) {
    super(`process.exit(${code})`);
  }
}

let current: { id: number; fail: (e: unknown) => void } | undefined;

async function runOne(inv: Invocation): Promise<number> {
  const run = await load(inv.main);
  // The process as a separate bin/detect would have it.
  for (const k of Object.keys(process.env)) delete process.env[k];
  Object.assign(process.env, inv.env);
  process.argv = [process.argv[0] as string, ...inv.argv];
  process.chdir(inv.cwd);
  return new Promise<number>((resolve) => {
    current = { id: inv.id, fail: (e) => resolve(e instanceof ExitCalled ? e.code : (send({ id: inv.id, err: `ERROR: ${String(e)}\n` }), 1)) };
    run({
      argv: inv.argv,
      env: inv.env,
      cwd: inv.cwd,
      arch: process.arch,
      stdout: (text) => send({ id: inv.id, out: text }),
      stderr: (text) => send({ id: inv.id, err: text }),
    }).then(resolve, (e: unknown) => current?.fail(e));
  });
}

process.exit = ((code?: number) => {
  throw new ExitCalled(typeof code === "number" ? code : 0);
}) as typeof process.exit;
process.on("uncaughtException", (e) => current?.fail(e));
process.on("unhandledRejection", (e) => current?.fail(e));

const queue: Invocation[] = [];
let busy = false;
async function drain(): Promise<void> {
  if (busy) return;
  busy = true;
  while (queue.length > 0) {
    const inv = queue.shift() as Invocation;
    let code: number;
    try {
      code = await runOne(inv);
    } catch (e) {
      send({ id: inv.id, err: `ERROR: ${e instanceof Error ? e.message : String(e)}\n` });
      code = 1;
    }
    current = undefined;
    send({ id: inv.id, exit: code });
  }
  busy = false;
}

createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() === "") return;
  queue.push(JSON.parse(line) as Invocation);
  void drain();
});
