// The whole product on Python apps: `paketo build` with the default builder, CPython from Debian
// packages, pip from the configured package index, the image run by podman with PORT=8080
// published, and an HTTP GET. Plus rebuild reuse, reproducibility, offline vendored wheels, and the
// failures a user meets first.
//
// One build (before) fills a build cache with CPython, its headers, pip and the pip app's
// packages; cases start from a hard-linked copy of it (`--cache-dir`) and run concurrently.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pypi } from "../deps/index.js";
import { cli } from "../platform/creator/testing/e2e.js";
import { appCopy, e2eTemp, Podman } from "./testing/harness.js";

const tmp = e2eTemp("python");
const env = () => ({ ...process.env, PAKETO_STORE: join(tmp.path, "store") });
const c = cli(env);
const podman = new Podman(join(tmp.path, "podman"));
const WARM = join(tmp.path, "warm-cache");
const rnd = () => Math.random().toString(36).slice(2, 8);

interface Built {
  layout: string;
  image: string;
  stderr: string;
  digest: string;
}

function cacheCopy(name: string): string {
  const dest = join(tmp.path, "caches", name);
  mkdirSync(join(tmp.path, "caches"), { recursive: true });
  execFileSync("cp", ["-al", WARM, dest]);
  return dest;
}

async function build(app: string, dir: string, extra: string[] = [], o: { cache?: string; layout?: string } = {}): Promise<Built> {
  const layout = o.layout ?? join(tmp.path, "images", `${app}-${rnd()}`);
  mkdirSync(join(tmp.path, "images"), { recursive: true });
  const r = await c.paketo(["build", `oci:${layout}`, "--path", dir, "--cache-dir", o.cache ?? cacheCopy(`${app}-${rnd()}`), ...extra]);
  assert.equal(r.code, 0, `build of ${app} failed:\n${r.stderr}`);
  return { layout, image: `oci:${layout}`, stderr: r.stderr, digest: r.stdout.trim().split("\n").pop() ?? "" };
}

/** A pure-Python wheel written here (the wheel format is a zip with a .dist-info), for the vendored app. */
function writeWheel(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const script = `
import base64, hashlib, sys, zipfile
files = {
  "greeting/__init__.py": "def hello():\\n    return 'hello from a vendored wheel'\\n",
  "greeting-1.0.dist-info/METADATA": "Metadata-Version: 2.1\\nName: greeting\\nVersion: 1.0\\nLicense-Expression: MIT\\n",
  "greeting-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
record = ""
for n, t in files.items():
    d = base64.urlsafe_b64encode(hashlib.sha256(t.encode()).digest()).rstrip(b"=").decode()
    record += f"{n},sha256={d},{len(t.encode())}\\n"
record += "greeting-1.0.dist-info/RECORD,,\\n"
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for n, t in files.items():
        z.writestr(n, t)
    z.writestr("greeting-1.0.dist-info/RECORD", record)
`;
  execFileSync("python3", ["-c", script, join(dir, "greeting-1.0-py3-none-any.whl")]);
}

/**
 * uv.lock for the uv fixture, written here from the configured index (pip's configuration, as the
 * build reads it): the project pins itsdangerous 2.2.0, and no index host is written in the project.
 */
async function writeUvLock(dir: string): Promise<void> {
  const index = await pypi.readPipConfig(process.env, { defaultIndex: () => pypi.pipDefaultIndex(process.env) });
  const source = await pypi.PypiSource.open({ env: process.env, index, cacheDir: join(tmp.path, "pypi") });
  const page = await source.project("itsdangerous");
  const wheel = page.files.find((f) => f.version === "2.2.0" && f.kind === "wheel");
  assert.ok(wheel, "itsdangerous 2.2.0 has a wheel on the index");
  const size = wheel.size ?? readFileSync((await source.download(wheel)).path).length;
  const registry = index.indexUrl.replace(/\/$/, "");
  writeFileSync(
    join(dir, "uv.lock"),
    `version = 1
revision = 2
requires-python = ">=3.11"

[[package]]
name = "itsdangerous"
version = "2.2.0"
source = { registry = "${registry}" }
wheels = [
    { url = "${wheel.url}", hash = "sha256:${wheel.sha256}", size = ${size} },
]

[[package]]
name = "uv-app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "itsdangerous" },
]

[package.metadata]
requires-dist = [{ name = "itsdangerous", specifier = "==2.2.0" }]
`,
  );
}

