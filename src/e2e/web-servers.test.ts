// Web servers and static sites with the default builder: nginx and Apache httpd from Debian
// packages, with the app's own configuration or one generated from BP_WEB_SERVER*, a Vite app
// built by Node.js and served by nginx, images run by podman with PORT=8080 and asked over HTTP.
// The builds share one default builder (made by the first build) and run three at a time.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cli, readOciLayout, tarNames } from "../platform/creator/testing/e2e.js";
import { appCopy, e2eTemp, Podman } from "./testing/harness.js";

// Lowercase only: podman names an image from its oci: path, and references must be lowercase.
const tmp = e2eTemp("web");
const env = () => ({ ...process.env, PAKETO_STORE: join(tmp.path, "store") });
const c = cli(env);
const podman = new Podman(join(tmp.path, "podman"));

async function build(app: string, dir: string, extra: string[] = []): Promise<{ layout: string; image: string; stderr: string }> {
  const layout = join(tmp.path, "images", `${app}-${randomBytes(3).toString("hex")}`);
  mkdirSync(join(tmp.path, "images"), { recursive: true });
  const r = await c.paketo(["build", `oci:${layout}`, "--path", dir, ...extra]);
  assert.equal(r.code, 0, `build of ${app} failed:\n${r.stderr}`);
  return { layout, image: `oci:${layout}`, stderr: r.stderr };
}

const names = (layout: string): string[] => readOciLayout(layout).layers.flatMap((l) => tarNames(l));

/** The uid the container's first process runs as. */
function uidOf(id: string): string {
  return /^Uid:\s+(\d+)/m.exec(podman.run(["exec", id, "cat", "/proc/1/status"]))?.[1] ?? "?";
}

async function get(url: string, init: RequestInit = {}): Promise<{ status: number; body: string; headers: Headers }> {
  // A connection the server closed before answering (a loaded machine, a worker starting) is
  // tried again; any HTTP answer counts as it is.
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(10_000), ...init });
      return { status: res.status, body: await res.text(), headers: res.headers };
    } catch (e) {
      if (attempt >= 3) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** The htpasswd binding the generated configurations read at launch: user `paketo`, password `s3cret` (apr1-MD5, as `htpasswd -m` writes). */
function htpasswdBinding(): string {
  const dir = join(tmp.path, "binding-auth");
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "type"), "htpasswd\n");
    writeFileSync(join(dir, ".htpasswd"), `paketo:${execFileSync("openssl", ["passwd", "-apr1", "s3cret"], { encoding: "utf8" }).trim()}\n`);
  }
  return dir;
}

