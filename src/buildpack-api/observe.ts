// Watching what buildpack code does while it runs: Node's file-system, process and network
// functions are wrapped once per process, and each call is reported to the observer of the async
// context it was made in (AsyncLocalStorage), so several buildpacks running at once in one
// process each see only their own calls. Outside an observed context the wrappers only call
// through. Wrapping at this level (rather than offering helpers) catches every way buildpack code
// reaches the system: its own code, the API's helpers, and the libraries it uses.
import { AsyncLocalStorage } from "node:async_hooks";
import diagnostics from "node:diagnostics_channel";
// The modules' own objects (default imports), whose functions can be replaced; a namespace
// object (`import * as`) cannot be written to.
import childProcess from "node:child_process";
import dns from "node:dns";
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import net from "node:net";
import type { DetectReadKind } from "../cnb/index.js";

/** One call, as an observer sees it. `path` is the call's first argument (a string, Buffer, URL or fd). */
export type Observed =
  | { type: "path"; path: unknown; kind: DetectReadKind }
  | { type: "write" }
  /** `pure`: started inside `pureProcesses` (its answer depends only on files the build sees). */
  | { type: "process"; pure?: boolean }
  | { type: "network" }
  /** Dependency metadata a source published on METADATA_CHANNEL (deps/npm's packuments). */
  | { type: "metadata"; message: unknown };

/**
 * Where dependency sources publish the metadata they answered with (node:diagnostics_channel, so
 * that a source needs no import of this module): deps/npm publishes each packument it returns.
 */
export const METADATA_CHANNEL = "paketo:dependency-metadata";

export interface Observer {
  on(e: Observed): void;
}

/**
 * Runs `fn`, whose processes are pure functions of files the build can see (`node -p
 * process.version`, a compiler over the app's sources): a build record does not count them as
 * something the platform cannot check again. A detect's record still does (their reads are not
 * seen). Outside an observed context it just runs `fn`.
 */
export function pureProcesses<T>(fn: () => Promise<T>): Promise<T> {
  const outer = active.getStore();
  if (outer === undefined) return fn();
  return active.run({ on: (e) => outer.on(e.type === "process" ? { type: "process", pure: true } : e) }, fn);
}

/** Runs `fn` with `observer` told of every file-system, process and network call it makes. */
export function observe<T>(observer: Observer, fn: () => Promise<T>): Promise<T> {
  install();
  return active.run(observer, fn);
}

const active = new AsyncLocalStorage<Observer>();
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
      active.getStore()?.on({ type: "path", path: args[0], kind });
      return orig.apply(this, args);
    };
}

function reporting(type: "write" | "process" | "network") {
  return (orig: AnyFn): AnyFn =>
    function (this: unknown, ...args: unknown[]) {
      active.getStore()?.on({ type });
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
      r.on({ type: "path", path, kind: "exists" });
      const wrap = (s: unknown) => (s && typeof s === "object" ? watchedStats(s, () => r.on({ type: "path", path, kind: "stat" })) : s);
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
      r.on(writes ? { type: "write" } : { type: "path", path: args[0], kind: "read" });
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
    for (const w of WRITES) for (const n of names(w)) replace(obj, n, reporting("write"));
  }
  replace(fs, "exists", noting("exists"));
  replace(fs, "existsSync", noting("exists"));
  replace(fs, "createReadStream", noting("read"));
  if (typeof fs.realpathSync.native === "function") replace(fs.realpathSync, "native", noting("link"));
  if (typeof fs.realpath.native === "function") replace(fs.realpath, "native", noting("link"));
  for (const n of ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"]) replace(childProcess, n, reporting("process"));
  for (const n of ["connect", "createConnection"]) replace(net, n, reporting("network"));
  for (const n of ["lookup", "resolve"]) replace(dns, n, reporting("network"));
  replace(globalThis, "fetch", reporting("network"));
  diagnostics.subscribe(METADATA_CHANNEL, (message) => active.getStore()?.on({ type: "metadata", message }));
  // ES modules' named imports of node:fs (and the rest) see the wrappers from now on.
  syncBuiltinESMExports();
}

