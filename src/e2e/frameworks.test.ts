// Node.js web frameworks as their users run them: apps made by each framework's create tool
// (src/e2e/apps/frameworks, see its README), built by `paketo build` with the default builder
// (made once, in the first build) and served by podman with PORT=8080. Each page asserted is the
// server-rendered one; the images hold the build output, not the sources or the devDependencies.
// The cases run concurrently; a Next.js build and its rebuild take the longest.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cli, readOciLayout, tarNames } from "../platform/creator/testing/e2e.js";
import { appCopy, APPS, e2eTemp, Podman } from "./testing/harness.js";

// Lowercase only: podman names an image from its oci: path, and references must be lowercase.
const tmp = e2eTemp("frameworks");
const env = () => ({ ...process.env, PAKETO_STORE: join(tmp.path, "store") });
const c = cli(env);
const podman = new Podman(join(tmp.path, "podman"));

interface Built {
  layout: string;
  image: string;
  stderr: string;
}

/** A copy of the framework fixture `name` in its own folder. */
function fixture(name: string, dir: string): string {
  const dest = join(tmp.path, dir);
  cpSync(join(APPS, "frameworks", name), dest, { recursive: true });
  return dest;
}

async function build(name: string, dir: string, extra: string[] = [], layout = join(tmp.path, "images", `${name}-${randomBytes(3).toString("hex")}`)): Promise<Built> {
  mkdirSync(join(tmp.path, "images"), { recursive: true });
  const r = await c.paketo(["build", `oci:${layout}`, "--path", dir, ...extra]);
  assert.equal(r.code, 0, `build of ${name} failed:\n${r.stderr}`);
  return { layout, image: `oci:${layout}`, stderr: r.stderr };
}

function names(layout: string): string[] {
  return readOciLayout(layout).layers.flatMap((l) => tarNames(l));
}

/** The image's compressed size: what a pull downloads. */
function imageSize(layout: string): number {
  const blob = (d: string) => readFileSync(join(layout, "blobs", ...d.split(":")));
  const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as { manifests: Array<{ digest: string }> };
  const manifest = JSON.parse(blob(index.manifests[0]?.digest as string).toString()) as { layers: Array<{ size: number }> };
  return manifest.layers.reduce((n, l) => n + l.size, 0);
}

/** Whether the image has package `pkg` installed anywhere in a node_modules. */
const hasPackage = (files: string[], pkg: string) => files.some((f) => f.includes(`node_modules/${pkg}/package.json`));

before(async () => {
  // The first build makes the default builder and its stack in this test's store; the others reuse it.
  const r = await c.paketo(["build", "paketo-e2e/warmup", "--path", appCopy("no-pm", join(tmp.path, "warmup"))]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Creating the default builder/);
});
after(() => tmp.cleanup());

/** The create-next-app app as generated (Turbopack, next.config.ts), built once for two cases. */
let nextPlain: Promise<Built> | undefined;
const nextApp = () => (nextPlain ??= build("next", fixture("next", "next"), ["--env", "BP_NODE_RUN_SCRIPTS=build"]));

