// The web process for a start script, as a pure function. Three forms, simplest first:
//   direct:  `node server.js --flag` (no hooks, no shell syntax) runs as ["node", ...words], so it
//            works on a run image without a shell and node gets the signals itself;
//   exec:    one simple command (no hooks, no operators): `sh -c 'exec <script> "$@"'`, so the
//            command replaces the shell and gets the signals;
//   wrapped: `<pre> && <script> "$@" && <post>` in a background subshell, with SIGTERM and SIGINT
//            forwarded and its exit status passed on (Paketo's start.sh, inline).
// User arguments reach the script as "$@", like `npm start -- <args>`.
import type { StartScripts } from "./package-json.js";

export type StartForm = "direct" | "exec" | "wrapped";

export interface StartCommand {
  form: StartForm;
  command: string[];
  /** What the log shows: the script as the user wrote it (with its hooks). */
  shown: string;
  /** How the log shows the generated wrapper script, if there is one. */
  labels: ReadonlyMap<string, string>;
}

/** Words that need no shell at all: no quotes, variables, globs, operators or redirections. */
const PLAIN_WORD = /^[\w@%+=:,./-]+$/;
/** Shell syntax that makes a script more than one simple command. */
const COMPOUND = /[;&|<>()`\n\r]|\$\(/;
const RESERVED = new Set(["!", "{", "}", "case", "do", "done", "elif", "else", "esac", "fi", "for", "if", "in", "then", "until", "while", "[[", "]]", "function", "select", "time", "coproc"]);

const WRAPPER = (list: string) =>
  [
    // A background job's stdin is /dev/null unless redirected explicitly: keep the container's.
    "exec 9<&0",
    "trap 'kill -TERM $child 2>/dev/null' TERM",
    "trap 'kill -INT $child 2>/dev/null' INT",
    `( ${list} ) <&9 9<&- &`,
    "child=$!",
    "exec 9<&-",
    // wait returns early when a trapped signal arrives; wait again until the child is gone.
    'while :; do wait "$child"; status=$?; kill -0 "$child" 2>/dev/null || break; done',
    'exit "$status"',
  ].join("\n");

export function startCommand(s: StartScripts): StartCommand {
  const shown = [s.pre, s.start, s.post].filter((x): x is string => x !== undefined).join(" && ");
  const hooks = s.pre !== undefined || s.post !== undefined;
  const script = s.start.trim();
  const words = script.split(/[ \t]+/);
  if (!hooks && words[0] === "node" && words.every((w) => PLAIN_WORD.test(w))) return { form: "direct", command: words, shown, labels: new Map() };
  const first = words[0] ?? "";
  if (!hooks && !COMPOUND.test(script) && /^[\w@%+:,./][\w@%+:,./-]*$/.test(first) && !RESERVED.has(first)) {
    return { form: "exec", command: ["sh", "-c", `exec ${script} "$@"`, "npm-start"], shown, labels: new Map() };
  }
  const list = [s.pre, `${script} "$@"`, s.post].filter((x): x is string => x !== undefined).join(" && ");
  const wrapper = WRAPPER(list);
  return { form: "wrapped", command: ["sh", "-c", wrapper, "npm-start"], shown, labels: new Map([[wrapper, `'<signal-forwarding wrapper of: ${list}>'`]]) };
}

/** With BP_LAUNCH_WITH_TINI: the script's words under tini, without a shell (Paketo: split on whitespace, hooks skipped). */
export function tiniCommand(s: StartScripts): string[] {
  return ["tini", "-g", "--", ...s.start.trim().split(/\s+/)];
}
