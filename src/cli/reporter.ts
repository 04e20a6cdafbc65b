import type { createLogUpdate } from "log-update";
import prettyBytes from "pretty-bytes";
import type { BlobOp, ProgressEvent } from "../oci/index.js";

/**
 * Renders progress of downloads, layer compression, writes and uploads on stderr. On a terminal:
 * one live line per transfer (bytes, total, percent, rate), redrawn in place by log-update, and a
 * permanent line when each ends. Elsewhere (a pipe, a file, TERM=dumb): the same line when each
 * step ends and nothing in between. A blob that was there already is no step, nor one under 1 MiB
 * done in under a second. stdout (digests, --json documents) is never touched; --quiet drops
 * progress, not `info` lines.
 */
export interface Reporter {
  progress(e: ProgressEvent): void;
  info(line: string): void;
  /** Writes text (a build log's lines) above the live lines, which are drawn again below it. */
  write(text: string): void;
  /** Stops redrawing and leaves the terminal clean. */
  close(): void;
}

/** Bytes as people read them: `1.5 KiB`, `580 MiB` (powers of 1024, as the cache sizes are given). */
function human(n: number): string {
  return prettyBytes(n, { binary: true, maximumFractionDigits: 1 });
}
export { human as humanBytes };

const DONE: Record<BlobOp, string> = { download: "downloaded", upload: "pushed", write: "written", compress: "compressed" };
const ACTIVE: Record<BlobOp, string> = { download: "downloading", upload: "pushing", write: "writing", compress: "compressing" };
/** Live lines shown at once; more transfers are counted on one extra line. */
const MAX_LIVE = 8;
/** Redraws at most this often. */
const REDRAW_MS = 100;
/** A finished step smaller and quicker than this (a config blob, a tiny layer) gets no line of its own. */
const LINE_BYTES = 1 << 20;
const LINE_MS = 1000;

interface Transfer {
  op: BlobOp;
  label: string;
  done: number;
  total: number;
  startedMs: number;
}

function rate(bytes: number, ms: number): string {
  return ms >= 200 ? `${human((bytes * 1000) / ms)}/s` : "";
}

/** `sha256:0123456789ab…` → `0123456789ab`; other keys as they are. */
function shortKey(digest: string): string {
  const i = digest.indexOf(":");
  return i >= 0 ? digest.slice(i + 1, i + 13) : digest;
}

/** The line for a finished step: `downloaded nodejs@22.1.0  28.4 MiB in 3.1 s (9.2 MiB/s)`. */
export function stepLine(op: BlobOp, label: string, bytes: number, ms: number, result: "transferred" | "mounted"): string {
  if (result === "mounted") return `mounted ${label} (${human(bytes)}) from another repository`;
  const r = rate(bytes, ms);
  return `${DONE[op]} ${label}  ${human(bytes)} in ${(ms / 1000).toFixed(1)} s${r ? ` (${r})` : ""}`;
}

export interface ReporterOptions {
  quiet?: boolean;
  /** The environment, for TERM (`dumb`: no live lines). */
  env?: Readonly<Record<string, string | undefined>>;
  /** The clock (tests). */
  now?: () => number;
  /** log-update's factory, for live lines on a terminal (openReporter loads it only then). */
  logUpdate?: typeof createLogUpdate;
}

/** Whether `stream` gets live lines (a terminal, not --quiet, not TERM=dumb). */
function isLive(stream: NodeJS.WriteStream, opts: ReporterOptions): boolean {
  return !!stream.isTTY && !opts.quiet && opts.env?.TERM !== "dumb";
}

/**
 * createReporter, with log-update loaded only for a terminal: it and the twenty modules it
 * brings are most of a command's start-up that a pipe or a file never uses.
 */
export async function openReporter(stream: NodeJS.WriteStream, opts: ReporterOptions = {}): Promise<Reporter> {
  const logUpdate = isLive(stream, opts) ? (await import("log-update")).createLogUpdate : undefined;
  return createReporter(stream, { ...opts, ...(logUpdate ? { logUpdate } : {}) });
}

