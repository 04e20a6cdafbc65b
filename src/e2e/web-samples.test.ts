// Paketo's public web-server samples, built with the default builder and served under podman with
// the settings and checks of Paketo's own sample tests. The samples are not part of this project:
// PAKETO_SAMPLES names a checkout of the samples repository (its web-servers/ folder is read, and
// copied before each build); without it these tests are skipped and say so.
// The builds share one default builder (made by the first build) and run three at a time.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { cli, readOciLayout, tarNames } from "../platform/creator/testing/e2e.js";
import { Podman } from "./testing/harness.js";

const SAMPLES = process.env.PAKETO_SAMPLES ? resolve(process.env.PAKETO_SAMPLES, "web-servers") : undefined;
const skip = SAMPLES === undefined ? "PAKETO_SAMPLES does not name a checkout of Paketo's samples repository" : !existsSync(SAMPLES) ? `no web-servers folder in ${SAMPLES}` : false;

// Lowercase only: podman names an image from its oci: path, and references must be lowercase.
const tmp = join(tmpdir(), `paketo-e2e-ws-${randomBytes(4).toString("hex")}`);
const env = () => ({ ...process.env, PAKETO_STORE: join(tmp, "store") });
const c = cli(env);
const podman = skip ? undefined : new Podman(join(tmp, "podman"));
const POWERED = /<title>Powered By Paketo Buildpacks<\/title>/;

/** A copy of sample `path` (under web-servers/): builds never write into the checkout. */
function sample(path: string): string {
  const dest = join(tmp, "apps", `${path.replaceAll("/", "-")}-${randomBytes(3).toString("hex")}`);
  cpSync(join(SAMPLES as string, path), dest, { recursive: true });
  return dest;
}

async function build(path: string, settings: Record<string, string> = {}, extra: string[] = []): Promise<{ image: string; layout: string; stderr: string }> {
  const layout = join(tmp, "images", `${path.replaceAll("/", "-").toLowerCase()}-${randomBytes(3).toString("hex")}`);
  const envArgs = Object.entries(settings).flatMap(([k, v]) => ["--env", `${k}=${v}`]);
  const r = await c.paketo(["build", `oci:${layout}`, "--path", sample(path), ...envArgs, ...extra]);
  assert.equal(r.code, 0, `build of ${path} ${envArgs.join(" ")} failed:\n${r.stderr}`);
  return { image: `oci:${layout}`, layout, stderr: r.stderr };
}

async function get(url: string, init: RequestInit = {}): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(10_000), ...init });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

let nginxSample: Awaited<ReturnType<typeof build>> | undefined;

before(async () => {
  if (skip) return;
  mkdirSync(join(tmp, "images"), { recursive: true });
  // The first build makes the default builder (and its stack) in this test's store; the others reuse it.
  nginxSample = await build("nginx-sample");
  assert.match(nginxSample.stderr, /Creating the default builder/);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe("Paketo's web-server samples build with the default builder and serve their pages", { concurrency: 3, skip }, () => {
  const pod = () => podman as Podman;

  test("web-servers/nginx-sample (its nginx.conf: {{port}}, its own mime.types)", async () => {
    assert.match(await pod().serve((nginxSample as { image: string }).image), POWERED);
  });

  test("web-servers/httpd-sample (its httpd.conf: ${PORT}, ${APP_ROOT}, ${SERVER_ROOT}, LoadModule of built-ins)", async () => {
    assert.match(await pod().serve((await build("httpd-sample")).image), POWERED);
  });

  for (const server of ["nginx", "httpd"] as const) {
    const app = "no-config-file-sample/app";
    test(`web-servers/no-config-file-sample, BP_WEB_SERVER=${server}: the default root, BP_WEB_SERVER_ROOT=alternate, push state`, async () => {
      assert.match(await pod().serve((await build(app, { BP_WEB_SERVER: server })).image), POWERED);
      assert.match(await pod().serve((await build(app, { BP_WEB_SERVER: server, BP_WEB_SERVER_ROOT: "alternate" })).image), /How It Works: Paketo Buildpacks/);
      const push = await build(app, { BP_WEB_SERVER: server, BP_WEB_SERVER_ENABLE_PUSH_STATE: "true" });
      assert.match(await pod().serve(push.image, { path: "/test" }), POWERED);
    });

    test(`web-servers/no-config-file-sample, BP_WEB_SERVER=${server}: force HTTPS, basic auth from the sample's htpasswd binding`, async () => {
      const https = await build(app, { BP_WEB_SERVER: server, BP_WEB_SERVER_FORCE_HTTPS: "true" });
      await pod().with(https.image, { accept: 301 }, async (ct) => {
        const r = await get(`${ct.url}/`);
        assert.equal(r.status, 301);
        assert.match(r.headers.get("location") ?? "", /^https:\/\/127\.0\.0\.1(:\d+)?\/$/);
      });
      const binding = join(SAMPLES as string, "no-config-file-sample/binding");
      const auth = await build(app, { BP_WEB_SERVER: server }, ["--binding", `auth=${binding}`]);
      await pod().with(auth.image, { volumes: [`${binding}:/bindings/auth:ro`], accept: 401 }, async (ct) => {
        const ok = await get(`${ct.url}/`, { headers: { authorization: `Basic ${Buffer.from("user:password").toString("base64")}` } });
        assert.equal(ok.status, 200);
        assert.match(ok.body, POWERED);
      });
    });

    test(`web-servers/react-frontend-sample, built by Node.js and served by ${server}: no Node.js and no node_modules in the image`, async () => {
      const b = await build("react-frontend-sample", {
        BP_NODE_RUN_SCRIPTS: "build",
        BP_WEB_SERVER: server,
        BP_WEB_SERVER_ROOT: "build",
        BP_WEB_SERVER_ENABLE_PUSH_STATE: "true",
      });
      assert.match(await pod().serve(b.image), /<title>Paketo Buildpacks<\/title>/);
      const files = readOciLayout(b.layout).layers.flatMap((l) => tarNames(l));
      assert.ok(!files.some((f) => f.includes("node_modules/")), "no node_modules");
      assert.ok(!files.some((f) => /\/bin\/node$/.test(f)), "no Node.js");
      assert.ok(files.some((f) => f.startsWith("workspace/build/static/js/")), "the built site is in the app layer");
    });
  }
});