before(async () => {
  const r = await c.paketo(["build", `oci:${join(tmp.path, "images", "warmup")}`, "--path", appCopy("python-pip", join(tmp.path, "warmup")), "--cache-dir", WARM]);
  assert.equal(r.code, 0, r.stderr);
});
after(() => tmp.cleanup());

describe("Python apps build with the default builder and serve HTTP under podman", { concurrency: 3 }, () => {
  test("no package manager: a Procfile's `python server.py` on CPython 3.13 from Debian, as the CNB user", async () => {
    const b = await build("python-no-pm", appCopy("python-no-pm", join(tmp.path, `a-${rnd()}`)));
    assert.match(b.stderr, /Paketo Buildpack for CPython/);
    assert.doesNotMatch(b.stderr, /Paketo Buildpack for Pip/);
    assert.match(await podman.serve(b.image), /^python-no-pm ok 3\.13\.\d+ uid=1002$/m);
  });

  test("pip: Flask behind gunicorn on $PORT; a one-line change runs no pip at all; SBOM has the distributions", async () => {
    const dir = appCopy("python-pip", join(tmp.path, `a-${rnd()}`));
    const cache = cacheCopy(`pip-${rnd()}`);
    const layout = join(tmp.path, "images", `python-pip-rebuild-${rnd()}`);
    const first = await build("python-pip", dir, [], { cache, layout });
    assert.match(first.stderr, /Paketo Buildpack for Pip Install/);
    assert.match(await podman.serve(first.image), /^python-pip ok flask 3\.1\.3 python 3\.13\.\d+$/m);
    writeFileSync(join(dir, "app.py"), readFileSync(join(dir, "app.py"), "utf8").replace("python-pip ok", "python-pip changed"));
    const changed = await build("python-pip", dir, [], { cache, layout });
    assert.match(changed.stderr, /Reusing cached layer \/layers\/paketo-buildpacks_pip-install\/packages\n/);
    assert.doesNotMatch(changed.stderr, /Running '-m pip install/);
    assert.notEqual(changed.digest, first.digest);
    assert.match(await podman.serve(changed.image), /^python-pip changed/m);
    const sbom = podman.run(["run", "--rm", "--entrypoint", "cat", changed.image, "/layers/sbom/launch/paketo-buildpacks_pip-install/packages/sbom.cdx.json"]);
    assert.match(sbom, /"purl": "pkg:pypi\/flask@3\.1\.3"/);
    assert.match(sbom, /"purl": "pkg:pypi\/gunicorn@/);
  });

  test("a C extension built from an sdist (markupsafe 2.1.5: no wheel for 3.13) with the build-only headers", async () => {
    const b = await build("python-sdist", appCopy("python-sdist", join(tmp.path, `a-${rnd()}`)));
    assert.match(await podman.serve(b.image), /^python-sdist ok markupsafe 2\.1\.5 native &lt;b&gt;$/m);
    assert.doesNotMatch(podman.run(["run", "--rm", "--entrypoint", "ls", b.image, "/layers/paketo-buildpacks_cpython"]), /headers/);
  });

  test("BP_CPYTHON_VERSION=3.11: CPython 3.11 from bookworm's packages", async () => {
    const b = await build("python-no-pm", appCopy("python-no-pm", join(tmp.path, `a-${rnd()}`)), ["--env", "BP_CPYTHON_VERSION=3.11"]);
    assert.match(await podman.serve(b.image), /^python-no-pm ok 3\.11\.\d+ uid=1002$/m);
  });

  test("vendored wheels (BP_PIP_DEST_PATH) install with --network off", async () => {
    const dir = appCopy("python-vendored", join(tmp.path, `a-${rnd()}`));
    writeWheel(join(dir, "wheels"));
    const b = await build("python-vendored", dir, ["--network", "off", "--env", "BP_PIP_DEST_PATH=wheels"]);
    assert.match(b.stderr, /Installing from wheels only \(no index\)/);
    assert.match(await podman.serve(b.image), /^python-vendored ok hello from a vendored wheel$/m);
  });

  test("pipenv: a Pipfile without a lock, dev packages left out", async () => {
    const b = await build("python-pipenv", appCopy("python-pipenv", join(tmp.path, `a-${rnd()}`)));
    assert.match(b.stderr, /Paketo Buildpack for Pipenv Install/);
    assert.match(await podman.serve(b.image), /^python-pipenv ok itsdangerous \S+ no dev packages python 3\.13\.\d+$/m);
  });

  test("poetry: package-mode false, only the main group", async () => {
    const b = await build("python-poetry", appCopy("python-poetry", join(tmp.path, `a-${rnd()}`)));
    assert.match(b.stderr, /Installing 1 locked package\(s\) of main from poetry\.lock/);
    assert.match(await podman.serve(b.image), /^python-poetry ok itsdangerous \S+ no dev packages python 3\.13\.\d+$/m);
  });

  test("poetry-run: the project's single script is the web process", async () => {
    const b = await build("python-poetry-run", appCopy("python-poetry-run", join(tmp.path, `a-${rnd()}`)));
    assert.match(b.stderr, /web \(default\): serve/);
    assert.match(await podman.serve(b.image), /^python-poetry-run ok served by the project's script$/m);
  });

  test("uv: uv sync --frozen with uv from its wheel and the layer's Python", async () => {
    const dir = appCopy("python-uv", join(tmp.path, `a-${rnd()}`));
    await writeUvLock(dir);
    const b = await build("python-uv", dir);
    assert.match(b.stderr, /Selected uv \d+\.\d+\.\d+/);
    assert.match(b.stderr, /Running 'uv sync --frozen --no-dev/);
    assert.match(await podman.serve(b.image), /^python-uv ok itsdangerous \S+ no dev packages python 3\.13\.\d+$/m);
  });

  test("two builds of the same app in different folders, each from an empty cache, give the same digest (bytecode included)", async () => {
    const a = await build("python-no-pm", appCopy("python-no-pm", join(tmp.path, `r1-${rnd()}`)), [], { cache: join(tmp.path, "caches", `empty-${rnd()}`) });
    const b = await build("python-no-pm", appCopy("python-no-pm", join(tmp.path, `r2-${rnd()}`)), [], { cache: join(tmp.path, "caches", `empty-${rnd()}`) });
    assert.match(a.stderr, /Compiling the standard library to bytecode/);
    assert.match(b.stderr, /Compiling the standard library to bytecode/);
    assert.equal(a.digest, b.digest);
  });
});

describe("failures name the cause in one message and export nothing", { concurrency: 2 }, () => {
  async function fails(app: string, edit: (dir: string) => void, extra: string[] = []): Promise<string> {
    const dir = appCopy(app, join(tmp.path, `f-${app}-${rnd()}`));
    edit(dir);
    const layout = join(tmp.path, "images", `failed-${rnd()}`);
    const r = await c.paketo(["build", `oci:${layout}`, "--path", dir, "--cache-dir", cacheCopy(`failed-${rnd()}`), ...extra]);
    assert.notEqual(r.code, 0, "the build must fail");
    assert.ok(!existsSync(join(layout, "index.json")), "nothing is exported");
    return r.stderr;
  }

  test("an unsatisfiable requirement", async () => {
    const err = await fails("python-pip", (d) => writeFileSync(join(d, "requirements.txt"), "flask==0.0.999\n"));
    assert.match(err, /ERROR: pip install --requirement requirements\.txt exited with status 1/);
    assert.match(err, /No matching distribution found for flask==0\.0\.999/);
  });

  test("a broken lock: poetry.lock that is not TOML", async () => {
    const err = await fails("python-poetry", (d) => writeFileSync(join(d, "poetry.lock"), "[[package]\nname = \"itsdangerous\"\n"));
    assert.match(err, /ERROR: poetry\.lock is not valid TOML/);
  });

  test("a syntax error in a build step: a broken setup.py of a local requirement", async () => {
    const err = await fails("python-pip", (d) => {
      mkdirSync(join(d, "local"));
      writeFileSync(join(d, "local", "setup.py"), "from setuptools import setup\nsetup(name='local', version='1.0'\n");
      writeFileSync(join(d, "requirements.txt"), "./local\n");
    });
    assert.match(err, /ERROR: pip install --requirement requirements\.txt exited with status 1/);
    assert.match(err, /SyntaxError/);
  });

  test("a CPython version no release has lists what there is", async () => {
    const err = await fails("python-no-pm", () => {}, ["--env", "BP_CPYTHON_VERSION=3.9"]);
    assert.match(err, /ERROR: no CPython 3\.9 \(BP_CPYTHON_VERSION\) for Debian trixie/);
    assert.match(err, /available: 3\.13 \(trixie\), 3\.11 \(bookworm\)/);
  });
});
