// The whole product on Node.js apps: `paketo build` with the default builder (made on first use),
// the image run by podman with PORT=8080 published, and an HTTP GET. Plus checks of what is (not)
// in the image, and the failures a user meets first.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cli, readOciLayout, tarNames } from "../platform/creator/testing/e2e.js";
import { scriptedPackage } from "../buildpacks/node-common/testing/index.js";
import { npm } from "../deps/index.js";
import { transport } from "../oci/index.js";
import { DEFAULT_BUILDER } from "../platform/creator/default-builder.js";
import { tarEntries } from "../platform/distribution/testing/helpers.js";
import { appCopy, APPS, e2eTemp, FIXTURES, Podman } from "./testing/harness.js";

// Lowercase only: podman names an image from its oci: path, and references must be lowercase.
const tmp = e2eTemp("node");
const env = () => ({ ...process.env, PAKETO_STORE: join(tmp.path, "store") });
const c = cli(env);
const podman = new Podman(join(tmp.path, "podman"));

interface Built {
  layout: string;
  image: string;
  stderr: string;
}

/** Every successful build's log, for the check that none has a warning of our own making. */
const logs: { app: string; stderr: string }[] = [];

async function build(app: string, dir: string, extra: string[] = []): Promise<Built> {
  const layout = join(tmp.path, "images", `${app}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(join(tmp.path, "images"), { recursive: true });
  const r = await c.paketo(["build", `oci:${layout}`, "--path", dir, ...extra]);
  assert.equal(r.code, 0, `build of ${app} failed:\n${r.stderr}`);
  logs.push({ app, stderr: r.stderr });
  return { layout, image: `oci:${layout}`, stderr: r.stderr };
}

/** The native-dep app set up for `pm`: its package-lock.json, or the pnpm / Yarn classic lockfile instead. */
function nativeDep(pm: "npm" | "pnpm" | "yarn", dir: string): string {
  const app = appCopy("native-dep", dir);
  if (pm === "npm") return app;
  rmSync(join(app, "package-lock.json"));
  const lock = pm === "pnpm" ? "pnpm-lock.yaml" : "yarn.lock";
  copyFileSync(join(FIXTURES, "native-dep-locks", lock), join(app, lock));
  return app;
}

/** Each layer's digest, compressed size and history line (the layout's one image). */
function layerSizes(layout: string): Array<{ digest: string; size: number; by: string }> {
  const blob = (d: string) => readFileSync(join(layout, "blobs", ...d.split(":")));
  const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as { manifests: Array<{ digest: string }> };
  const entry = index.manifests[0];
  const manifest = JSON.parse(blob(entry?.digest as string).toString()) as { config: { digest: string }; layers: Array<{ digest: string; size: number }> };
  const config = JSON.parse(blob(manifest.config.digest).toString()) as { history?: Array<{ created_by?: string; empty_layer?: boolean }> };
  const history = (config.history ?? []).filter((h) => !h.empty_layer);
  return manifest.layers.map((l, i) => ({ digest: l.digest, size: l.size, by: history[i]?.created_by ?? "" }));
}

function names(layout: string): string[] {
  return readOciLayout(layout).layers.flatMap((l) => tarNames(l));
}

test("the vendored native-adder tarball holds exactly src/e2e/fixtures/native-adder", () => {
  const out = join(tmp.path, "native-adder-unpacked");
  mkdirSync(out);
  execFileSync("tar", ["-xzf", join(APPS, "native-dep/vendor/native-adder-1.0.0.tgz"), "-C", out]);
  const files = (d: string) => execFileSync("find", [".", "-type", "f"], { cwd: d, encoding: "utf8" }).split("\n").filter(Boolean).sort();
  const source = join(FIXTURES, "native-adder");
  assert.deepEqual(files(join(out, "package")), files(source));
  for (const f of files(source)) assert.equal(readFileSync(join(out, "package", f), "utf8"), readFileSync(join(source, f), "utf8"), f);
});

before(async () => {
  // The first build makes the default builder and its stack in this test's store; the others reuse it.
  const r = await c.paketo(["build", "paketo-e2e/warmup", "--path", appCopy("no-pm", join(tmp.path, "warmup"))]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Creating the default builder/);
});
after(() => tmp.cleanup());

test("the default builder sets npm's default registry as build-config env, for other CNB platforms", async () => {
  const builder = await transport.read(DEFAULT_BUILDER, { storeRoot: join(tmp.path, "store"), env: env() });
  assert.equal(builder.kind, "image");
  assert.ok(builder.kind === "image");
  let value: string | undefined;
  // the build-config layer is near the top: look from there down
  for (const l of (await builder.image.layers()).reverse()) {
    value = (await tarEntries(l)).find((e) => e.name.replace(/^\.?\//, "") === "cnb/build-config/env/npm_config_registry.default")?.content;
    if (value !== undefined) break;
  }
  assert.equal(value?.trim(), await npm.npmBuiltInRegistry());
});

describe("Node.js apps build with the default builder and serve HTTP under podman", { concurrency: 3 }, () => {
  test("no package manager: server.js, version from .nvmrc, runs as the CNB user", async () => {
    const b = await build("no-pm", appCopy("no-pm", join(tmp.path, "a1")));
    const body = await podman.serve(b.image);
    assert.match(body, /^no-pm ok node=v22\.\d+\.\d+ uid=1002 env=production$/m);
  });

  test("npm with a lockfile: npm ci, devDependencies and the npm cache are not in the image", async () => {
    const b = await build("npm-lock", appCopy("npm-lock", join(tmp.path, "a2")));
    assert.match(await podman.serve(b.image), /^npm-lock ok express=4\.\d+\.\d+ dev=absent uid=1002$/m);
    const files = names(b.layout);
    assert.ok(files.some((f) => f.endsWith("node_modules/express/package.json")), "express is in the image");
    assert.ok(!files.some((f) => f.includes("node_modules/is-number/")), "the devDependency is not in the image");
    assert.ok(!files.some((f) => f.includes("_cacache/") || f.includes("/.npm/")), "no npm cache in the image");
    // Size: the image is Node.js plus node_modules plus at most 35 MB (compressed) of the rest.
    const sizes = layerSizes(b.layout);
    const node = sizes.find((l) => l.by.includes("'node'"));
    const modules = sizes.find((l) => l.by.includes("'launch-modules'"));
    assert.ok(node && modules, JSON.stringify(sizes));
    const rest = sizes.reduce((n, l) => n + l.size, 0) - node.size - modules.size;
    assert.ok(rest <= 35 * 1024 * 1024, `everything but Node.js and node_modules is ${(rest / 1048576).toFixed(1)} MiB`);
  });

  test("npm rebuilds: no change reuses detection and every layer; a one-line change runs no install", async () => {
    const dir = appCopy("npm-lock", join(tmp.path, "rebuild"));
    const first = await build("npm-lock", dir, ["--settle"]);
    // The first build was settled (--settle) (a rebuild from its image and cache reproduced both), so the
    // build memo answers the first rebuild with no change.
    const again = await c.paketo(["build", `oci:${first.layout}`, "--path", dir]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /Nothing changed since the previous build/);
    assert.match(again.stderr, /0 layers created/);
    const before = layerSizes(first.layout).map((l) => l.digest);
    writeFileSync(join(dir, "server.js"), `${readFileSync(join(dir, "server.js"), "utf8")}// one more line\n`);
    const changed = await c.paketo(["build", `oci:${first.layout}`, "--path", dir]);
    assert.equal(changed.code, 0, changed.stderr);
    assert.match(changed.stderr, /Reused \d+ detect result\(s\)[^\n]*; ran 0\n/, "no detect read server.js's bytes");
    assert.match(changed.stderr, /Reusing cached layer \/layers\/paketo-buildpacks_npm-install\/launch-modules/);
    assert.doesNotMatch(changed.stderr, /Running 'npm ci/);
    // Only the app layer differs (it may still come from the machine's layer cache, when an
    // earlier build had exactly this content: so compare digests, not the created count).
    const after = layerSizes(first.layout).map((l) => l.digest);
    const changedLayers = after.filter((d, i) => d !== before[i]);
    assert.equal(changedLayers.length, 1, `${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
    assert.equal(layerSizes(first.layout).find((l) => l.digest === changedLayers[0])?.by, "Application Layer");
  });

  test("npm without a lockfile: npm install", async () => {
    const b = await build("npm-nolock", appCopy("npm-nolock", join(tmp.path, "a3")));
    assert.match(await podman.serve(b.image), /^npm-nolock ok 2m$/m);
  });

  test("a native addon compiled from source against the installed Node.js headers", async () => {
    const b = await build("native-addon", appCopy("native-addon", join(tmp.path, "a4")));
    assert.match(await podman.serve(b.image), /^native-addon ok 2\+3=5$/m);
  });

  for (const pm of ["npm", "pnpm", "yarn"] as const) {
    test(`${pm}: a dependency compiles a native addon from C source in its install script`, async () => {
      const b = await build(`native-dep-${pm}`, nativeDep(pm, join(tmp.path, `nd-${pm}`)));
      assert.match(await podman.serve(b.image), /^native-dep ok 2\+3=5$/m);
      assert.ok(names(b.layout).some((f) => /node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?native-adder\/build\/Release\/adder\.node$/.test(f)), "the compiled addon is in the image");
    });
  }

  test("yarn classic", async () => {
    const b = await build("yarn-classic", appCopy("yarn-classic", join(tmp.path, "a5")));
    assert.match(await podman.serve(b.image), /^yarn-classic ok 1m$/m);
  });

  test("yarn berry (node-modules linker)", async () => {
    const b = await build("yarn-berry", appCopy("yarn-berry", join(tmp.path, "a6")));
    assert.match(await podman.serve(b.image), /^yarn-berry ok 1m$/m);
  });

  test("pnpm", async () => {
    const b = await build("pnpm", appCopy("pnpm", join(tmp.path, "a7")));
    assert.match(await podman.serve(b.image), /^pnpm ok 1m$/m);
    // pnpm 11 reads pnpm_config_* only: its store is the cache layer, and packages are copied from it
    assert.match(b.stderr, /copied from the content-addressable store[\s\S]*store is at: \/layers\/paketo-buildpacks_pnpm-install\/pnpm-store\//);
  });

  test("TypeScript compiled by a run script; the compiler (a devDependency) is not in the image", async () => {
    const b = await build("typescript", appCopy("typescript", join(tmp.path, "a8")), ["--env", "BP_NODE_RUN_SCRIPTS=build"]);
    assert.match(await podman.serve(b.image), /^typescript ok compiler=absent$/m);
    const files = names(b.layout);
    assert.ok(files.some((f) => f.endsWith("workspace/dist/server.js")), "the compiled output is in the app layer");
    assert.ok(!files.some((f) => f.includes("node_modules/typescript/")), "typescript is not in the image");
  });

  test("a monorepo subproject with BP_NODE_PROJECT_PATH", async () => {
    const b = await build("monorepo", appCopy("monorepo", join(tmp.path, "a9")), ["--env", "BP_NODE_PROJECT_PATH=services/api"]);
    assert.match(await podman.serve(b.image), /^monorepo api ok cwd=\/workspace(\/services\/api)? 1s$/m);
  });

  test("a Procfile app: its web process is the default, other types run by name", async () => {
    const b = await build("procfile", appCopy("procfile", join(tmp.path, "a10")));
    assert.match(await podman.serve(b.image), /^procfile ok$/m);
    assert.match(await podman.serve(b.image, { entrypoint: "/cnb/process/worker" }), /^worker ok$/m);
  });

  test("a ca-certificates binding is trusted at build (run script) and at launch", async () => {
    const app = appCopy("ca-binding", join(tmp.path, "a11"));
    const binding = join(tmp.path, "a11-binding");
    mkdirSync(join(app, "tls"), { recursive: true });
    mkdirSync(binding, { recursive: true });
    const openssl = (args: string[]) => execFileSync("openssl", args, { cwd: tmp.path, stdio: "pipe" });
    openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=paketo e2e CA", "-keyout", join(binding, "ca.key"), "-out", join(binding, "ca.pem")]);
    openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", join(app, "tls/server.key"), "-out", join(tmp.path, "server.csr")]);
    writeFileSync(join(tmp.path, "san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    openssl(["x509", "-req", "-in", join(tmp.path, "server.csr"), "-CA", join(binding, "ca.pem"), "-CAkey", join(binding, "ca.key"), "-CAcreateserial", "-CAserial", join(tmp.path, "ca.srl"), "-days", "2", "-extfile", join(tmp.path, "san.ext"), "-out", join(app, "tls/server.crt")]);
    execFileSync("rm", [join(binding, "ca.key")]);
    // The app's files belong to the build user; the run user shares only its group (CNB-31).
    chmodSync(join(app, "tls/server.key"), 0o640);
    writeFileSync(join(binding, "type"), "ca-certificates\n");
    const b = await build("ca-binding", app, ["--env", "BP_NODE_RUN_SCRIPTS=check-ca", "--binding", `ca=${binding}`]);
    assert.match(b.stderr, /build-time TLS check: trusted/);
    assert.match(await podman.serve(b.image), /^ca-binding trusted$/m);
  });
});

describe("failures name the file and the cause, and export nothing", { concurrency: 3 }, () => {
  async function fails(app: string, edit: (dir: string) => void, extra: string[] = []): Promise<string> {
    const dir = appCopy(app, join(tmp.path, `f-${app}-${Math.random().toString(36).slice(2, 6)}`));
    edit(dir);
    const layout = join(tmp.path, "images", `failed-${Math.random().toString(36).slice(2, 8)}`);
    const r = await c.paketo(["build", `oci:${layout}`, "--path", dir, ...extra]);
    assert.notEqual(r.code, 0, "the build must fail");
    assert.ok(!existsSync(join(layout, "index.json")), "nothing is exported");
    return r.stderr;
  }

  test("an unsatisfiable engines range", async () => {
    const err = await fails("npm-nolock", (d) => {
      const p = JSON.parse(readFileSync(join(d, "package.json"), "utf8"));
      p.engines = { node: ">=99" };
      writeFileSync(join(d, "package.json"), JSON.stringify(p));
    });
    assert.match(err, /package\.json/);
    assert.match(err, />=99/);
  });

  test("a broken lockfile", async () => {
    const err = await fails("npm-lock", (d) => writeFileSync(join(d, "package-lock.json"), '{ "lockfileVersion": 3, '));
    assert.match(err, /package-lock\.json/);
  });

  test("a dependency's failing install script", async () => {
    const tarball = await scriptedPackage("broken-dep", "console.error('broken-dep: cannot compile binding.c'); process.exit(2)");
    const err = await fails("native-dep", (d) => {
      rmSync(join(d, "package-lock.json"));
      writeFileSync(join(d, "vendor/broken-dep-1.0.0.tgz"), tarball);
      const p = JSON.parse(readFileSync(join(d, "package.json"), "utf8"));
      p.dependencies["broken-dep"] = "file:vendor/broken-dep-1.0.0.tgz";
      writeFileSync(join(d, "package.json"), JSON.stringify(p));
    });
    assert.match(err, /the install script of dependency broken-dep failed/);
    assert.match(err, /broken-dep: cannot compile binding\.c/);
  });

  test("a failing build script", async () => {
    const err = await fails(
      "npm-nolock",
      (d) => {
        const p = JSON.parse(readFileSync(join(d, "package.json"), "utf8"));
        p.scripts.build = "node -e \"console.error('compile error in main.ts'); process.exit(3)\"";
        writeFileSync(join(d, "package.json"), JSON.stringify(p));
      },
      ["--env", "BP_NODE_RUN_SCRIPTS=build"],
    );
    assert.match(err, /build/);
    assert.match(err, /compile error in main\.ts/);
  });
});

describe("build logs", () => {
  // Lines a tool prints as a warning because of how the platform or our buildpacks set it up
  // (an env setting it does not know, a deprecated option we pass, a tool run on a Node.js that
  // deprecates what it calls). Warnings about the app itself are the app's to fix and are not
  // counted: its package.json, its dependencies, and npm 11's notice that install scripts ran
  // without an allowScripts policy in the app's package.json (they run, as the app expects).
  const appCaused = [/warning (package\.json|[^:]+): No license field/, /warn deprecated /, /npm warn install-scripts/];

  test("have no warnings caused by our own settings", () => {
    assert.ok(logs.length >= 10, `the builds above ran (${logs.length} logs)`);
    const found = logs.flatMap(({ app, stderr }) =>
      stderr
        .split("\n")
        .filter((l) => /warn|deprecat/i.test(l) && !appCaused.some((re) => re.test(l)))
        .map((l) => `${app}: ${l.trim()}`),
    );
    assert.deepEqual(found, []);
  });
});
