// BPE_* settings → launch env changes, as a pure function. The typed prefixes are tried first
// (APPEND_, DEFAULT_, DELIM_, OVERRIDE_, PREPEND_); anything else after BPE_ is an override.
// So BPE_DEFAULT_FOO sets FOO's default; a variable literally named DEFAULT_FOO is
// BPE_OVERRIDE_DEFAULT_FOO.
import type { Modification } from "../../buildpack-api/index.js";
import { EnvVarsError } from "./errors.js";

export const PREFIX = "BPE_";

const TYPED: readonly [string, Modification][] = [
  ["APPEND_", "append"],
  ["DEFAULT_", "default"],
  ["DELIM_", "delimiter"],
  ["OVERRIDE_", "override"],
  ["PREPEND_", "prepend"],
];

export interface LaunchVariable {
  name: string;
  modification: Modification;
  value: string;
  /** The BPE_* variable it came from. */
  from: string;
}

export interface Variables {
  variables: LaunchVariable[];
  /** Settings that lost to another one for the same variable. */
  warnings: string[];
}

/** Whether any BPE_* setting is present (detect's rule, Paketo's). */
export function hasSettings(env: Readonly<Record<string, string>>): boolean {
  return Object.keys(env).some((k) => k.startsWith(PREFIX));
}

function parseKey(key: string): { name: string; modification: Modification; explicit: boolean } {
  const rest = key.slice(PREFIX.length);
  for (const [prefix, modification] of TYPED) {
    if (rest.startsWith(prefix)) return { name: rest.slice(prefix.length), modification, explicit: true };
  }
  return { name: rest, modification: "override", explicit: false };
}

/** The launch env the BPE_* settings of `env` ask for, sorted by variable and modification. */
export function launchVariables(env: Readonly<Record<string, string>>): Variables {
  const chosen = new Map<string, LaunchVariable & { explicit: boolean }>();
  const warnings: string[] = [];
  for (const key of Object.keys(env).filter((k) => k.startsWith(PREFIX)).sort()) {
    const { name, modification, explicit } = parseKey(key);
    if (name === "" || !/^[^.=/\0]+$/.test(name)) {
      throw new EnvVarsError("BPE_NAME", `${key} does not name a variable${name === "" ? "" : ` (${JSON.stringify(name)} cannot be an env file name)`}`, {
        hint: "write BPE_<NAME>, BPE_OVERRIDE_<NAME>, BPE_DEFAULT_<NAME>, BPE_APPEND_<NAME>, BPE_PREPEND_<NAME> or BPE_DELIM_<NAME>; NAME cannot contain '.', '/' or '='",
      });
    }
    const slot = `${name}\0${modification}`;
    const v = { name, modification, value: env[key] as string, from: key, explicit };
    const prev = chosen.get(slot);
    if (prev === undefined) chosen.set(slot, v);
    else {
      // Only BPE_X and BPE_OVERRIDE_X can meet here: the explicit form wins.
      const [win, lose] = v.explicit ? [v, prev] : [prev, v];
      chosen.set(slot, win);
      warnings.push(`${lose.from} is ignored: ${win.from} also sets ${name}`);
    }
  }
  const variables = [...chosen.values()]
    .map(({ explicit: _, ...v }) => v)
    .sort((a, b) => (a.name === b.name ? (a.modification < b.modification ? -1 : 1) : a.name < b.name ? -1 : 1));
  return { variables, warnings };
}
