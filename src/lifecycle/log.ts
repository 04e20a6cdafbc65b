// Build output that reads like a build log: phase headers, each buildpack's title with its output
// lines indented under it, and timings for a summary (`--timings`). Writes to an injected sink.

/** Receives whole lines, each ending in "\n". The CLI passes stderr or stdout. */
export type LogSink = (text: string) => void;

/** Milliseconds from an arbitrary origin; injected so tests can control time. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => performance.now() };

export interface Timing {
  label: string;
  ms: number;
}

export interface BuildLog {
  /** Debug lines and every buildpack's detect output are shown only when verbose. */
  readonly verbose: boolean;
  /** A phase header: `===> DETECTING`. */
  phase(name: string): void;
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
  /**
   * Starts a buildpack's section: a blank line and its title (`Paketo Buildpack for Node Engine
   * 1.2.3`). Returns the writer for its output lines, which are indented under the title.
   */
  buildpack(title: string): (line: string) => void;
  /** Runs `fn` and records its wall time under `label`, also when it throws. */
  time<T>(label: string, fn: () => Promise<T>): Promise<T>;
  timings(): readonly Timing[];
  /** The timings as aligned lines, with a total of the top-level ones (labels without ": "). */
  summary(): string[];
}

/** Where a phase reports what it does: the build log (or anything with these three methods). */
export type PhaseLog = Pick<BuildLog, "info" | "warn" | "debug">;

/** A log that says nothing. */
export const quietLog: PhaseLog = { info: () => {}, warn: () => {}, debug: () => {} };

const INDENT = "  ";

/** A multi-line message becomes several lines, each written with the same prefix. */
function lines(message: string): string[] {
  return message.replace(/\n$/, "").split("\n");
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function createBuildLog(opts: { sink: LogSink; verbose?: boolean; clock?: Clock }): BuildLog {
  const { sink } = opts;
  const clock = opts.clock ?? systemClock;
  const verbose = opts.verbose ?? false;
  const recorded: Timing[] = [];
  const write = (prefix: string, message: string) => {
    for (const l of lines(message)) sink(`${prefix}${l}\n`);
  };
  return {
    verbose,
    phase: (name) => sink(`===> ${name.toUpperCase()}\n`),
    info: (m) => write("", m),
    warn: (m) => write("Warning: ", m),
    debug: (m) => {
      if (verbose) write("", m);
    },
    buildpack(title) {
      sink(`\n${title}\n`);
      // A buildpack that prints its own title first (Paketo's do) is not titled twice; its lines
      // are then already indented under that title, so they are written as they are.
      let first = true;
      let ownTitle = false;
      return (line) => {
        const l = line.replace(/\n$/, "");
        if (first && l.trim() !== "") {
          first = false;
          if (l.trim() === title.trim()) {
            ownTitle = true;
            return;
          }
        }
        sink(l === "" ? "\n" : `${ownTitle ? "" : INDENT}${l}\n`);
      };
    },
    async time(label, fn) {
      // Recorded in start order, so a phase comes before the steps inside it.
      const entry: Timing = { label, ms: 0 };
      recorded.push(entry);
      const start = clock.now();
      try {
        return await fn();
      } finally {
        entry.ms = clock.now() - start;
      }
    },
    timings: () => recorded.map((t) => ({ ...t })),
    summary() {
      if (recorded.length === 0) return [];
      const width = Math.max(...recorded.map((t) => t.label.length), "total".length);
      const out = recorded.map((t) => `${t.label.padEnd(width)}  ${formatMs(t.ms).padStart(9)}`);
      const total = recorded.filter((t) => !t.label.includes(": ")).reduce((s, t) => s + t.ms, 0);
      out.push(`${"total".padEnd(width)}  ${formatMs(total).padStart(9)}`);
      return out;
    },
  };
}