describe("framework apps build with the default builder and serve their server-rendered pages", { concurrency: 3 }, () => {
  test("Next.js (next build --turbopack, next.config.ts): next start serves the page; a one-line change rebuilds from .next/cache", async () => {
    const b = await nextApp();
    assert.match(b.stderr, /Framework: Next\.js \(package\.json depends on "next"\)/);
    assert.match(b.stderr, /Keeping \.next\/cache in the cache layer next-cache for the next build/);
    assert.match(await podman.serve(b.image), /<h1[^>]*>To get started, edit the/);
    const files = names(b.layout);
    assert.ok(files.some((f) => f.endsWith("workspace/.next/BUILD_ID")), "the build output is in the image");
    assert.ok(!files.some((f) => f.includes("workspace/app/page.tsx")), "the sources compiled into .next are not");
    assert.ok(!files.some((f) => f.includes("workspace/.next/cache/")), "the build cache is not");
    assert.ok(hasPackage(files, "next"), "next is in the image");
    assert.ok(!hasPackage(files, "tailwindcss") && !hasPackage(files, "@types/react"), "devDependencies the server does not load are not");

    // A one-line change: the build starts from the restored .next/cache, and serves the change.
    const dir = join(tmp.path, "next");
    const page = join(dir, "app/page.tsx");
    writeFileSync(page, readFileSync(page, "utf8").replace("To get started, edit the", "Rebuilt from the cache, edit the"));
    const again = await build("next", dir, ["--env", "BP_NODE_RUN_SCRIPTS=build"], b.layout);
    assert.match(again.stderr, /Reusing \.next\/cache from the previous build \(cache layer next-cache\)/);
    assert.match(again.stderr, /Reusing cached layer \/layers\/paketo-buildpacks_npm-install\/build-modules/);
    assert.match(await podman.serve(again.image), /<h1[^>]*>Rebuilt from the cache, edit the/);
  });

  test('Next.js output: "standalone": node server.js serves the page from an image at least 40 % smaller', async () => {
    const dir = fixture("next", "next-standalone");
    const config = join(dir, "next.config.ts");
    writeFileSync(config, readFileSync(config, "utf8").replace("const nextConfig: NextConfig = {", 'const nextConfig: NextConfig = {\n  output: "standalone",'));
    const b = await build("next-standalone", dir, ["--env", "BP_NODE_RUN_SCRIPTS=build"]);
    assert.match(b.stderr, /next\.config\.ts sets output: "standalone"/);
    assert.match(b.stderr, /No node_modules in the image: nothing needs them at launch/);
    assert.match(await podman.serve(b.image), /<h1[^>]*>To get started, edit the/);
    const files = names(b.layout);
    assert.ok(files.some((f) => f.endsWith(".next/standalone/server.js")));
    assert.ok(!files.some((f) => f.includes("paketo-buildpacks_npm-install/")), "no node_modules layer");
    const plain = imageSize((await nextApp()).layout);
    const standalone = imageSize(b.layout);
    const smaller = 1 - standalone / plain;
    assert.ok(smaller >= 0.4, `standalone ${(standalone / 1048576).toFixed(1)} MiB vs ${(plain / 1048576).toFixed(1)} MiB: ${(smaller * 100).toFixed(0)} % smaller`);
  });

  test("Nuxt: node .output/server/index.mjs, the output alone (no node_modules layer)", async () => {
    const b = await build("nuxt", fixture("nuxt", "nuxt"));
    assert.match(b.stderr, /Framework: Nuxt/);
    assert.match(await podman.serve(b.image), /Rendered by the Nitro server\./);
    const files = names(b.layout);
    assert.ok(files.some((f) => f.endsWith("workspace/.output/server/index.mjs")));
    assert.ok(!files.some((f) => f.includes("workspace/app/app.vue")), "the sources are not in the image");
    assert.ok(!files.some((f) => f.includes("paketo-buildpacks_npm-install/")), "no node_modules layer");
  });

  test("SvelteKit (adapter-node): node build/index.js; devDependencies (all of its packages) are not in the image", async () => {
    const b = await build("sveltekit", fixture("sveltekit", "sveltekit"));
    assert.match(b.stderr, /Framework: SvelteKit/);
    assert.match(await podman.serve(b.image), /Welcome to SvelteKit/);
    const files = names(b.layout);
    assert.ok(files.some((f) => f.endsWith("workspace/build/index.js")));
    assert.ok(!hasPackage(files, "svelte") && !hasPackage(files, "vite"), "no devDependency in the image");
  });

  test("React Router: react-router-serve on build/server/index.js renders the loader's data", async () => {
    const b = await build("react-router", fixture("react-router", "react-router"));
    assert.match(b.stderr, /Framework: React Router/);
    assert.match(await podman.serve(b.image), /Rendered by <!-- -->the server \(Node\.js \d+|Rendered by the server \(Node\.js \d+/);
    const files = names(b.layout);
    assert.ok(hasPackage(files, "@react-router/serve"));
    const dev = files.filter((f) => /node_modules\/(@react-router\/dev|typescript)\/package\.json$/.test(f));
    assert.deepEqual(dev, [], "no devDependency in the image");
  });

  test("Astro (SSR, @astrojs/node standalone): node dist/server/entry.mjs on HOST=0.0.0.0", async () => {
    const b = await build("astro", fixture("astro", "astro"));
    assert.match(b.stderr, /Framework: Astro/);
    assert.match(await podman.serve(b.image), /Rendered by the server \(Node\.js \d+/);
    assert.ok(names(b.layout).some((f) => f.endsWith("workspace/dist/server/entry.mjs")));
  });

  test("NestJS: node dist/main.js; the Nest CLI and the test tools are not in the image", async () => {
    const b = await build("nestjs", fixture("nestjs", "nestjs"));
    assert.match(b.stderr, /Framework: NestJS/);
    assert.match(await podman.serve(b.image), /^Hello World!$/m);
    const files = names(b.layout);
    assert.ok(files.some((f) => f.endsWith("workspace/dist/main.js")));
    assert.ok(!files.some((f) => f.endsWith("workspace/src/main.ts")), "the sources are not in the image");
    assert.ok(hasPackage(files, "@nestjs/core"));
    assert.ok(!hasPackage(files, "@nestjs/cli") && !hasPackage(files, "vitest"), "no devDependency in the image");
  });
});
