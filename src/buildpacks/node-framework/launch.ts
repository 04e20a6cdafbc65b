// Each framework's production start, from its build output, as the framework documents it:
// the command (run directly by node: no shell, no npm), the launch env it needs, and what of the
// project the image keeps (the output; not the sources the build compiled).
import { cp, readdir, readFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { exists, type Framework, NodeError, type Project, shown } from "../node-common/index.js";

export interface LaunchPlan {
  /** The command, with absolute paths. */
  command: string[];
  /** For the log: what is started, relative to the project. */
  what: string;
  /** Launch env of the web process: `override` replaces what the container sets (HOSTNAME). */
  env: Array<{ name: string; value: string; how: "override" | "default" }>;
  /**
   * What of the project the image keeps: `only` these paths (a self-contained output), or
   * everything but the framework's `sources` (folders the build compiled into its output).
   */
  keep: { only: string[] } | { sources: string[] };
}

function missing(framework: Framework, project: Project, file: string, hint: string): NodeError {
  return new NodeError("NODE_FRAMEWORK", `${framework.name}: ${shown(project.rel, file)} is missing after the build`, { hint });
}

const BUILD_HINT = 'the build script ("build" in package.json, or BP_NODE_RUN_SCRIPTS) must run the framework\'s production build';

/** The `bin` file `name` of an installed package, as an absolute path. */
async function packageBin(project: Project, pkg: string, name: string): Promise<string | undefined> {
  const text = await readFile(join(project.dir, "node_modules", pkg, "package.json"), "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  const bin = (JSON.parse(text) as { bin?: string | Record<string, string> }).bin;
  const rel = typeof bin === "string" ? bin : bin?.[name];
  return rel === undefined ? undefined : join(project.dir, "node_modules", pkg, rel);
}

/** Files at most `depth` folders below `dir` named `name` (not in node_modules), nearest first. */
async function findFile(dir: string, name: string, depth: number): Promise<string | undefined> {
  let level = [dir];
  for (let d = 0; d <= depth && level.length > 0; d++) {
    for (const p of level) if (await exists(join(p, name))) return join(p, name);
    const next: string[] = [];
    for (const p of level) {
      for (const e of await readdir(p, { withFileTypes: true }).catch(() => [])) {
        if (e.isDirectory() && e.name !== "node_modules") next.push(join(p, e.name));
      }
    }
    level = next.sort();
  }
  return undefined;
}

/** Next.js `output: "standalone"`: server.js with its traced node_modules; static files and public/ copied beside it, as Next.js documents. */
async function nextStandalone(framework: Framework, project: Project): Promise<LaunchPlan> {
  const root = join(project.dir, ".next", "standalone");
  // In a monorepo the server sits at the project's path under the tracing root.
  const server = await findFile(root, "server.js", 4);
  if (server === undefined) throw missing(framework, project, ".next/standalone/server.js", `${framework.config ?? "next.config"} sets output: "standalone", so next build writes it; ${BUILD_HINT}`);
  const dir = dirname(server);
  if (await exists(join(project.dir, "public"))) await cp(join(project.dir, "public"), join(dir, "public"), { recursive: true, verbatimSymlinks: true });
  if (await exists(join(project.dir, ".next", "static"))) await cp(join(project.dir, ".next", "static"), join(dir, ".next", "static"), { recursive: true, verbatimSymlinks: true });
  return {
    command: ["node", server],
    what: `the standalone server ${relative(project.dir, server)}`,
    env: [{ name: "HOSTNAME", value: "0.0.0.0", how: "override" }, { name: "NEXT_TELEMETRY_DISABLED", value: "1", how: "default" }],
    keep: { only: [".next/standalone"] },
  };
}

async function next(framework: Framework, project: Project): Promise<LaunchPlan> {
  if (await exists(join(project.dir, ".next", "standalone"))) return nextStandalone(framework, project);
  if (!(await exists(join(project.dir, ".next", "BUILD_ID")))) throw missing(framework, project, ".next/BUILD_ID", BUILD_HINT);
  const bin = await packageBin(project, "next", "next");
  if (bin === undefined) throw missing(framework, project, "node_modules/next", "next must be a dependency (not a devDependency) of the app");
  return {
    command: ["node", bin, "start"],
    what: "next start",
    env: [{ name: "HOSTNAME", value: "0.0.0.0", how: "override" }, { name: "NEXT_TELEMETRY_DISABLED", value: "1", how: "default" }],
    keep: { sources: ["app", "pages", "src"] },
  };
}

async function nodeEntry(framework: Framework, project: Project, file: string, keep: LaunchPlan["keep"], env: LaunchPlan["env"] = [], hint = BUILD_HINT): Promise<LaunchPlan> {
  if (!(await exists(join(project.dir, file)))) throw missing(framework, project, file, hint);
  return { command: ["node", join(project.dir, file)], what: `node ${file}`, env, keep };
}

/** A request handler served by the framework's own server package (react-router-serve, remix-serve). */
async function served(framework: Framework, project: Project, pkg: string, bin: string, candidates: string[], sources: string[]): Promise<LaunchPlan> {
  let handler: string | undefined;
  for (const c of candidates) if (handler === undefined && (await exists(join(project.dir, c)))) handler = c;
  if (handler === undefined) throw missing(framework, project, candidates[0] as string, BUILD_HINT);
  const serve = await packageBin(project, pkg, bin);
  if (serve === undefined) throw missing(framework, project, `node_modules/${pkg}`, `${bin} runs the app in production: add ${pkg} to the app's dependencies`);
  return { command: ["node", serve, join(project.dir, handler)], what: `${bin} ${handler}`, env: [], keep: { sources } };
}

/** NestJS: dist/<entryFile>.js (nest-cli.json, default main), or dist/src/... when the compiled tree keeps src/. */
async function nest(framework: Framework, project: Project): Promise<LaunchPlan> {
  const cli = await readFile(join(project.dir, "nest-cli.json"), "utf8").then((t) => JSON.parse(t) as { entryFile?: string; sourceRoot?: string }, () => ({}) as { entryFile?: string; sourceRoot?: string });
  const entry = `${cli.entryFile ?? "main"}.js`;
  const file = (await exists(join(project.dir, "dist", entry))) ? join("dist", entry) : join("dist", cli.sourceRoot ?? "src", entry);
  return nodeEntry(framework, project, file, { sources: [cli.sourceRoot ?? "src", "test"] });
}

async function angular(framework: Framework, project: Project): Promise<LaunchPlan> {
  for (const p of (await readdir(join(project.dir, "dist")).catch(() => [] as string[])).sort()) {
    const file = join("dist", p, "server", "server.mjs");
    if (await exists(join(project.dir, file))) return nodeEntry(framework, project, file, { sources: ["src", ".angular"] });
  }
  throw missing(framework, project, "dist/<project>/server/server.mjs", `@angular/ssr's build writes it; ${BUILD_HINT}`);
}

/** How the built app starts, for a framework that serves it with Node.js. */
export async function launchPlan(framework: Framework, project: Project): Promise<LaunchPlan> {
  switch (framework.id) {
    case "next":
      return next(framework, project);
    case "nuxt":
      return nodeEntry(framework, project, ".output/server/index.mjs", { only: [".output"] });
    case "sveltekit":
      return nodeEntry(framework, project, "build/index.js", { sources: ["src", ".svelte-kit", "static"] }, [], `@sveltejs/adapter-node writes it (other adapters write no Node.js server); ${BUILD_HINT}`);
    case "react-router":
      return served(framework, project, "@react-router/serve", "react-router-serve", ["build/server/index.js"], ["app", ".react-router", "public"]);
    case "remix":
      return served(framework, project, "@remix-run/serve", "remix-serve", ["build/server/index.js", "build/index.js"], ["app", "public"]);
    case "astro":
      return nodeEntry(framework, project, "dist/server/entry.mjs", { sources: ["src", ".astro", "public"] }, [{ name: "HOST", value: "0.0.0.0", how: "default" }], `@astrojs/node in standalone mode writes it; ${BUILD_HINT}`);
    case "angular":
      return angular(framework, project);
    case "nestjs":
      return nest(framework, project);
    case "vite":
      throw new NodeError("NODE_FRAMEWORK", "Vite builds static files: a web server serves them", { hint: "set BP_WEB_SERVER=nginx (or httpd)" });
  }
}
