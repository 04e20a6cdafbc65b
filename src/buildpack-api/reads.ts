// Which app paths a detect looked at, so paketo's platform can memoise it on those alone
// (cnb/detect-reads.ts). Node's file-system functions are wrapped once per process; a wrapper
// notes a path only while a detect runs in this async context (AsyncLocalStorage), so several
// detects running at once in one process each get their own record. Wrapping at the fs level
// (rather than offering helpers) catches every way a buildpack reads: its own code, the API's
// helpers, and libraries it uses.
//
// Conservative by rule: a path outside the app (other than the buildpack's own dir and the
// platform dir, which the platform keys separately), any write, a child process or a network
// connection makes the record "untracked", and the platform then keys the detect on the whole app.
import { AsyncLocalStorage } from "node:async_hooks";
// The modules' own objects (default imports), whose functions can be replaced; a namespace
// object (`import * as`) cannot be written to.
import childProcess from "node:child_process";
import dns from "node:dns";
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import net from "node:net";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { DetectRead, DetectReadKind, DetectReads } from "../cnb/index.js";

class Recorder {
  readonly reads: DetectRead[] = [];
  untracked: string | undefined;

  constructor(
    readonly appDir: string,
    readonly covered: readonly string[],
  ) {}

  note(path: unknown, kind: DetectReadKind): void {
    if (this.untracked !== undefined) return;
    const p = pathString(path);
    if (p === undefined) return;
    const abs = resolve(process.cwd(), p);
    const rel = inside(this.appDir, abs);
    if (rel !== undefined) this.reads.push({ path: rel, kind });
    else if (!this.covered.some((c) => inside(c, abs) !== undefined)) this.untracked = `it looked at ${abs}, outside the app`;
  }

  stop(reason: string): void {
    this.untracked ??= reason;
  }

  result(): DetectReads {
    return this.untracked !== undefined ? { tracked: false, reason: this.untracked } : { tracked: true, reads: this.reads };
  }
}

/** `abs` relative to `root` with `/` separators, or undefined when it is not inside. */
function inside(root: string, abs: string): string | undefined {
  const rel = relative(root, abs);
  if (rel === "") return "";
  if (rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return rel.split(sep).join("/");
}

function pathString(p: unknown): string | undefined {
  if (typeof p === "string") return p;
  if (Buffer.isBuffer(p)) return p.toString("utf8");
  if (p instanceof URL) return p.protocol === "file:" ? fileURLToPath(p) : undefined;
  return undefined; // a file descriptor: its open was noted
}

const active = new AsyncLocalStorage<Recorder>();
let installed = false;

type AnyFn = (...args: unknown[]) => unknown;

function replace(obj: object, name: string, make: (orig: AnyFn) => AnyFn): void {
  const target = obj as Record<string, unknown>;
  const orig = target[name];
  if (typeof orig !== "function") return;
  const wrapped = make(orig as AnyFn);
  // Keep what callers rely on: util.promisify.custom (fs.exists), realpath.native, the name.
  for (const key of Reflect.ownKeys(orig)) {
    if (key === "length" || key === "name" || key === "prototype") continue;
    const d = Object.getOwnPropertyDescriptor(orig, key);
    if (d) Object.defineProperty(wrapped, key, d);
  }
  Object.defineProperty(wrapped, "name", { value: name });
  target[name] = wrapped;
}

/** Notes `kind` for the first argument, then calls through. */
function noting(kind: DetectReadKind) {
  return (orig: AnyFn): AnyFn =>
    function (this: unknown, ...args: unknown[]) {
      active.getStore()?.note(args[0], kind);
      return orig.apply(this, args);
    };
}

function stopping(reason: string) {
  return (orig: AnyFn): AnyFn =>
    function (this: unknown, ...args: unknown[]) {
      active.getStore()?.stop(reason);
      return orig.apply(this, args);
    };
}

const TYPE_METHODS = new Set(["isFile", "isDirectory", "isSymbolicLink", "isBlockDevice", "isCharacterDevice", "isFIFO", "isSocket"]);

/** Stats whose type questions cost nothing, and whose other fields note a `stat` read when touched. */
function watchedStats<T extends object>(stats: T, onMeta: () => void): T {
  return new Proxy(stats, {
    get(target, prop) {
      if (typeof prop === "string" && TYPE_METHODS.has(prop)) {
        const fn = (target as Record<string, AnyFn>)[prop] as AnyFn;
        return () => fn.call(target);
      }
      if (typeof prop === "string" && prop !== "constructor" && prop !== "then") onMeta();
      return Reflect.get(target, prop, target);
    },
  });
}

/** stat/lstat: `exists` at the call, `stat` once a field other than the type is read. */
function statting(style: "sync" | "promise" | "callback") {
  return (orig: AnyFn): AnyFn =>
    function (this: unknown, ...args: unknown[]) {
      const r = active.getStore();
      if (r === undefined) return orig.apply(this, args);
      const path = args[0];
      r.note(path, "exists");
      const wrap = (s: unknown) => (s && typeof s === "object" ? watchedStats(s, () => r.note(path, "stat")) : s);
      if (style === "sync") return wrap(orig.apply(this, args));
      if (style === "promise") return (orig.apply(this, args) as Promise<unknown>).then(wrap);
      const cb = args[args.length - 1];
      if (typeof cb !== "function") return orig.apply(this, args);
      return orig.apply(this, [...args.slice(0, -1), (err: unknown, s: unknown) => (cb as AnyFn)(err, wrap(s))]);
    };
}

/** open: reading notes `read`; opening for writing stops tracking. */
function opening(orig: AnyFn): AnyFn {
  return function (this: unknown, ...args: unknown[]) {
    const r = active.getStore();
    if (r !== undefined) {
      const flags = args[1];
      const writes =
        typeof flags === "number"
          ? (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_APPEND)) !== 0
          : typeof flags === "string" && flags !== "r" && flags !== "rs" && flags !== "sr";
      if (writes) r.stop("it opened a file for writing");
      else r.note(args[0], "read");
    }
    return orig.apply(this, args);
  };
}

