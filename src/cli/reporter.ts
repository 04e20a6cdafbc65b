import prettyBytes from "pretty-bytes";
import type { ProgressEvent } from "../oci/index.js";

/**
 * Renders progress. On a terminal: one live line per transfer, redrawn in place, on stderr.
 * Elsewhere: silent, so stdout stays parseable.
 */
export interface Reporter {
  progress(e: ProgressEvent): void;
  info(line: string): void;
  /** Stops redrawing and leaves the terminal clean. */
  close(): void;
}

/** Bytes as people read them: `1.5 KiB`, `580 MiB` (powers of 1024, as the cache sizes are given). */
function human(n: number): string {
  return prettyBytes(n, { binary: true, maximumFractionDigits: 1 });
}
export { human as humanBytes };

export function createReporter(stream: NodeJS.WriteStream, opts: { quiet?: boolean } = {}): Reporter {
  const tty = !!stream.isTTY && !opts.quiet;
  const active = new Map<string, { op: string; done: number; total: number }>();
  let drawn = 0;
  let last = 0;
  const draw = (force = false) => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    let out = drawn > 0 ? `\x1b[${drawn}A` : "";
    const lines = [...active.entries()].slice(0, 8).map(([d, s]) => {
      const pct = s.total > 0 ? Math.floor((s.done / s.total) * 100) : 0;
      return `${s.op.padEnd(9)} ${d.slice(7, 19)}  ${human(s.done).padStart(9)} / ${human(s.total).padEnd(9)} ${String(pct).padStart(3)}%`;
    });
    for (const l of lines) out += `\x1b[2K${l}\n`;
    for (let i = lines.length; i < drawn; i++) out += "\x1b[2K\n";
    if (drawn > lines.length) out += `\x1b[${drawn - lines.length}A`;
    drawn = lines.length;
    stream.write(out);
  };
  const finish = (d: string, text: string) => {
    active.delete(d);
    if (drawn > 0) stream.write(`\x1b[${drawn}A\x1b[J`);
    drawn = 0;
    stream.write(`${text}\n`);
    draw(true);
  };
  return {
    progress(e) {
      if (!tty) return;
      switch (e.kind) {
        case "blob-start":
          active.set(e.digest, { op: e.op, done: 0, total: e.total });
          draw();
          break;
        case "blob-progress": {
          const s = active.get(e.digest);
          if (s) {
            s.done = e.done;
            s.total = e.total;
          } else active.set(e.digest, { op: e.op, done: e.done, total: e.total });
          draw();
          break;
        }
        case "blob-done": {
          const verb = e.result === "exists" ? "exists" : e.result === "mounted" ? "mounted" : `${e.op} done`;
          finish(e.digest, `${verb.padEnd(11)} ${e.digest.slice(7, 19)}  ${human(e.total)}`);
          break;
        }
        case "message":
          finish("", e.text);
          break;
      }
    },
    info(line) {
      if (tty) finish("", line);
      else stream.write(`${line}\n`);
    },
    close() {
      if (tty && drawn > 0) stream.write(`\x1b[${drawn}A\x1b[J`);
      drawn = 0;
    },
  };
}
