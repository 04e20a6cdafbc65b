// PHP apps with the default builder: PHP from Debian's php8.4 packages, the built-in server,
// PHP-FPM behind nginx and behind httpd, an extension through .php.ini.d, Composer with a path
// repository, sessions in Redis and memcached through bindings, and the failures a user meets
// first. Images run by podman with PORT=8080.
// The builds share one default builder (made in `before`) and run three at a time.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cli } from "../platform/creator/testing/e2e.js";
import { appCopy, e2eTemp, freePort, Podman } from "./testing/harness.js";

// Lowercase only: podman names an image from its oci: path, and references must be lowercase.
const tmp = e2eTemp("php");
const env = () => ({ ...process.env, PAKETO_STORE: join(tmp.path, "store") });
const c = cli(env);
const podman = new Podman(join(tmp.path, "podman"));

interface Built {
  layout: string;
  image: string;
  stderr: string;
  digest: string;
}

async function build(app: string, dir: string, extra: string[] = [], o: { layout?: string; cache?: string } = {}): Promise<Built> {
  const layout = o.layout ?? join(tmp.path, "images", `${app}-${randomBytes(3).toString("hex")}`);
  mkdirSync(join(tmp.path, "images"), { recursive: true });
  const cache = o.cache ? ["--cache-dir", o.cache] : [];
  const r = await c.paketo(["build", `oci:${layout}`, "--path", dir, ...cache, ...extra]);
  assert.equal(r.code, 0, `build of ${app} failed:\n${r.stderr}`);
  return { layout, image: `oci:${layout}`, stderr: r.stderr, digest: r.stdout.trim().split("\n").pop() ?? "" };
}

async function get(url: string, init: RequestInit = {}): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(10_000), ...init });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

/** The uid the container's first process runs as. */
function uidOf(id: string): string {
  return /^Uid:\s+(\d+)/m.exec(podman.run(["exec", id, "cat", "/proc/1/status"]))?.[1] ?? "?";
}

