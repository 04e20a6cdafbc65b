// Live progress from a buildpack to the platform: a paketo extension to the build phase, off
// unless the platform asks for it by setting PAKETO_PROGRESS=1 in the buildpack's environment
// (so under any other CNB platform a buildpack prints only its log). Each event is one stdout
// line, the prefix and a JSON object; the platform takes these lines out of the build log and
// shows them as live progress. The step's own log line stays the buildpack's to write.

/** The variable the platform sets to ask for progress lines. */
export const PROGRESS_ENV = "PAKETO_PROGRESS";
const PREFIX = "::paketo-progress:: ";

export type ProgressOp = "download" | "upload" | "write" | "compress";

/** The events a buildpack may send (the shape of oci's ProgressEvent for one transfer). */
export type ProgressLine =
  | { kind: "blob-start"; op: ProgressOp; digest: string; total: number; what?: string }
  | { kind: "blob-progress"; op: ProgressOp; digest: string; done: number; total: number }
  | { kind: "blob-done"; op: ProgressOp; digest: string; total: number; result: "transferred" | "exists" | "mounted" };

export function encodeProgressLine(e: ProgressLine): string {
  return `${PREFIX}${JSON.stringify(e)}\n`;
}

const OPS = new Set(["download", "upload", "write", "compress"]);
const RESULTS = new Set(["transferred", "exists", "mounted"]);
const count = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/** Shown on the platform's terminal: no control characters (escape sequences) from a buildpack. */
const printable = (s: string): string => s.replace(CONTROL, "").slice(0, 200);

/**
 * The event a line carries, or undefined when it is not a progress line (an ordinary log line).
 * A line with the prefix that does not parse as an event is also undefined: it stays in the log.
 */
export function decodeProgressLine(line: string): ProgressLine | undefined {
  if (!line.startsWith(PREFIX)) return undefined;
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(line.slice(PREFIX.length)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof v !== "object" || v === null || typeof v.digest !== "string" || v.digest.length > 200 || !OPS.has(v.op as string) || !count(v.total)) return undefined;
  const op = v.op as ProgressOp;
  const base = { op, digest: printable(v.digest), total: v.total };
  switch (v.kind) {
    case "blob-start":
      return { kind: "blob-start", ...base, ...(typeof v.what === "string" ? { what: printable(v.what) } : {}) };
    case "blob-progress":
      return count(v.done) ? { kind: "blob-progress", ...base, done: v.done } : undefined;
    case "blob-done":
      return RESULTS.has(v.result as string) ? { kind: "blob-done", ...base, result: v.result as "transferred" | "exists" | "mounted" } : undefined;
    default:
      return undefined;
  }
}