const WRITES = [
  "writeFile", "appendFile", "mkdir", "mkdtemp", "rm", "rmdir", "unlink", "rename", "copyFile", "cp", "symlink", "link",
  "chmod", "lchmod", "chown", "lchown", "utimes", "lutimes", "truncate", "createWriteStream", "watch", "watchFile",
];

/** Wraps Node's fs, child_process, net and fetch once in this process. */
function install(): void {
  if (installed) return;
  installed = true;
  const p = fs.promises as unknown as Record<string, unknown>;
  for (const [obj, sync, promise] of [
    [fs, true, false],
    [p, false, true],
  ] as const) {
    const names = (base: string) => (sync ? [base, `${base}Sync`] : [base]);
    for (const n of names("readFile")) replace(obj, n, noting("read"));
    for (const n of names("readdir")) replace(obj, n, noting("list"));
    for (const n of names("opendir")) replace(obj, n, noting("list"));
    for (const n of names("readlink")) replace(obj, n, noting("link"));
    for (const n of names("realpath")) replace(obj, n, noting("link"));
    for (const n of names("access")) replace(obj, n, noting("exists"));
    for (const n of names("open")) replace(obj, n, opening);
    for (const base of ["stat", "lstat"]) {
      replace(obj, base, statting(promise ? "promise" : "callback"));
      if (sync) replace(obj, `${base}Sync`, statting("sync"));
    }
    for (const w of WRITES) for (const n of names(w)) replace(obj, n, stopping("it wrote to the file system"));
  }
  replace(fs, "exists", noting("exists"));
  replace(fs, "existsSync", noting("exists"));
  replace(fs, "createReadStream", noting("read"));
  if (typeof fs.realpathSync.native === "function") replace(fs.realpathSync, "native", noting("link"));
  if (typeof fs.realpath.native === "function") replace(fs.realpath, "native", noting("link"));
  for (const n of ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"]) replace(childProcess, n, stopping("it started a process"));
  for (const n of ["connect", "createConnection"]) replace(net, n, stopping("it used the network"));
  for (const n of ["lookup", "resolve"]) replace(dns, n, stopping("it used the network"));
  replace(globalThis, "fetch", stopping("it used the network"));
  // ES modules' named imports of node:fs (and the rest) see the wrappers from now on.
  syncBuiltinESMExports();
}

/**
 * Runs `detect` and records the app paths it looked at. `appDir` is the app as the buildpack sees
 * it; `covered` are dirs whose contents the platform keys by other means (the buildpack's own dir,
 * the platform dir), so reading there keeps the record tracked.
 */
export async function trackReads<T>(o: { appDir: string; covered: readonly string[] }, detect: () => Promise<T>): Promise<{ value: T; reads: DetectReads }> {
  install();
  const r = new Recorder(resolve(o.appDir), o.covered.map((c) => resolve(c)));
  const value = await active.run(r, detect);
  return { value, reads: r.result() };
}