export function createReporter(stream: NodeJS.WriteStream, opts: ReporterOptions = {}): Reporter {
  const live = isLive(stream, opts);
  const now = opts.now ?? Date.now;
  const active = new Map<string, Transfer>();
  // A terminal that reports no size (a pseudo-terminal without one, as `script` makes) gets the
  // usual 80x24: log-update would draw nothing into zero rows.
  const sized = {
    isTTY: true,
    get columns() {
      return stream.columns || 80;
    },
    get rows() {
      return stream.rows || 24;
    },
    write: (text: string) => stream.write(text),
  } as unknown as NodeJS.WriteStream;
  const update = live && opts.logUpdate ? opts.logUpdate(sized, { showCursor: true }) : undefined;
  let last = 0;
  let shown = false;

  const render = (force = false) => {
    if (!update) return;
    const t = now();
    if (!force && t - last < REDRAW_MS) return;
    last = t;
    const rows = [...active.values()].slice(0, MAX_LIVE).map((s) => {
      const pct = s.total > 0 ? `${String(Math.min(100, Math.floor((s.done / s.total) * 100))).padStart(3)}%` : "";
      const size = s.total > 0 ? `${human(s.done)} / ${human(s.total)}` : human(s.done);
      const r = rate(s.done, t - s.startedMs);
      return `${ACTIVE[s.op].padEnd(11)} ${s.label}  ${size}${pct ? ` ${pct}` : ""}${r ? `  ${r}` : ""}`;
    });
    if (active.size > MAX_LIVE) rows.push(`… and ${active.size - MAX_LIVE} more`);
    if (rows.length === 0) {
      if (shown) update.clear();
      shown = false;
      return;
    }
    update(rows.join("\n"));
    shown = true;
  };
  /** A permanent line above the live ones. */
  const line = (text: string) => {
    if (update && shown) update.clear();
    shown = false;
    stream.write(`${text}\n`);
    render(true);
  };
  const start = (key: string, op: BlobOp, total: number, what?: string) => {
    // Uploads and writes name the blob's kind (`layer`): its digest tells one layer from another
    // (an archive member's name, `blobs/sha256/…`, has it already).
    const short = shortKey(key);
    const label = what === undefined ? short : (op === "upload" || op === "write") && !what.includes(short) ? `${what} ${short}` : what;
    const t: Transfer = { op, label, done: 0, total, startedMs: now() };
    active.set(key, t);
    return t;
  };

  return {
    progress(e) {
      if (opts.quiet) return;
      switch (e.kind) {
        case "blob-start":
          start(e.digest, e.op, e.total, e.what);
          render();
          break;
        case "blob-progress": {
          const s = active.get(e.digest) ?? start(e.digest, e.op, e.total);
          s.done = e.done;
          s.total = e.total;
          render();
          break;
        }
        case "blob-done": {
          const s = active.get(e.digest);
          active.delete(e.digest);
          // A step whose own line is in the build log already (a buildpack's download) only ends its live line.
          if (e.logged) {
            render(true);
            break;
          }
          const bytes = e.total || s?.done || 0;
          const ms = s ? now() - s.startedMs : 0;
          // No line for a blob that was already there (a second push, a cached .deb), one hard-linked
          // into place, or a step too small and quick to matter.
          const quiet = (e.result === "mounted" && e.op !== "upload") || (e.result === "transferred" && bytes < LINE_BYTES && ms < LINE_MS);
          if (e.result === "exists" || quiet) render(true);
          else line(stepLine(e.op, s?.label ?? shortKey(e.digest), bytes, ms, e.result));
          break;
        }
        case "message":
          line(e.text);
          break;
      }
    },
    info(text) {
      line(text);
    },
    write(text) {
      if (update && shown) update.clear();
      shown = false;
      stream.write(text);
      // Drawn again only at the start of a line.
      if (text.endsWith("\n")) render(true);
    },
    close() {
      active.clear();
      if (update && shown) update.clear();
      shown = false;
    },
  };
}
