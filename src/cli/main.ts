// The paketo command line: the only place that reads process.argv/env and calls process.exit.
import { parseArgs } from "node:util";
import { Redactor } from "../errors/index.js";
import type { Command, CliContext } from "./command.js";
import { redactWrites } from "./redact.js";
import { commandNames, loadCommand } from "./commands/index.js";

const VERSION = "0.1.0";

// Every credential sent to a registry is learnt here, and nothing printed carries one.
const redactor = new Redactor();
redactWrites(process.stdout, redactor);
redactWrites(process.stderr, redactor);

async function usage(): Promise<string> {
  const rows: string[] = [];
  for (const n of commandNames) {
    const c = await loadCommand(n);
    rows.push(`  ${n.padEnd(10)} ${c?.summary.split(/(?<=\.) /)[0] ?? ""}`);
  }
  return [
    "usage: paketo COMMAND [OPTIONS]",
    "",
    ...rows,
    "",
    "IMAGE arguments are NAME[:TAG] in the local store, oci:DIR[:TAG], oci-archive:FILE[:TAG],",
    "docker-archive:FILE[:NAME:TAG] or docker://HOST/REPO[:TAG|@DIGEST].",
    "Run `paketo COMMAND --help` for a command's options.",
  ].join("\n");
}

class UsageError extends Error {}

function commandHelp(c: Command): string {
  const opts = Object.entries(c.options)
    .map(([k, o]) => `  --${k}${o.type === "string" ? " VALUE" : ""}${o.multiple ? " (repeatable)" : ""}`)
    .join("\n");
  return `usage: ${c.usage}\n\n${c.summary}\n${opts ? `\noptions:\n${opts}\n` : ""}`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${await usage()}\n`);
    return name ? 0 : 2;
  }
  if (name === "--version" || name === "version") {
    process.stdout.write(`paketo ${VERSION}\n`);
    return 0;
  }
  const cmd = await loadCommand(name);
  if (!cmd) throw new UsageError(`unknown command "${name}"\n\n${await usage()}`);
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(commandHelp(cmd));
    return 0;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { ...cmd.options, quiet: { type: "boolean", short: "q" } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${commandHelp(cmd)}`);
  }
  const [min, max] = cmd.args;
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    throw new UsageError(`wrong number of arguments\n\n${commandHelp(cmd)}`);
  }
  // Loaded only when a command runs: its terminal renderer is most of what a bare start would load.
  const { openReporter } = await import("./reporter.js");
  const reporter = await openReporter(process.stderr, { quiet: parsed.values.quiet === true, env: process.env });
  const controller = new AbortController();
  const ctx: CliContext = {
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    reporter,
    signal: controller.signal,
    redactor,
  };
  const onSignal = (sig: NodeJS.Signals) => {
    reporter.close();
    // Every write paketo makes is a verified temp file renamed into place, so stopping here leaves
    // the store, caches and previous images exactly as they were.
    process.stderr.write(`\npaketo: interrupted (${sig}); nothing was half-written\n`);
    controller.abort();
    process.exit(sig === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    return (await cmd.run(ctx, parsed.values, parsed.positionals)) ?? 0;
  } finally {
    reporter.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  async (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`paketo: ${e.message}\n`);
      process.exit(2);
    }
    // Imported here, not bundled into the CLI's start file (scripts/package-cli.mjs): the errors
    // thrown are instances of this module's PaketoError class.
    const { isPaketoError, rootCause } = await import("../errors/index.js");
    if (isPaketoError(e)) {
      const cause = e.cause !== undefined ? rootCause(e) : undefined;
      // The root cause is added unless the message already says it (compared without the code
      // rootCause appends, and by its first line, since TOML errors carry context lines).
      let inner: unknown = e;
      while (inner instanceof Error && inner.cause !== undefined && inner.cause !== inner) inner = inner.cause;
      const said = inner instanceof Error ? (inner.message.split("\n")[0] ?? "").trim() : String(inner);
      const because = cause && !e.message.includes(said) ? `: ${cause}` : "";
      process.stderr.write(`paketo: error: ${e.message}${because}\n`);
      if (e.hint) process.stderr.write(`hint: ${e.hint}\n`);
      if (process.env.PAKETO_DEBUG && e.stack) process.stderr.write(`${e.stack}\n`);
      // Lifecycle failures carry the CNB platform spec's exit code for their phase (CNB-28).
      const phaseCode = (e as { exitCode?: unknown }).exitCode;
      process.exit(typeof phaseCode === "number" && phaseCode > 0 && phaseCode < 126 ? phaseCode : 1);
    }
    process.stderr.write(`paketo: internal error (this is a bug in paketo, please report it):\n${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(70);
  },
);
