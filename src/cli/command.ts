import type { ParseArgsConfig } from "node:util";
import type { Redactor } from "../errors/index.js";
import type { Reporter } from "./reporter.js";

/** Everything a command may touch, built once in main.ts. Commands never read process.* themselves. */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: NodeJS.WritableStream;
  /** Where build logs and notes go (stdout stays parseable). */
  stderr: NodeJS.WritableStream;
  reporter: Reporter;
  /** The abort signal fired by Ctrl-C / SIGTERM. */
  signal: AbortSignal;
  /** Learns every credential sent; stdout and stderr are already redacted with it. */
  redactor: Redactor;
}

export type Options = NonNullable<ParseArgsConfig["options"]>;
export type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

/** The shape every command module exports. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Options;
  /** Minimum and maximum number of positional arguments. */
  args: [min: number, max: number];
  run(ctx: CliContext, values: Values, positionals: string[]): Promise<number | void>;
}

/** Options most commands that touch images share. */
export const imageOptions: Options = {
  store: { type: "string" },
  creds: { type: "string" },
  "src-creds": { type: "string" },
  "dest-creds": { type: "string" },
  "insecure-registry": { type: "string", multiple: true },
};
