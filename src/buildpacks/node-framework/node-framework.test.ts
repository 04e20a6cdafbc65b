// node-framework on build outputs laid out as each framework writes them (the frameworks' own
// builds run in the e2e tests, src/e2e/frameworks.test.ts): detection, the start command, the
// launch env, what of the project the image keeps.
import assert from "node:assert/strict";
import { readdir, rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { describe, test } from "node:test";
import { runBuild, runDetect } from "../../buildpack-api/testing/index.js";
import { buildpackToml } from "../node-common/testing/index.js";
import { nodeFramework } from "./buildpack.js";
import { keepRules } from "./prune.js";

const toml = buildpackToml("node-framework");
const bp = nodeFramework();
const pkg = (deps: Record<string, string>, extra: Record<string, unknown> = {}) => JSON.stringify({ name: "app", dependencies: deps, scripts: { build: "x" }, ...extra });

describe("node-framework detect", { concurrency: true }, () => {
  test("a framework's own server needs Node.js and node_modules at launch; a self-contained output only Node.js", async () => {
    const next = await runDetect(bp, { buildpackToml: toml, app: { "package.json": pkg({ next: "16.4.3" }), "next.config.ts": "export default {};\n" } });
    assert.ok(next.outcome === "pass", next.stderr);
    assert.deepEqual(next.plan.requires, [
      { name: "node", metadata: { launch: true } },
      { name: "node_modules", metadata: { launch: true } },
    ]);
    const apps: Record<string, string>[] = [
      { "package.json": pkg({ next: "16.4.3" }), "next.config.ts": 'const c = {\n  output: "standalone",\n};\nexport default c;\n' },
      { "package.json": pkg({ nuxt: "4.6.4" }) },
    ];
    // Settings in comments are not settings.
    const commented: Record<string, string>[] = [
      { "package.json": pkg({ next: "16.4.3" }), "next.config.ts": '// output: "standalone" makes a smaller image\nexport default { /* output: "export" */ };\n' },
      { "package.json": pkg({ "@react-router/dev": "8.5.3" }), "react-router.config.ts": "export default {\n  // `ssr: false` makes a single-page app\n  ssr: true,\n};\n" },
    ];
    for (const app of commented) {
      const d = await runDetect(bp, { buildpackToml: toml, app });
      assert.ok(d.outcome === "pass", d.stdout + d.stderr);
      assert.deepEqual(d.plan.requires[1], { name: "node_modules", metadata: { launch: true } });
    }
    for (const app of apps) {
      const d = await runDetect(bp, { buildpackToml: toml, app });
      assert.ok(d.outcome === "pass", d.stderr);
      assert.deepEqual(d.plan.requires, [{ name: "node", metadata: { launch: true } }]);
    }
  });

  test("static sites, plain Node.js apps and BP_NODE_FRAMEWORK=none do not apply; an unknown BP_NODE_FRAMEWORK is one error listing the known ones", async () => {
    const astro = await runDetect(bp, { buildpackToml: toml, app: { "package.json": pkg({ astro: "7.4.8" }) } });
    assert.equal(astro.outcome, "fail");
    assert.match(astro.stdout + astro.stderr, /Astro builds static files here \(package\.json depends on "astro", without @astrojs\/node\)/);
    assert.equal((await runDetect(bp, { buildpackToml: toml, app: { "package.json": pkg({ express: "5.0.0" }) } })).outcome, "fail");
    assert.equal((await runDetect(bp, { buildpackToml: toml, app: { "package.json": pkg({ vite: "8.0.0", vitest: "4.0.0" }) } })).outcome, "fail");
    assert.equal((await runDetect(bp, { buildpackToml: toml, app: { "package.json": pkg({ next: "16.4.3" }) }, env: { BP_NODE_FRAMEWORK: "none" } })).outcome, "fail");
    const forced = await runDetect(bp, { buildpackToml: toml, app: { "package.json": pkg({}) }, env: { BP_NODE_FRAMEWORK: "nestjs" } });
    assert.equal(forced.outcome, "pass");
    const bad = await runDetect(bp, { buildpackToml: toml, app: { "package.json": pkg({}) }, env: { BP_NODE_FRAMEWORK: "rails" } });
    assert.equal(bad.outcome, "error");
    assert.match(bad.stderr, /^ERROR: BP_NODE_FRAMEWORK=rails: not a framework paketo knows\n {2}hint: use one of next, nuxt, sveltekit, react-router, remix, astro, angular, nestjs, vite, auto \(the default\) or none\n/);
  });
});

/** The files of the app after the build, relative to it. */
async function appFiles(ws: string): Promise<string[]> {
  const entries = await readdir(ws, { recursive: true, withFileTypes: true });
  return entries.filter((e) => !e.isDirectory()).map((e) => relative(ws, join(e.parentPath, e.name))).sort();
}

async function built(app: Record<string, string>, env: Record<string, string> = {}) {
  const b = await runBuild(bp, { buildpackToml: toml, app, env, keep: true });
  return { b, ws: join(b.dir, "workspace"), done: () => rm(b.dir, { recursive: true, force: true }) };
}

describe("node-framework build", { concurrency: true }, () => {
  test("Next.js: next start run by node directly, HOSTNAME=0.0.0.0 for the web process; the image keeps .next, public and config, not app/", async () => {
    const { b, ws, done } = await built({
      "package.json": pkg({ next: "16.4.3" }),
      "next.config.ts": "export default {};\n",
      ".next/BUILD_ID": "abc",
      "node_modules/next/package.json": JSON.stringify({ name: "next", bin: { next: "./dist/bin/next" } }),
      "node_modules/next/dist/bin/next": "",
      "app/page.tsx": "export default () => null;\n",
      "public/logo.svg": "<svg/>",
    });
    try {
      assert.equal(b.outcome, "success", b.stderr + b.stdout);
      assert.deepEqual(b.launch?.processes, [{ type: "web", command: ["node", join(ws, "node_modules/next/dist/bin/next"), "start"], args: [], direct: true, default: true }]);
      assert.deepEqual(b.layers.framework?.types, { launch: true, build: false, cache: false });
      assert.equal(b.layers.framework?.files["env.launch/web/HOSTNAME.override"], "0.0.0.0");
      assert.equal(b.layers.framework?.files["env.launch/web/NEXT_TELEMETRY_DISABLED.default"], "1");
      assert.match(b.stdout, /Next\.js \(package\.json depends on "next"\): its own Node\.js server/);
      assert.match(b.stdout, /Start command: next start\n/);
      assert.match(b.stdout, /Left out of the image \(sources compiled into the output; BP_KEEP_FILES keeps files\):\n {4}app\n/);
      assert.deepEqual(await appFiles(ws), [
        ".next/BUILD_ID",
        "next.config.ts",
        "node_modules/next/dist/bin/next",
        "node_modules/next/package.json",
        "package.json",
        "public/logo.svg",
      ]);
    } finally {
      await done();
    }
  });

  test('Next.js output: "standalone": node server.js; static files and public/ copied beside it, and nothing else of the project kept', async () => {
    const { b, ws, done } = await built({
      "package.json": pkg({ next: "16.4.3" }),
      "next.config.ts": 'export default { output: "standalone" };\n',
      ".next/BUILD_ID": "abc",
      ".next/server/app/index.html": "<html/>",
      ".next/static/chunks/a.js": "a",
      ".next/standalone/server.js": "require('next')",
      ".next/standalone/package.json": "{}",
      ".next/standalone/node_modules/next/package.json": "{}",
      ".next/standalone/.next/server/app/index.html": "<html/>",
      "public/logo.svg": "<svg/>",
      "app/page.tsx": "",
      Procfile: "worker: node worker.js\n",
      // The build tree as the platform's mount shows it: the install buildpack's, left alone.
      "node_modules/next/package.json": "{}",
    });
    try {
      assert.equal(b.outcome, "success", b.stderr + b.stdout);
      assert.deepEqual(b.launch?.processes[0]?.command, ["node", join(ws, ".next/standalone/server.js")]);
      assert.match(b.stdout, /Start command: the standalone server \.next\/standalone\/server\.js/);
      assert.deepEqual(await appFiles(ws), [
        ".next/standalone/.next/server/app/index.html",
        ".next/standalone/.next/static/chunks/a.js",
        ".next/standalone/node_modules/next/package.json",
        ".next/standalone/package.json",
        ".next/standalone/public/logo.svg",
        ".next/standalone/server.js",
        "Procfile",
        "node_modules/next/package.json",
      ]);
    } finally {
      await done();
    }
  });

  test("Nuxt: node .output/server/index.mjs, the output alone in the image; BP_KEEP_FILES keeps what a glob matches", async () => {
    const { b, ws, done } = await built(
      {
        "package.json": pkg({ nuxt: "4.6.4" }),
        "nuxt.config.ts": "export default defineNuxtConfig({});\n",
        ".output/server/index.mjs": "",
        ".output/public/robots.txt": "",
        "app/app.vue": "",
        "content/a.md": "# a",
        "content/b.txt": "b",
      },
      { BP_KEEP_FILES: "./content/*.md:missing/" },
    );
    try {
      assert.equal(b.outcome, "success", b.stderr + b.stdout);
      assert.deepEqual(b.launch?.processes[0]?.command, ["node", join(ws, ".output/server/index.mjs")]);
      assert.match(b.stdout, /Left out of the image \(Nuxt's output is all it runs; BP_KEEP_FILES keeps files\):\n {4}app, content\/b\.txt, nuxt\.config\.ts, package\.json\n/);
      assert.deepEqual(await appFiles(ws), [".output/public/robots.txt", ".output/server/index.mjs", "content/a.md"]);
      assert.equal(b.layers.framework, undefined, "Nitro needs no launch env");
    } finally {
      await done();
    }
  });

  test("React Router: react-router-serve (its package's bin, run by node) on build/server/index.js; Astro: HOST=0.0.0.0 unless set; NestJS: dist/main.js", async () => {
    const rr = await built({
      "package.json": pkg({ "@react-router/serve": "8.5.3" }, { devDependencies: { "@react-router/dev": "8.5.3" } }),
      "build/server/index.js": "",
      "build/client/assets/a.js": "",
      "node_modules/@react-router/serve/package.json": JSON.stringify({ bin: { "react-router-serve": "bin.cjs" } }),
      "app/root.tsx": "",
    });
    try {
      assert.equal(rr.b.outcome, "success", rr.b.stderr + rr.b.stdout);
      assert.deepEqual(rr.b.launch?.processes[0]?.command, ["node", join(rr.ws, "node_modules/@react-router/serve/bin.cjs"), join(rr.ws, "build/server/index.js")]);
      assert.ok(!(await appFiles(rr.ws)).includes("app/root.tsx"));
    } finally {
      await rr.done();
    }
    const astro = await built({ "package.json": pkg({ astro: "7.4.8", "@astrojs/node": "11.1.6" }), "dist/server/entry.mjs": "", "src/pages/index.astro": "" });
    try {
      assert.equal(astro.b.outcome, "success", astro.b.stderr + astro.b.stdout);
      assert.deepEqual(astro.b.launch?.processes[0]?.command, ["node", join(astro.ws, "dist/server/entry.mjs")]);
      assert.equal(astro.b.layers.framework?.files["env.launch/web/HOST.default"], "0.0.0.0");
    } finally {
      await astro.done();
    }
    const nest = await built({ "package.json": pkg({ "@nestjs/core": "12.0.1" }), "nest-cli.json": '{"sourceRoot": "src"}', "dist/main.js": "", "src/main.ts": "", "test/app.e2e-spec.ts": "" });
    try {
      assert.equal(nest.b.outcome, "success", nest.b.stderr + nest.b.stdout);
      assert.deepEqual(nest.b.launch?.processes[0]?.command, ["node", join(nest.ws, "dist/main.js")]);
      assert.match(nest.b.stdout, /Left out of the image \(sources compiled into the output; BP_KEEP_FILES keeps files\):\n {4}src, test\n/);
    } finally {
      await nest.done();
    }
  });

  test("a missing build output is one error naming the file and what writes it", async () => {
    const sk = await runBuild(bp, { buildpackToml: toml, app: { "package.json": pkg({ "@sveltejs/kit": "2.63.0" }), "src/app.html": "" } });
    assert.equal(sk.outcome, "error");
    assert.match(sk.stderr, /^ERROR: SvelteKit: build\/index\.js is missing after the build\n {2}hint: @sveltejs\/adapter-node writes it \(other adapters write no Node\.js server\); the build script/);
    const rr = await runBuild(bp, { buildpackToml: toml, app: { "package.json": pkg({ "@react-router/dev": "8.5.3" }), "build/server/index.js": "" } });
    assert.equal(rr.outcome, "error");
    assert.match(rr.stderr, /React Router: node_modules\/@react-router\/serve is missing after the build\n {2}hint: react-router-serve runs the app in production: add @react-router\/serve to the app's dependencies/);
  });
});

test("keepRules: colon-separated globs, ./ and trailing slashes ignored", () => {
  assert.deepEqual(keepRules("./content/*.md::views/:**/*.json"), [["content", "*.md"], ["views"], ["**", "*.json"]]);
  assert.deepEqual(keepRules(undefined), []);
});
