// Build output with meaning (packit scribe's role): a title, then steps indented by level. The
// platform indents a buildpack's whole output under its own heading; these levels are relative.

/** Writes text (already newline-terminated) somewhere: stdout in a real run, a buffer in tests. */
export type Write = (text: string) => void;

/** Receives a child process's output chunks and writes them as indented lines. */
export interface LineWriter {
  write(chunk: string | Uint8Array): void;
  /** Flushes a last line without a newline. */
  end(): void;
}

export interface Logger {
  /** Level 0: `Paketo Buildpack for Node Engine 1.2.3`. */
  title(text: string): void;
  /** Level 1: a step, `Resolving Node Engine version`. */
  process(text: string): void;
  /** Level 2: a sub-step, `Selected Node Engine version 22.11.0`. */
  subprocess(text: string): void;
  /** Level 3: an action inside a sub-step. */
  action(text: string): void;
  /** Level 4: a detail. */
  detail(text: string): void;
  /** An empty line. */
  break(): void;
  /** A warning at level 1, prefixed `Warning:`. */
  warning(text: string): void;
  /** Indented lines for a tool's streamed output (e.g. `npm ci`), at `level` (default 3). */
  lines(level?: number): LineWriter;
  /** The same methods, silent unless BP_LOG_LEVEL=DEBUG. */
  readonly debug: Logger;
}

const INDENT = "  ";

function indent(text: string, level: number): string {
  const pad = INDENT.repeat(level);
  return text
    .split("\n")
    .map((line) => (line === "" ? "" : pad + line))
    .join("\n");
}

function lineWriter(write: Write, level: number): LineWriter {
  const decoder = new TextDecoder();
  let pending = "";
  return {
    write(chunk) {
      pending += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
      const cut = pending.lastIndexOf("\n");
      if (cut < 0) return;
      write(`${indent(pending.slice(0, cut), level)}\n`);
      pending = pending.slice(cut + 1);
    },
    end() {
      pending += decoder.decode();
      if (pending !== "") write(`${indent(pending, level)}\n`);
      pending = "";
    },
  };
}

function levelled(write: Write, debug: Logger | undefined): Logger {
  const at = (level: number) => (text: string) => write(`${indent(text, level)}\n`);
  const self: Logger = {
    title: at(0),
    process: at(1),
    subprocess: at(2),
    action: at(3),
    detail: at(4),
    break: () => write("\n"),
    warning: (text) => at(1)(`Warning: ${text}`),
    lines: (level = 3) => lineWriter(write, level),
    get debug() {
      return debug ?? self;
    },
  };
  return self;
}

/** A logger writing to `write`; `debug: true` (BP_LOG_LEVEL=DEBUG) makes `logger.debug` print too. */
export function createLogger(write: Write, opts: { debug?: boolean } = {}): Logger {
  const debug = opts.debug ? undefined : levelled(() => {}, undefined);
  return levelled(write, debug);
}