before(async () => {
  // The first build makes the default builder (and its stack) in this test's store; the others reuse it.
  const r = await c.paketo(["build", `oci:${join(tmp.path, "images", "warmup")}`, "--path", appCopy("php-builtin", join(tmp.path, "warmup")), "--env", "BP_PHP_WEB_DIR=htdocs"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Creating the default builder/);
});
after(() => tmp.cleanup());

describe("PHP apps build with the default builder and serve HTTP under podman", { concurrency: 3 }, () => {
  test("built-in server: BP_PHP_WEB_DIR, bz2 from .php.ini.d; a rebuild reuses everything; a .php change makes only the app layer", async () => {
    const dir = appCopy("php-builtin", join(tmp.path, "a1"));
    const cache = join(tmp.path, "cache-a1");
    const layout = join(tmp.path, "images", "php-builtin");
    const first = await build("php-builtin", dir, ["--env", "BP_PHP_WEB_DIR=htdocs"], { layout, cache });
    assert.match(first.stderr, /Paketo Buildpack for PHP Distribution/);
    assert.match(first.stderr, /Paketo Buildpack for PHP Built-in Server/);
    assert.match(first.stderr, /Extensions asked for: bz2/);
    assert.match(first.stderr, /php -S 0\.0\.0\.0:"\$\{PORT:-8080\}" -t \/workspace\/htdocs/);
    assert.match(await podman.serve(first.image), /^php-builtin ok 8\.4\.\d+ sapi=cli-server bz2=works uid=1002$/m);
    const sbomDir = join(tmp.path, "sbom-builtin");
    await c.ok(["sbom", "download", first.image, "--output-dir", sbomDir]);
    const sbom = readFileSync(join(sbomDir, "layers/sbom/launch/paketo-buildpacks_php-dist/php/sbom.cdx.json"), "utf8");
    assert.match(sbom, /"purl": "pkg:deb\/debian\/php8\.4-cli@8\.4\.[^"]*distro=debian-13"/);
    assert.match(sbom, /"purl": "pkg:deb\/debian\/php8\.4-bz2@8\.4\./);

    // An env no buildpack reads: the build memo does not answer, so the buildpacks run and reuse their layers.
    const rerun = ["--env", "BP_PHP_WEB_DIR=htdocs", "--env", "E2E_REBUILD=1"];
    const again = await build("php-builtin", dir, rerun, { layout, cache });
    assert.equal(again.digest, first.digest, "a rebuild without a change gives the same image");
    assert.match(again.stderr, /Reusing cached layer \/layers\/paketo-buildpacks_php-dist\/php\n/);
    assert.doesNotMatch(again.stderr, /downloaded \d+/);
    assert.match(again.stderr, /\(0 layers created/);

    // One line changed (as an editor saves: a new file renamed over the old one). The new text is
    // new to this machine too: the layer content cache is machine-wide, so a text an earlier run
    // built would rightly be reused from it ("Reusing layer 'app'") instead of made again.
    const page = join(dir, "htdocs/index.php");
    writeFileSync(`${page}.new`, readFileSync(page, "utf8").replace('"php-builtin ok', `"php-builtin changed ${randomUUID()}`));
    renameSync(`${page}.new`, page);
    const changed = await build("php-builtin", dir, rerun, { layout, cache });
    assert.notEqual(changed.digest, first.digest);
    assert.match(changed.stderr, /Adding layer 'app'/);
    assert.match(changed.stderr, /\(1 layers created/, "only the app layer is made again");
    assert.doesNotMatch(changed.stderr, /Adding layer 'paketo-buildpacks\//, "no buildpack layer is made again");
    assert.match(await podman.serve(changed.image), /^php-builtin changed /m);
    assert.doesNotMatch(changed.stderr, /downloaded \d+/);
  });

  for (const server of ["nginx", "httpd"] as const) {
    test(`PHP-FPM behind ${server}: htdocs, the app's snippets, the HTTPS redirect, one process as the CNB user`, async () => {
      const b = await build(`php-fpm-${server}`, appCopy("php-fpm", join(tmp.path, `fpm-${server}`)), ["--env", `BP_PHP_SERVER=${server}`]);
      assert.match(b.stderr, /Paketo Buildpack for PHP FPM/);
      assert.match(b.stderr, server === "nginx" ? /Paketo Buildpack for PHP Nginx/ : /Paketo Buildpack for PHP HTTPD/);
      assert.match(b.stderr, /Paketo Buildpack for PHP Start/);
      assert.match(b.stderr, /including \.php\.fpm\.d\/env\.conf/);
      assert.match(b.stderr, server === "nginx" ? /nginx's configuration test passed/ : /httpd's configuration test passed/);
      await podman.with(b.image, {}, async ({ url, body, id }) => {
        assert.match(body, new RegExp(`^php-fpm ok sapi=fpm-fcgi server=${server === "nginx" ? "nginx" : "Apache"} uid=1002 pool-env=from-app$`, "m"));
        const page = await get(`${url}/`);
        assert.equal(page.headers.get("x-app-snippet"), server, "the app's snippet is in the server's configuration");
        const file = await get(`${url}/info.txt`);
        assert.equal(file.status, 200);
        assert.match(file.body, /a static file/);
        const redirect = await get(`${url}/`, { headers: { "X-Forwarded-Proto": "http" } });
        assert.equal(redirect.status, 301, "BP_PHP_ENABLE_HTTPS_REDIRECT defaults to true");
        assert.match(redirect.headers.get("location") ?? "", /^https:\/\//);
        assert.equal(uidOf(id), "1002", "the start script runs as the CNB user");
        const ps = podman.run(["exec", id, "bash", "-c", "for p in /proc/[0-9]*; do cat $p/comm; done"]);
        assert.match(ps, /php-fpm/);
        assert.match(ps, server === "nginx" ? /nginx/ : /apache2|httpd/);
      });
    });
  }

  test("Composer: a path repository, ext-gd from composer.json; the vendor layer is reused; composer.lock's packages in the SBOM", async () => {
    const dir = appCopy("php-composer", join(tmp.path, "a3"));
    const cache = join(tmp.path, "cache-a3");
    const b = await build("php-composer", dir, [], { cache });
    assert.match(b.stderr, /Paketo Buildpack for Composer Install/);
    assert.match(b.stderr, /Installing acme\/greeter \(1\.2\.0\)/);
    assert.match(b.stderr, /Extensions asked for: gd/);
    assert.match(await podman.serve(b.image), /^php-composer ok hello from greeter gd=yes$/m);
    const sbomDir = join(tmp.path, "sbom-composer");
    await c.ok(["sbom", "download", b.image, "--output-dir", sbomDir]);
    const sbom = readFileSync(join(sbomDir, "layers/sbom/launch/paketo-buildpacks_composer-install/sbom.cdx.json"), "utf8");
    assert.match(sbom, /"purl": "pkg:composer\/acme\/greeter@1\.2\.0"/);
    const again = await build("php-composer", dir, [], { cache });
    assert.match(again.stderr, /Reusing the cached vendor folder/);
    assert.doesNotMatch(again.stderr, /Installing acme\/greeter/);
  });
});

/** Whether `cmd` is installed (Debian's redis-server, memcached: `scripts/setup.sh --test`). */
function installed(cmd: string): boolean {
  try {
    execFileSync(cmd, ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Resolves once 127.0.0.1:`port` accepts a connection; fails after `timeoutMs`. */
async function listening(port: number, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    const up = await new Promise<boolean>((done) => {
      const s = connect(port, "127.0.0.1", () => (s.end(), done(true))).on("error", () => done(false));
    });
    if (up) return;
  }
  assert.fail(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

const sessionStores = [
  {
    kind: "redis",
    title: "Redis",
    command: "redis-server",
    args: (port: number) => ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    entries: (port: number) => ({ host: "127.0.0.1", port: String(port) }),
  },
  {
    kind: "memcached",
    title: "Memcached",
    command: "memcached",
    // -u: memcached refuses to run as root without it (and ignores it otherwise); -U 0: no UDP.
    args: (port: number) => ["-l", "127.0.0.1", "-p", String(port), "-U", "0", "-m", "16", "-u", "nobody"],
    entries: (port: number) => ({ servers: `127.0.0.1:${port}` }),
  },
] as const;

describe("PHP sessions in Debian's redis-server and memcached on 127.0.0.1 through bindings", { concurrency: 2 }, () => {
  for (const store of sessionStores) {
    const skip = installed(store.command) ? false : `${store.command} is not installed (scripts/setup.sh --test)`;
    test(`a php-${store.kind}-session binding keeps the session across requests`, { skip }, async () => {
      const storePort = await freePort();
      // Bounded: node kills it after 10 minutes if the test never gets to stop it.
      const server = spawn(store.command, store.args(storePort), { stdio: "ignore", timeout: 600_000 });
      try {
        await listening(storePort);
        const binding = join(tmp.path, `binding-${store.kind}`);
        mkdirSync(binding, { recursive: true });
        writeFileSync(join(binding, "type"), `php-${store.kind}-session\n`);
        for (const [k, v] of Object.entries(store.entries(storePort))) writeFileSync(join(binding, k), `${v}\n`);
        const app = appCopy("php-session", join(tmp.path, `session-${store.kind}`));
        const b = await build(`php-${store.kind}-session`, app, ["--env", "BP_PHP_WEB_DIR=htdocs", "--binding", `sessions=${binding}`]);
        assert.match(b.stderr, new RegExp(`Paketo Buildpack for PHP ${store.title} Session Handler`));
        assert.match(b.stderr, new RegExp(`PHP 8\\.4\\.\\d+\\S* with .*php8\\.4-${store.kind}`));
        // The host's network, so the container reaches the server on the host's loopback.
        const port = await freePort();
        const id = podman.run(["run", "-d", "--network", "host", "-e", `PORT=${port}`, b.image]);
        try {
          const url = `http://127.0.0.1:${port}/`;
          let first: Response | undefined;
          for (let t = Date.now(); !first && Date.now() - t < 30_000; ) first = await fetch(url, { signal: AbortSignal.timeout(5_000) }).catch(() => new Promise<undefined>((r) => setTimeout(() => r(undefined), 300)));
          assert.ok(first, `no answer: ${podman.logs(id)}`);
          assert.match(await first.text(), new RegExp(`^php-session hits=1 handler=${store.kind}$`, "m"));
          const cookie = (first.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
          assert.match(cookie, /^PHPSESSID=/);
          for (const hits of [2, 3]) {
            const next = await get(url, { headers: { cookie } });
            assert.match(next.body, new RegExp(`^php-session hits=${hits} handler=${store.kind}$`, "m"), podman.logs(id));
          }
          // A request without the cookie starts a new session: the count lives in the session, not in PHP.
          assert.match((await get(url)).body, new RegExp(`^php-session hits=1 handler=${store.kind}$`, "m"));
        } finally {
          podman.run(["rm", "-f", "-t", "0", id]);
        }
      } finally {
        server.kill("SIGTERM");
      }
    });
  }
});

describe("PHP failures name the file and the cause, and export nothing", { concurrency: 3 }, () => {
  async function fails(app: string, edit: (dir: string) => void, extra: string[] = []): Promise<string> {
    const dir = appCopy(app, join(tmp.path, `f-${app}-${randomBytes(3).toString("hex")}`));
    edit(dir);
    const layout = join(tmp.path, "images", `failed-${randomBytes(3).toString("hex")}`);
    const r = await c.paketo(["build", `oci:${layout}`, "--path", dir, ...extra]);
    assert.notEqual(r.code, 0, "the build must fail");
    assert.ok(!existsSync(join(layout, "index.json")), "nothing is exported");
    return r.stderr;
  }

  test("an extension Debian has no package for names the extension, the file and the package", async () => {
    const err = await fails("php-builtin", (d) => writeFileSync(join(d, ".php.ini.d/more.ini"), "extension=nosuchext.so\n"), ["--env", "BP_PHP_WEB_DIR=htdocs"]);
    assert.match(err, /PHP extension nosuchext \(\.php\.ini\.d\/more\.ini\) is not available: Debian has no package php8\.4-nosuchext/);
  });

  test("a composer.json syntax error is one message naming the file", async () => {
    const err = await fails("php-composer", (d) => writeFileSync(join(d, "composer.json"), '{ "require": { "php": ">=8.1", } }\n'));
    assert.match(err, /composer\.json is not valid JSON/);
  });

  test("a PHP version Debian lacks lists what it has", async () => {
    const err = await fails("php-builtin", () => {}, ["--env", "BP_PHP_WEB_DIR=htdocs", "--env", "BP_PHP_VERSION=8.3.*"]);
    assert.match(err, /no php8\.4-cli version "8\.3\.\*" in trixie, trixie-updates, trixie-security .*\(BP_PHP_VERSION\)/);
    assert.match(err, /available: 8\.4\.\d+/);
  });
});
