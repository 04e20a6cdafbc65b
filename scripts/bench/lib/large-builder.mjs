// The bench's 40-buildpack builder: paketo's own buildpacks (dist/bundled-buildpacks) plus
// stand-ins for the families the default builder does not have yet (fixtures/family: written on
// our buildpack API, detect by marker files like the real ones, build nothing), in an order shaped
// like Paketo's full builder: .NET, Go, Java, Ruby, PHP, Python, Rust before Node.js, then the web
// servers and Procfile. Measures detection (`--json` timings) of a Node.js app, a Go app and a
// static site: fresh (a new destination: no memo), after a one-line change, and fresh with every
// buildpack as its own process (`--buildpack-host off`).
import { mkdirSync, readdirSync, writeFileSync, appendFileSync } from "node:fs";
import { join } from "node:path";
import { copyApp } from "./tools.mjs";

/** Stand-ins: id → [markers, what it provides]. */
const FAMILIES = {
  "dotnet-core-sdk": [["global.json", "app.csproj", "app.fsproj"], "dotnet-sdk"],
  "dotnet-publish": [["app.csproj", "app.fsproj"], "dotnet-app"],
  "dotnet-execute": [["app.csproj", "app.fsproj", "app.runtimeconfig.json"], "dotnet-run"],
  "go-dist": [["go.mod"], "go"],
  "go-mod-vendor": [["go.mod"], "go-modules"],
  "go-build": [["go.mod", "main.go"], "go-app"],
  "bellsoft-liberica": [["pom.xml", "build.gradle", "build.gradle.kts", "app.jar"], "jdk"],
  maven: [["pom.xml", "mvnw"], "maven"],
  gradle: [["build.gradle", "build.gradle.kts", "gradlew"], "gradle"],
  "executable-jar": [["META-INF/MANIFEST.MF"], "jar"],
  "spring-boot": [["META-INF/MANIFEST.MF"], "spring-boot"],
  mri: [["Gemfile", ".ruby-version"], "mri"],
  bundler: [["Gemfile.lock"], "bundler"],
  "bundle-install": [["Gemfile"], "gems"],
  rackup: [["config.ru"], "rack"],
  "php-dist": [["composer.json", "index.php", "htdocs/index.php"], "php"],
  composer: [["composer.json"], "composer"],
  "php-fpm": [["index.php", "htdocs/index.php"], "php-fpm"],
  cpython: [["requirements.txt", "pyproject.toml", "Pipfile", "setup.py", ".python-version"], "cpython"],
  pip: [["requirements.txt"], "pip"],
  "pip-install": [["requirements.txt"], "site-packages"],
  poetry: [["poetry.lock"], "poetry"],
  "python-start": [["app.py", "main.py", "manage.py"], "python-start"],
  "rust-dist": [["Cargo.toml"], "rust"],
  cargo: [["Cargo.lock", "Cargo.toml"], "cargo"],
  nginx: [["nginx.conf"], "nginx"],
  httpd: [["httpd.conf"], "httpd"],
  "web-servers": [["index.html", "public/index.html", "dist/index.html"], "static"],
  "static-start": [["index.html", "public/index.html", "dist/index.html"], "static-start"],
};

const UTIL_PRE = ["ca-certificates"];
const UTIL_POST = ["procfile", "environment-variables", "image-labels"];

/** The Node.js groups of builders/default.toml. */
const NODE_GROUPS = [
  ["node-engine", "yarn-install", "node-run-script?", "node-start?", "npm-start?"],
  ["node-engine", "pnpm-install", "node-run-script?", "node-start?", "npm-start?"],
  ["node-engine", "npm-install", "node-run-script?", "node-start?", "npm-start?"],
  ["node-engine", "node-start"],
];

const GROUPS = [
  ["dotnet-core-sdk", "dotnet-publish", "dotnet-execute"],
  ["go-dist", "go-mod-vendor?", "go-build"],
  ["bellsoft-liberica", "maven", "executable-jar?", "spring-boot?"],
  ["bellsoft-liberica", "gradle", "executable-jar?", "spring-boot?"],
  ["bellsoft-liberica", "executable-jar", "spring-boot?"],
  ["mri", "bundler", "bundle-install", "rackup?"],
  ["php-dist", "composer?", "php-fpm"],
  ["cpython", "pip", "pip-install", "python-start?"],
  ["cpython", "poetry", "python-start?"],
  ["rust-dist", "cargo"],
  ...NODE_GROUPS,
  ["nginx"],
  ["httpd"],
  ["web-servers", "static-start"],
  ["procfile"],
];

