// Which web framework a Node.js project is built with, from package.json's dependencies and the
// framework's config file (plain reads of the project, cheap enough for detect), or as
// BP_NODE_FRAMEWORK says. Every Node.js buildpack asks the same function, so they agree: the
// install buildpacks (what node_modules the image needs), node-run-script (which script, build
// caches, build env), node-framework (the start command, what the image keeps), npm-start and
// node-start (they leave the start to node-framework). docs/frameworks.md is the user's view.
import { join } from "node:path";
import { NodeError } from "./errors.js";
import { type Env, loadProject, type PackageJson, type Project, readIfExists, shown } from "./project.js";

export type FrameworkId = "next" | "nuxt" | "sveltekit" | "react-router" | "remix" | "astro" | "angular" | "nestjs" | "vite";

/**
 * How the built app is served:
 * - `server`: its own Node.js server, with the production node_modules;
 * - `self-contained`: its own Node.js server from a build output that carries its dependencies
 *   (Nuxt's `.output`, Next.js `output: "standalone"`): no node_modules in the image;
 * - `static`: files for a web server (BP_WEB_SERVER), nothing of Node.js in the image.
 */
export type Serving = "server" | "self-contained" | "static";

export interface Framework {
  id: FrameworkId;
  /** The name users know: "Next.js". */
  name: string;
  serving: Serving;
  /** Why: `package.json dependency "next", next.config.ts output: "standalone"` or `BP_NODE_FRAMEWORK=next`. */
  why: string;
  /** The framework's config file in the project, when it has one. */
  config?: string;
  /** Where a static build puts its files, relative to the project (for BP_WEB_SERVER_ROOT). */
  staticDir?: string;
}

/** Settings each framework's build gets (telemetry off, no prompts); a user's own value wins. */
export const BUILD_ENV: Readonly<Record<FrameworkId, Readonly<Record<string, string>>>> = {
  next: { NEXT_TELEMETRY_DISABLED: "1" },
  nuxt: { NUXT_TELEMETRY_DISABLED: "1" },
  sveltekit: {},
  "react-router": {},
  remix: { REMIX_TELEMETRY_DISABLED: "1" },
  astro: { ASTRO_TELEMETRY_DISABLED: "1" },
  angular: { NG_CLI_ANALYTICS: "false" },
  nestjs: {},
  vite: {},
};

/**
 * Build caches the frameworks document, relative to the project, kept from one build to the next.
 * Caches inside node_modules (`.cache`, `.vite`, `.astro`) are kept by the install buildpacks
 * (TOOL_CACHE_DIRS in modules.ts), for every app.
 */
export const PROJECT_CACHES: Readonly<Record<FrameworkId, readonly string[]>> = {
  next: [".next/cache"],
  nuxt: [],
  sveltekit: [],
  "react-router": [],
  remix: [],
  astro: [],
  angular: [".angular/cache"],
  nestjs: [],
  vite: [],
};

const NAMES: Readonly<Record<FrameworkId, string>> = {
  next: "Next.js",
  nuxt: "Nuxt",
  sveltekit: "SvelteKit",
  "react-router": "React Router",
  remix: "Remix",
  astro: "Astro",
  angular: "Angular",
  nestjs: "NestJS",
  vite: "Vite",
};

/** The package that marks each framework, in the order they are tried (Vite last: the others build with it). */
const MARKERS: ReadonlyArray<[FrameworkId, string]> = [
  ["next", "next"],
  ["nuxt", "nuxt"],
  ["sveltekit", "@sveltejs/kit"],
  ["react-router", "@react-router/dev"],
  ["remix", "@remix-run/dev"],
  ["astro", "astro"],
  ["angular", "@angular/core"],
  ["nestjs", "@nestjs/core"],
  ["vite", "vite"],
];

const CONFIG_FILES: Readonly<Partial<Record<FrameworkId, readonly string[]>>> = {
  next: ["next.config.ts", "next.config.mts", "next.config.mjs", "next.config.js", "next.config.cjs"],
  nuxt: ["nuxt.config.ts", "nuxt.config.mjs", "nuxt.config.js"],
  sveltekit: ["svelte.config.js", "svelte.config.ts", "vite.config.ts", "vite.config.js", "vite.config.mjs"],
  "react-router": ["react-router.config.ts", "react-router.config.js", "react-router.config.mjs"],
  remix: ["vite.config.ts", "vite.config.js", "remix.config.js"],
  astro: ["astro.config.mjs", "astro.config.ts", "astro.config.js", "astro.config.mts"],
  angular: ["angular.json"],
  nestjs: ["nest-cli.json"],
  vite: ["vite.config.ts", "vite.config.js", "vite.config.mjs", "vite.config.mts"],
};

export const FRAMEWORK_IDS: readonly FrameworkId[] = MARKERS.map(([id]) => id);

function hasDependency(pkg: PackageJson, name: string): boolean {
  return pkg.dependencies?.[name] !== undefined || pkg.devDependencies?.[name] !== undefined;
}

/**
 * A config file's code without its comments, which often mention the settings they do not set
 * (`// set ssr: false for a single-page app`). `//` after a `:` or a quote is kept (a URL).
 */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

