// Detection with the real default builder (builders/default.toml: every family's buildpacks and
// order groups, as `paketo build` uses it with no --builder): the detect phase's time (`--json`
// timings) of a Node.js app (examples/express-app), a Go app (examples/go-app) and a static site
// (index.html served by nginx, BP_WEB_SERVER=nginx as Paketo asks for it). Each round: fresh (a new
// destination, so no detection memo), after a one-line change (same destination), and fresh with
// every buildpack as its own process (`--buildpack-host off`). The builds are whole builds; their
// downloads come from the bench store's cache (filled by the warm-up builds).
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { copyApp } from "./lib/tools.mjs";

function apps(root, dir) {
  const site = join(dir, "apps-src", "static-site");
  mkdirSync(join(site, "css"), { recursive: true });
  writeFileSync(join(site, "index.html"), "<!doctype html>\n<title>hello</title>\n<link rel=stylesheet href=css/site.css>\n<h1>hello</h1>\n");
  writeFileSync(join(site, "css", "site.css"), "h1 { color: teal; }\n");
  return [
    { name: "node", title: "Node.js (express-app)", source: join(root, "examples/express-app"), edit: "server.js", line: "// bench\n", env: [] },
    { name: "go", title: "Go (examples/go-app)", source: join(root, "examples/go-app"), edit: "main.go", line: "// bench\n", env: [] },
    { name: "static", title: "static site (index.html, BP_WEB_SERVER=nginx)", source: site, edit: "index.html", line: "<!-- bench -->\n", env: ["--env", "BP_WEB_SERVER=nginx"] },
  ];
}

/** How many buildpacks and order groups builders/default.toml has. */
function shape(root) {
  const toml = readFileSync(join(root, "builders/default.toml"), "utf8");
  return { buildpacks: (toml.match(/^\[\[buildpacks\]\]/gm) ?? []).length, groups: (toml.match(/^\[\[order\]\]/gm) ?? []).length };
}

async function detectSeconds(paketo, { dest, dir, extra, log }) {
  const res = await paketo.paketo(["build", dest, "--path", dir, "--json", ...extra], { log });
  const doc = JSON.parse(res.stdout.trim().split("\n").pop());
  return doc.timings.detect / 1000;
}

/** Measures detection with the default builder; the result has the shape bench.mjs reports as `largeBuilder`. */
export async function benchDefaultBuilderDetection({ root, paketo, dir, runs, say, logs }) {
  mkdirSync(dir, { recursive: true });
  const out = { ...shape(root), builder: "the default builder (builders/default.toml)", apps: {} };
  for (const app of apps(root, dir)) {
    const m = (out.apps[app.name] = { title: app.title, fresh: [], oneLine: [], separate: [] });
    for (let r = 1; r <= runs; r++) {
      const src = copyApp(app.source, join(dir, "apps", `${app.name}-${r}`));
      const log = join(logs, `default-builder-${app.name}.log`);
      say(`default builder detection: ${app.name} ${r}/${runs}`);
      m.separate.push(await detectSeconds(paketo, { dest: `bench/detect-${app.name}-sep-${r}`, dir: src, extra: [...app.env, "--buildpack-host", "off"], log }));
      m.fresh.push(await detectSeconds(paketo, { dest: `bench/detect-${app.name}-${r}`, dir: src, extra: app.env, log }));
      appendFileSync(join(src, app.edit), app.line);
      m.oneLine.push(await detectSeconds(paketo, { dest: `bench/detect-${app.name}-${r}`, dir: src, extra: app.env, log }));
    }
  }
  return out;
}