/** The apps: Node.js (the Express example), Go and a static site, each with the file that gets the one-line change. */
export function largeBuilderApps(root, dir) {
  const go = join(dir, "apps-src", "go-app");
  mkdirSync(go, { recursive: true });
  writeFileSync(join(go, "go.mod"), "module example.com/hello\n\ngo 1.24\n");
  writeFileSync(join(go, "main.go"), 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hello")\n}\n');
  const site = join(dir, "apps-src", "static-site");
  mkdirSync(join(site, "css"), { recursive: true });
  writeFileSync(join(site, "index.html"), "<!doctype html>\n<title>hello</title>\n<link rel=stylesheet href=css/site.css>\n<h1>hello</h1>\n");
  writeFileSync(join(site, "css", "site.css"), "h1 { color: teal; }\n");
  return [
    { name: "node", title: "Node.js (express-app)", source: join(root, "examples/express-app"), edit: "server.js", line: "// bench\n" },
    { name: "go", title: "Go (go.mod, main.go)", source: go, edit: "main.go", line: "// bench\n" },
    { name: "static", title: "static site (index.html)", source: site, edit: "index.html", line: "<!-- bench -->\n" },
  ];
}

/** Packages the stand-ins (from the checkout's sources) and creates `name` in the bench store. */
export async function makeLargeBuilder({ root, product, dir, paketo, name }) {
  const { packageBuildpack } = await import(join(product, "dist/buildpack-api/packaging/index.js"));
  const ours = readdirSync(join(product, "dist/bundled-buildpacks"), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const uris = ours.map((n) => join(product, "dist/bundled-buildpacks", n));
  for (const [id, [markers, provides]] of Object.entries(FAMILIES)) {
    const toml = `api = "0.10"\n[buildpack]\nid = "bench/${id}"\nversion = "0.0.1"\nname = "${id} (stand-in)"\n[[targets]]\nos = "linux"\n[metadata]\nmarkers = ${JSON.stringify(markers)}\nprovides = "${provides}"\n`;
    const bp = await packageBuildpack({ entry: join(root, "scripts/bench/fixtures/family/main.ts"), buildpackToml: toml, outDir: join(dir, "bps", id), root });
    uris.push(bp.dir);
  }
  const idOf = (n) => (FAMILIES[n] ? `bench/${n}` : `paketo-buildpacks/${n}`);
  const entry = (n, optional) => `[[order.group]]\nid = "${idOf(n)}"\n${optional ? "optional = true\n" : ""}`;
  const groups = GROUPS.map((g) => {
    const main = g.map((x) => entry(x.replace(/\?$/, ""), x.endsWith("?")));
    const pre = g[0] === "procfile" ? [] : UTIL_PRE.map((u) => entry(u, true));
    const post = UTIL_POST.filter((u) => !g.includes(u)).map((u) => entry(u, true));
    return `[[order]]\n${[...pre, ...main, ...post].join("")}`;
  });
  const count = uris.length;
  const toml = `${uris.map((u) => `[[buildpacks]]\nuri = "${u}"\n`).join("\n")}\n${groups.join("\n")}\n[build]\nimage = "paketo/trixie:build"\n\n[[run.images]]\nimage = "paketo/trixie:run"\n`;
  writeFileSync(join(dir, "large-builder.toml"), toml);
  await paketo.paketo(["builder", "create", name, "--config", join(dir, "large-builder.toml")], { log: join(paketo.o.logs, "large-builder.log") });
  return { buildpacks: count, groups: GROUPS.length };
}

/** One build with the large builder; its detect time in seconds. */
async function detectSeconds(paketo, { dest, dir, builder, cache, extra = [], log }) {
  const res = await paketo.paketo(["build", dest, "--builder", builder, "--path", dir, "--json", ...extra], { cache, log });
  const doc = JSON.parse(res.stdout.trim().split("\n").pop());
  return doc.timings.detect / 1000;
}

/**
 * For each app and round: fresh detection (new destination), after a one-line change (same
 * destination), and fresh with every buildpack as its own process. Records into `out[app]`.
 */
export async function benchLargeBuilder({ paketo, apps, dir, builder, runs, say, logs }) {
  const out = {};
  const cache = paketo.freshCache(join(dir, "cache"));
  for (const app of apps) {
    const m = (out[app.name] = { title: app.title, fresh: [], oneLine: [], separate: [] });
    for (let r = 1; r <= runs; r++) {
      const src = copyApp(app.source, join(dir, "apps", `${app.name}-${r}`));
      const log = join(logs, `large-builder-${app.name}.log`);
      say(`large builder: ${app.name} ${r}/${runs}`);
      m.separate.push(await detectSeconds(paketo, { dest: `bench/large-${app.name}-sep-${r}`, dir: src, builder, cache, extra: ["--buildpack-host", "off"], log }));
      m.fresh.push(await detectSeconds(paketo, { dest: `bench/large-${app.name}-${r}`, dir: src, builder, cache, log }));
      appendFileSync(join(src, app.edit), app.line);
      m.oneLine.push(await detectSeconds(paketo, { dest: `bench/large-${app.name}-${r}`, dir: src, builder, cache, log }));
    }
  }
  return out;
}