/** A config file's setting `key: "value"` (or 'value'), as written in the common case; config files are code, so this is a reading, not an evaluation. */
function setsString(text: string | undefined, key: string, value: string): boolean {
  return text !== undefined && new RegExp(`\\b${key}\\s*:\\s*["'\`]${value}["'\`]`).test(text);
}

/**
 * The framework of `project`, or undefined for a plain Node.js app. BP_NODE_FRAMEWORK=none turns
 * detection off; BP_NODE_FRAMEWORK=<id> takes that framework whatever the dependencies say.
 */
export async function detectFramework(project: Project, env: Env): Promise<Framework | undefined> {
  const setting = (env.BP_NODE_FRAMEWORK ?? "").trim().toLowerCase();
  if (["none", "false", "off", "0"].includes(setting)) return undefined;
  let id: FrameworkId | undefined;
  let why: string;
  const pkg = project.packageJson;
  if (setting !== "" && setting !== "auto") {
    if (!(FRAMEWORK_IDS as readonly string[]).includes(setting)) {
      throw new NodeError("NODE_FRAMEWORK", `BP_NODE_FRAMEWORK=${env.BP_NODE_FRAMEWORK}: not a framework paketo knows`, {
        hint: `use one of ${FRAMEWORK_IDS.join(", ")}, auto (the default) or none`,
      });
    }
    id = setting as FrameworkId;
    why = `BP_NODE_FRAMEWORK=${setting}`;
  } else {
    const found = MARKERS.find(([, dep]) => hasDependency(pkg, dep));
    // Vite alone is a front-end only when the build script runs it (test runners depend on it too).
    if (found?.[0] === "vite" && !/\bvite\b/.test(pkg.scripts?.build ?? "")) return undefined;
    if (found === undefined) return undefined;
    id = found[0];
    why = `${shown(project.rel, "package.json")} depends on "${found[1]}"`;
  }
  let config: string | undefined;
  let configText: string | undefined;
  for (const f of CONFIG_FILES[id] ?? []) {
    configText = await readIfExists(join(project.dir, f));
    if (configText !== undefined) {
      configText = withoutComments(configText);
      config = f;
      break;
    }
  }
  const base = { id, name: NAMES[id], ...(config ? { config } : {}) };
  const server = (): Framework => ({ ...base, serving: "server", why });
  const statics = (dir: string, reason: string): Framework => ({ ...base, serving: "static", why: `${why}, ${reason}`, staticDir: dir });
  switch (id) {
    case "next":
      if (setsString(configText, "output", "standalone")) return { ...base, serving: "self-contained", why: `${why}, ${config} sets output: "standalone"` };
      if (setsString(configText, "output", "export")) return statics("out", `${config} sets output: "export"`);
      return server();
    case "nuxt":
      return { ...base, serving: "self-contained", why };
    case "sveltekit":
      if (hasDependency(pkg, "@sveltejs/adapter-static") && !hasDependency(pkg, "@sveltejs/adapter-node")) return statics("build", "with @sveltejs/adapter-static");
      return server();
    case "react-router":
      if (configText !== undefined && /\bssr\s*:\s*false\b/.test(configText)) return statics("build/client", `${config} sets ssr: false`);
      return server();
    case "astro":
      if (hasDependency(pkg, "@astrojs/node")) return server();
      return statics("dist", "without @astrojs/node");
    case "angular":
      if (hasDependency(pkg, "@angular/ssr")) return server();
      return statics("dist", "without @angular/ssr");
    case "vite":
      return statics("dist", "its build script runs vite");
    default:
      return server();
  }
}

/**
 * devDependencies the framework loads at runtime, which the image must keep: TypeScript for
 * Next.js before 16 with a `next.config.ts` (`next start` transpiles it with TypeScript, and
 * would try to install it when missing). `tree` is the full node_modules, to read versions from.
 */
export async function launchDevDependencies(project: Project, env: Env, tree: string): Promise<string[]> {
  const framework = await detectFramework(project, env);
  if (framework?.id !== "next" || framework.serving !== "server") return [];
  if (!/^next\.config\.m?ts$/.test(framework.config ?? "") || project.packageJson.devDependencies?.typescript === undefined) return [];
  const version = (await readIfExists(join(tree, "next", "package.json")))?.match(/"version"\s*:\s*"(\d+)\./)?.[1];
  return version !== undefined && Number(version) < 16 ? ["typescript"] : [];
}

/** One line for the build log: `Next.js (package.json depends on "next"): served by its own Node.js server`. */
export function describeFramework(f: Framework): string {
  const how = {
    server: "its own Node.js server with the production node_modules",
    "self-contained": "its own Node.js server from the build output alone (no node_modules in the image)",
    static: "static files for a web server (BP_WEB_SERVER)",
  }[f.serving];
  return `${f.name} (${f.why}): ${how}`;
}

/** The framework that starts the app (node-framework), for the start buildpacks to stand aside; undefined for other apps. */
export async function frameworkStart(appDir: string, env: Env): Promise<Framework | undefined> {
  const project = await loadProject(appDir, env);
  const framework = project === undefined ? undefined : await detectFramework(project, env);
  return framework?.serving === "static" ? undefined : framework;
}

/** Why a start buildpack does not apply to a framework app. */
export function leftToFramework(f: Framework): string {
  return `${f.name} app (${f.why}): paketo-buildpacks/node-framework starts it (BP_NODE_FRAMEWORK=none leaves it to the start script)`;
}
