// Environment changes a layer contributes, as values (libcnb.rs LayerEnv): scope × modification ×
// name × value, written as the spec's env files (CNB-16, CNB-17) without magic key suffixes.
import { parseProcessType, type ProcessType } from "../cnb/index.js";
import { BuildpackError } from "./errors.js";

/**
 * Where a change applies:
 * - `"all"`: build (later buildpacks) and launch: `env/`
 * - `"build"`: later buildpacks only: `env.build/`
 * - `"launch"`: every process at launch: `env.launch/`
 * - `{ process }`: one process type at launch: `env.launch/<type>/`
 */
export type Scope = "all" | "build" | "launch" | { readonly process: ProcessType | string };

/**
 * What a change does (CNB-16): set the value (`override`), set it only when unset or empty
 * (`default`), add to the end or the start (`append`, `prepend`, joined by the `delimiter`
 * set for the same scope and name; none means an empty delimiter).
 */
export type Modification = "override" | "default" | "append" | "prepend" | "delimiter";

export interface EnvChange {
  readonly scope: Scope;
  readonly modification: Modification;
  readonly name: string;
  readonly value: string;
}

const SUFFIX: Record<Modification, string> = {
  override: "override",
  default: "default",
  append: "append",
  prepend: "prepend",
  delimiter: "delim",
};

/** The env directory of a scope, relative to the layer dir. */
export function scopeDir(scope: Scope): string {
  if (scope === "all") return "env";
  if (scope === "build") return "env.build";
  if (scope === "launch") return "env.launch";
  return `env.launch/${parseProcessType(scope.process, "layer env scope")}`;
}

function scopeKey(scope: Scope): string {
  return typeof scope === "string" ? scope : `process:${scope.process}`;
}

function checkName(name: string): string {
  if (name === "" || name.includes(".") || name.includes("/") || name.includes("=") || name.includes("\0")) {
    throw new BuildpackError("BUILDPACK_RESULT", `layer env: ${JSON.stringify(name)} is not a usable variable name`, {
      hint: "env file names are <NAME>.<suffix>, so a name cannot contain '.', '/' or '='",
    });
  }
  return name;
}

interface JoinOptions {
  /** Written as `<NAME>.delim` in the same scope. */
  delim?: string;
  scope?: Scope;
}

/**
 * An immutable set of env changes. Every method returns a new LayerEnv; a change to the same
 * scope, modification and name replaces the earlier one.
 *
 *     layerEnv().override("NODE_ENV", "production").prepend("PATH", bin, { delim: ":", scope: "build" })
 */
export class LayerEnv {
  private constructor(readonly changes: readonly EnvChange[]) {}

  static empty(): LayerEnv {
    return new LayerEnv([]);
  }

  /** Adds one change (the general form of the methods below). */
  with(change: EnvChange): LayerEnv {
    checkName(change.name);
    scopeDir(change.scope);
    const key = (c: EnvChange) => `${scopeKey(c.scope)}\0${c.modification}\0${c.name}`;
    return new LayerEnv([...this.changes.filter((c) => key(c) !== key(change)), Object.freeze({ ...change })]);
  }

  override(name: string, value: string, opts: { scope?: Scope } = {}): LayerEnv {
    return this.with({ scope: opts.scope ?? "all", modification: "override", name, value });
  }

  default(name: string, value: string, opts: { scope?: Scope } = {}): LayerEnv {
    return this.with({ scope: opts.scope ?? "all", modification: "default", name, value });
  }

  append(name: string, value: string, opts: JoinOptions = {}): LayerEnv {
    return this.join("append", name, value, opts);
  }

  prepend(name: string, value: string, opts: JoinOptions = {}): LayerEnv {
    return this.join("prepend", name, value, opts);
  }

  delimiter(name: string, delim: string, opts: { scope?: Scope } = {}): LayerEnv {
    return this.with({ scope: opts.scope ?? "all", modification: "delimiter", name, value: delim });
  }

  private join(modification: "append" | "prepend", name: string, value: string, opts: JoinOptions): LayerEnv {
    const scope = opts.scope ?? "all";
    const env = this.with({ scope, modification, name, value });
    return opts.delim === undefined ? env : env.delimiter(name, opts.delim, { scope });
  }

  /** The files this env is written as: path relative to the layer dir → contents (verbatim), sorted. */
  files(): [string, string][] {
    const out = this.changes.map((c): [string, string] => [`${scopeDir(c.scope)}/${c.name}.${SUFFIX[c.modification]}`, c.value]);
    return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /**
   * `base` with these changes applied as the lifecycle applies them (CNB-16, CNB-17): `env/`
   * first, then `env.build/` (target "build") or `env.launch/` and `env.launch/<process>/`.
   * For running this layer's tools later in the same build.
   */
  apply(base: Readonly<Record<string, string>>, target: "build" | "launch" = "build", process?: string): Record<string, string> {
    const env = { ...base };
    const stages: Scope[] = target === "build" ? ["all", "build"] : ["all", "launch", ...(process === undefined ? [] : [{ process }])];
    for (const stage of stages) {
      const here = this.changes.filter((c) => scopeKey(c.scope) === scopeKey(stage));
      const delim = (name: string) => here.find((c) => c.name === name && c.modification === "delimiter")?.value ?? "";
      const file = (c: EnvChange) => `${c.name}.${SUFFIX[c.modification]}`;
      for (const c of [...here].sort((a, b) => (file(a) < file(b) ? -1 : file(a) > file(b) ? 1 : 0))) {
        const cur = env[c.name];
        if (c.modification === "override") env[c.name] = c.value;
        else if (c.modification === "default") {
          if (cur === undefined || cur === "") env[c.name] = c.value;
        } else if (c.modification === "append") env[c.name] = cur === undefined || cur === "" ? c.value : `${cur}${delim(c.name)}${c.value}`;
        else if (c.modification === "prepend") env[c.name] = cur === undefined || cur === "" ? c.value : `${c.value}${delim(c.name)}${cur}`;
      }
    }
    return env;
  }
}

/** An empty LayerEnv to chain changes on. */
export function layerEnv(): LayerEnv {
  return LayerEnv.empty();
}
