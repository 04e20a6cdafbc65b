// A GOCACHEPROG (Go 1.24+; protocol: cmd/go/internal/cacheprog) that keeps the build cache in two
// layers: `base`, read only during the build, and `delta`, where new results go. A rebuild after a
// small change then touches only the small delta layer; the large base layer stays byte-for-byte
// as restored, so it is neither tarred again nor unpacked on the next restore (with a plain
// GOCACHE every build rewrites entries and their times, and the whole cache is a new layer).
// go-build merges delta into base when delta grows large (buildpack.ts), keeping only entries the
// build used: that is also how stale entries leave.
//
// Layout of both dirs: `a/<action id hex>` = `<output id hex> <size> <unix ms>`, `o/<output id hex>`
// = the output's bytes. Outputs are named by their output id (a hash of their content), so the
// same output is stored once. Every action id asked for or stored is appended to `used`.
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";

export interface CacheProgOptions {
  base: string;
  delta: string;
  /** A file the action ids this run used are appended to (one hex id a line). */
  used: string;
  input: Readable;
  output: Writable;
}

interface Request {
  ID: number;
  Command: string;
  ActionID?: string;
  OutputID?: string;
  BodySize?: number;
}

interface Entry {
  outputId: string;
  size: number;
  time: number;
  dir: string;
}

/** The action entry in `dir`, if any and its output is there. */
function readEntry(dir: string, actionId: string): Entry | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, "a", actionId), "utf8");
  } catch {
    return undefined;
  }
  const [outputId, size, time] = text.trim().split(" ");
  if (!outputId || !/^[0-9a-f]+$/.test(outputId) || !existsSync(join(dir, "o", outputId))) return undefined;
  return { outputId, size: Number(size), time: Number(time), dir };
}

function writeAtomic(path: string, data: Buffer | string): void {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const fd = openSync(tmp, "w", 0o644);
  try {
    if (typeof data === "string") writeSync(fd, data);
    else writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

const hex = (b64: string | undefined) => Buffer.from(b64 ?? "", "base64").toString("hex");

/** Serves the go command until it sends "close" (or closes stdin). */
export async function runCacheProg(o: CacheProgOptions): Promise<void> {
  for (const d of [o.delta, o.base]) for (const sub of ["a", "o"]) mkdirSync(join(d, sub), { recursive: true });
  const used: string[] = [];
  const send = (r: Record<string, unknown>) => o.output.write(`${JSON.stringify(r)}\n`);
  send({ ID: 0, KnownCommands: ["get", "put", "close"] });

  const lookup = (actionId: string): Entry | undefined => readEntry(o.delta, actionId) ?? readEntry(o.base, actionId);

  const handle = (req: Request, body: Buffer | undefined): boolean => {
    const actionId = hex(req.ActionID);
    try {
      if (req.Command === "get") {
        used.push(actionId);
        const e = lookup(actionId);
        if (!e) send({ ID: req.ID, Miss: true });
        else send({ ID: req.ID, OutputID: Buffer.from(e.outputId, "hex").toString("base64"), Size: e.size, Time: new Date(e.time).toISOString(), DiskPath: join(e.dir, "o", e.outputId) });
      } else if (req.Command === "put") {
        used.push(actionId);
        const outputId = hex(req.OutputID);
        const data = body ?? Buffer.alloc(0);
        const known = lookup(actionId);
        // the same result again (a relink of an unchanged binary): nothing to write
        if (known && known.outputId === outputId) {
          send({ ID: req.ID, DiskPath: join(known.dir, "o", outputId) });
          return true;
        }
        const existing = [o.delta, o.base].find((d) => existsSync(join(d, "o", outputId)));
        if (!existing) writeAtomic(join(o.delta, "o", outputId), data);
        writeAtomic(join(o.delta, "a", actionId), `${outputId} ${data.length} ${Date.now()}\n`);
        send({ ID: req.ID, DiskPath: join(existing ?? o.delta, "o", outputId) });
      } else if (req.Command === "close") {
        send({ ID: req.ID });
        return false;
      } else send({ ID: req.ID, Err: `unknown command ${req.Command}` });
    } catch (e) {
      send({ ID: req.ID, Err: (e as Error).message });
    }
    return true;
  };

  // Requests are JSON lines; a put with a body is followed by a line holding the body as a
  // base64 JSON string.
  let buf: Buffer = Buffer.alloc(0);
  let pending: Request | undefined;
  try {
    for await (const chunk of o.input) {
      buf = buf.length ? Buffer.concat([buf, chunk as Buffer]) : (chunk as Buffer);
      for (let nl = buf.indexOf(0x0a); nl >= 0; nl = buf.indexOf(0x0a)) {
        const line = buf.subarray(0, nl).toString("utf8").trim();
        buf = buf.subarray(nl + 1);
        if (line === "") continue;
        if (pending) {
          const req = pending;
          pending = undefined;
          if (!handle(req, Buffer.from(JSON.parse(line) as string, "base64"))) return;
          continue;
        }
        const req = JSON.parse(line) as Request;
        if (req.Command === "put" && (req.BodySize ?? 0) > 0) pending = req;
        else if (!handle(req, undefined)) return;
      }
    }
  } finally {
    if (used.length) appendFileSync(o.used, `${used.join("\n")}\n`);
  }
}

/** Runs the cache program on this process's stdin/stdout with the dirs from PAKETO_GOCACHE_{BASE,DELTA,USED}. */
export async function cacheProgFromEnv(env: NodeJS.ProcessEnv): Promise<void> {
  const base = env.PAKETO_GOCACHE_BASE;
  const delta = env.PAKETO_GOCACHE_DELTA;
  const used = env.PAKETO_GOCACHE_USED;
  if (!base || !delta || !used) {
    process.stderr.write("go cache program: PAKETO_GOCACHE_BASE, PAKETO_GOCACHE_DELTA and PAKETO_GOCACHE_USED must be set\n");
    process.exit(2);
  }
  await runCacheProg({ base, delta, used, input: process.stdin, output: process.stdout });
}
