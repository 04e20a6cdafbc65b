// Which app paths a detect looked at, so paketo's platform can memoise it on those alone
// (cnb/detect-reads.ts), seen through observe.ts.
//
// Conservative by rule: a path outside the app (other than the buildpack's own dir and the
// platform dir, which the platform keys separately), any write, a child process or a network
// connection makes the record "untracked", and the platform then keys the detect on the whole app.
import { isAbsolute, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { DetectRead, DetectReadKind, DetectReads } from "../cnb/index.js";
import { type Observed, type Observer, observe } from "./observe.js";

class Recorder implements Observer {
  readonly reads: DetectRead[] = [];
  untracked: string | undefined;

  constructor(
    readonly appDir: string,
    readonly covered: readonly string[],
  ) {}

  on(e: Observed): void {
    if (e.type === "path") this.note(e.path, e.kind);
    else this.untracked ??= e.type === "write" ? "it wrote to the file system" : e.type === "process" ? "it started a process" : "it used the network";
  }

  private note(path: unknown, kind: DetectReadKind): void {
    if (this.untracked !== undefined) return;
    const p = pathString(path);
    if (p === undefined) return;
    const abs = resolve(process.cwd(), p);
    const rel = inside(this.appDir, abs);
    if (rel !== undefined) this.reads.push({ path: rel, kind });
    else if (!this.covered.some((c) => inside(c, abs) !== undefined)) this.untracked = `it looked at ${abs}, outside the app`;
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

/**
 * Runs `detect` and records the app paths it looked at. `appDir` is the app as the buildpack sees
 * it; `covered` are dirs whose contents the platform keys by other means (the buildpack's own dir,
 * the platform dir), so reading there keeps the record tracked.
 */
export async function trackReads<T>(o: { appDir: string; covered: readonly string[] }, detect: () => Promise<T>): Promise<{ value: T; reads: DetectReads }> {
  const r = new Recorder(resolve(o.appDir), o.covered.map((c) => resolve(c)));
  const value = await observe(r, detect);
  return { value, reads: r.result() };
}