before(async () => {
  // The first build makes the default builder (and its stack) in this test's store; the others reuse it.
  const r = await c.paketo(["build", "paketo-e2e/web-warmup", "--path", appCopy("static-site", join(tmp.path, "warmup")), "--env", "BP_WEB_SERVER=nginx"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Creating the default builder/);
});
after(() => tmp.cleanup());

describe("nginx and httpd from Debian packages serve HTTP under podman", { concurrency: 3 }, () => {
  test("nginx with the app's nginx.conf: templates rendered at launch, Debian's mime.types, as the non-root user", async () => {
    const b = await build("nginx-conf", appCopy("nginx-conf", join(tmp.path, "a1")), ["--env", "GREETING=at-build"]);
    assert.match(b.stderr, /nginx\.conf: nginx's configuration test passed/);
    assert.match(b.stderr, /Installing \d+ Debian package\(s\) into \/layers\/paketo-buildpacks_nginx\/nginx|Reusing cached layer \/layers\/paketo-buildpacks_nginx\/nginx/);
    await podman.with(b.image, { env: { GREETING: "hello" } }, async (ct) => {
      assert.match(ct.body, /nginx-conf ok/);
      const r = await get(`${ct.url}/`);
      assert.equal(r.headers.get("x-greeting"), "hello", "{{env}} is rendered at launch");
      assert.equal(r.headers.get("content-type"), "text/html", "types from Debian's mime.types");
      assert.equal(uidOf(ct.id), "1002");
    });
    const files = names(b.layout);
    assert.ok(files.some((f) => f.endsWith("paketo-buildpacks_nginx/nginx/usr/sbin/nginx")), "nginx is in a layer");
    const layerDocs = files.filter((f) => /paketo-buildpacks_nginx\/nginx\/usr\/share\/(doc|man)\/.+[^/]$/.test(f));
    assert.ok(layerDocs.length > 0 && layerDocs.every((f) => f.endsWith("/copyright")), `only copyright files of the docs: ${layerDocs.join(" ")}`);
  });

  test("httpd with the app's httpd.conf: LoadModule of Debian's built-ins taken out, served as the non-root user", async () => {
    const b = await build("httpd-conf", appCopy("httpd-conf", join(tmp.path, "a2")));
    assert.match(b.stderr, /LoadModule taken out for modules built into Debian's apache2: log_config_module, unixd_module/);
    await podman.with(b.image, {}, async (ct) => {
      assert.match(ct.body, /httpd-conf ok/);
      assert.equal((await get(`${ct.url}/`)).headers.get("x-server"), "httpd-conf");
      assert.equal(uidOf(ct.id), "1002");
    });
  });

  for (const server of ["nginx", "httpd"] as const) {
    test(`${server}, generated configuration: BP_WEB_SERVER_ROOT, push state (a deep link answers index.html)`, async () => {
      const b = await build(`${server}-push`, appCopy("static-site", join(tmp.path, `${server}-push`)), ["--env", `BP_WEB_SERVER=${server}`, "--env", "BP_WEB_SERVER_ENABLE_PUSH_STATE=true"]);
      await podman.with(b.image, {}, async (ct) => {
        assert.match(ct.body, /static-site index/);
        const deep = await get(`${ct.url}/some/client/route`);
        assert.equal(deep.status, 200);
        assert.match(deep.body, /static-site index/);
        assert.match((await get(`${ct.url}/style.css`)).headers.get("content-type") ?? "", /^text\/css/);
      });
      const alt = await build(`${server}-root`, appCopy("static-site", join(tmp.path, `${server}-root`)), ["--env", `BP_WEB_SERVER=${server}`, "--env", "BP_WEB_SERVER_ROOT=alternate"]);
      assert.match(await podman.serve(alt.image), /static-site alternate root/);
    });

    test(`${server}, generated configuration: force HTTPS (a 301) and basic auth from an htpasswd binding (401, then 200)`, async () => {
      const https = await build(`${server}-https`, appCopy("static-site", join(tmp.path, `${server}-https`)), ["--env", `BP_WEB_SERVER=${server}`, "--env", "BP_WEB_SERVER_FORCE_HTTPS=true"]);
      await podman.with(https.image, { accept: 301 }, async (ct) => {
        const r = await get(`${ct.url}/`);
        assert.equal(r.status, 301);
        assert.match(r.headers.get("location") ?? "", /^https:\/\/127\.0\.0\.1(:\d+)?\/$/);
        const proxied = await get(`${ct.url}/`, { headers: { "x-forwarded-proto": "https" } });
        assert.equal(proxied.status, 200, "behind a TLS proxy the page is served");
      });
      const binding = htpasswdBinding();
      const auth = await build(`${server}-auth`, appCopy("static-site", join(tmp.path, `${server}-auth`)), ["--env", `BP_WEB_SERVER=${server}`, "--binding", `auth=${binding}`]);
      // The binding is read at launch from $SERVICE_BINDING_ROOT (default /bindings): never baked into the image.
      assert.ok(!names(auth.layout).some((f) => f.endsWith(".htpasswd")));
      await podman.with(auth.image, { volumes: [`${binding}:/bindings/auth:ro`], accept: 401 }, async (ct) => {
        assert.equal((await get(`${ct.url}/`)).status, 401);
        const ok = await get(`${ct.url}/`, { headers: { authorization: `Basic ${Buffer.from("paketo:s3cret").toString("base64")}` } });
        assert.equal(ok.status, 200);
        assert.match(ok.body, /static-site index/);
        const wrong = await get(`${ct.url}/`, { headers: { authorization: `Basic ${Buffer.from("paketo:nope").toString("base64")}` } });
        assert.equal(wrong.status, 401);
      });
    });
  }

  test("a Vite app built by Node.js and served by nginx: no Node.js and no node_modules in the image; a no-change rebuild needs no network", async () => {
    const dir = appCopy("vite-app", join(tmp.path, "vite"));
    const settings = ["--env", "BP_NODE_RUN_SCRIPTS=build", "--env", "BP_WEB_SERVER=nginx", "--env", "BP_WEB_SERVER_ROOT=dist", "--env", "BP_WEB_SERVER_ENABLE_PUSH_STATE=true"];
    const b = await build("vite", dir, settings);
    assert.match(b.stderr, /No node_modules in the image: nothing needs them at launch/);
    await podman.with(b.image, {}, async (ct) => {
      assert.match(ct.body, /<title>paketo e2e: a Vite app served by nginx<\/title>/);
      assert.match(ct.body, /<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js"><\/script>/, "the built page, not the source");
      assert.match((await get(`${ct.url}/deep/link`)).body, /a Vite app served by nginx/);
      assert.match(podman.run(["exec", ct.id, "sh", "-c", "command -v node || echo no-node"]), /^no-node$/);
    });
    const files = names(b.layout);
    assert.deepEqual(files.filter((f) => f.includes("node_modules")), [], "no node_modules");
    assert.ok(!files.some((f) => /\/bin\/node$/.test(f)), "no Node.js");
    assert.ok(files.some((f) => f.startsWith("workspace/dist/assets/")), "the built site is in the app layer");

    const again = await c.paketo(["build", b.image, "--path", dir, "--network", "off", ...settings]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /Reusing cached layer \/layers\/paketo-buildpacks_nginx\/nginx/);
    assert.match(again.stderr, /Reusing cached layer \/layers\/paketo-buildpacks_npm-install\/build-modules/);
  });
});

describe("web server failures name the file and the cause, and export nothing", { concurrency: 2 }, () => {
  async function fails(app: string, edit: (dir: string) => void, extra: string[] = []): Promise<string> {
    const dir = appCopy(app, join(tmp.path, `f-${app}-${randomBytes(3).toString("hex")}`));
    edit(dir);
    const layout = join(tmp.path, "images", `failed-${randomBytes(3).toString("hex")}`);
    const r = await c.paketo(["build", `oci:${layout}`, "--path", dir, ...extra]);
    assert.notEqual(r.code, 0, "the build must fail");
    assert.ok(!existsSync(join(layout, "index.json")), "nothing is exported");
    return r.stderr;
  }

  test("a broken nginx.conf fails nginx's own test, with its message and the app's line", async () => {
    const err = await fails("nginx-conf", (d) => writeFileSync(join(d, "nginx.conf"), readFileSync(join(d, "nginx.conf"), "utf8").replace("root public;", "root public;\n    gzip maybe;")), ["--env", "GREETING=x"]);
    assert.match(err, /nginx\.conf fails nginx's configuration test/);
    assert.match(err, /invalid value "maybe" in "gzip" directive.* in \.\/nginx\.conf:18\n/, "the app's own file and line");
  });

  test("a broken httpd.conf fails httpd's own test; an nginx version Debian lacks lists what it has", async () => {
    const err = await fails("httpd-conf", (d) => writeFileSync(join(d, "httpd.conf"), `${readFileSync(join(d, "httpd.conf"), "utf8")}NoSuchDirective on\n`));
    assert.match(err, /httpd\.conf fails httpd's configuration test/);
    assert.match(err, /Invalid command 'NoSuchDirective'/);
    const v = await fails("static-site", () => {}, ["--env", "BP_WEB_SERVER=nginx", "--env", "BP_NGINX_VERSION=1.99"]);
    assert.match(v, /no nginx version "1\.99" in trixie, trixie-updates, trixie-security .*\(BP_NGINX_VERSION\)/);
    assert.match(v, /available: 1\.26\.\d+/);
  });
});
