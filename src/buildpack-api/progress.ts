// ctx.progress: live progress of a buildpack's long steps (a download), sent to the platform as
// progress lines (cnb/progress-line.ts) when it asked for them, and dropped otherwise.
import { encodeProgressLine, PROGRESS_ENV, type ProgressLine } from "../cnb/index.js";
import type { Write } from "./logger.js";

/** Takes progress events (also the `message` kind a download may send, which is dropped: log it). */
export type Progress = (e: ProgressLine | { kind: "message"; text: string }) => void;

/** A transfer's progress is sent at most this often; its start and end always. */
const EVERY_MS = 100;

export function progressWriter(env: Readonly<Record<string, string | undefined>>, write: Write, now: () => number = Date.now): Progress {
  if (env[PROGRESS_ENV] !== "1") return () => {};
  const sent = new Map<string, number>();
  return (e) => {
    if (e.kind === "message") return;
    if (e.kind === "blob-progress") {
      const t = now();
      if (t - (sent.get(e.digest) ?? 0) < EVERY_MS) return;
      sent.set(e.digest, t);
    } else if (e.kind === "blob-done") sent.delete(e.digest);
    write(encodeProgressLine(e));
  };
}
