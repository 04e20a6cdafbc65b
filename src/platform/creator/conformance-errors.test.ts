// CNB conformance through the real CLI, part 3: failures and isolation. A failing build exits with
// its phase's code (CNB-28) and one message that names the cause (a malformed file by name and
// line), and leaves the store and the previous image as they were; symlinks never carry host files
// into an image. Fixtures: src/platform/creator/fixtures/conformance (see its README).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, writeTree } from "../../testing/index.js";
import { cli, CONFORMANCE_BUILDER, CONFORMANCE_FIXTURES, layerFiles, makeConformanceBuilder, readImage } from "./testing/e2e.js";

let tmp: ReturnType<typeof tempDir>;
let env: NodeJS.ProcessEnv;
const c = cli(() => env);
const { paketo, ok } = c;
let app: string;
let good = "";
/** Every file of the store after the good build: path → size, mtime and inode. */
let store: Record<string, string>;

/** The files under `root` with their size, mtime and inode: a rewrite or a new file shows. */
function files(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      const s = lstatSync(p);
      out[p.slice(root.length + 1)] = `${e.isDirectory() ? "dir" : s.size} ${s.mtimeMs} ${s.ino}`;
      if (e.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}

const DEST = "fail:1";

before(async () => {
  tmp = tempDir("pk-errors-");
  env = { ...process.env, PAKETO_STORE: join(tmp.path, "store") };
  await makeConformanceBuilder(c, tmp.path);
  app = writeTree(join(tmp.path, "app"), { "app.txt": "" });
  good = await ok(["build", DEST, "--builder", CONFORMANCE_BUILDER, "--path", app, "--buildpack", "conformance/fail", "--cache-dir", join(tmp.path, "cache")]);
  store = files(join(tmp.path, "store"));
});

after(() => tmp?.cleanup());

/**
 * Builds DEST again in a way that fails; asserts the exit code, that stderr matches `message`, and
 * that the store (every file of it) and the previous image are as the good build left them.
 */
async function fails(code: number, message: RegExp, args: string[], appDir = app): Promise<void> {
  const r = await paketo(["build", DEST, "--builder", CONFORMANCE_BUILDER, "--path", appDir, "--cache-dir", join(tmp.path, "cache"), ...args]);
  assert.equal(r.code, code, r.stderr);
  assert.match(r.stderr, message);
  assert.equal(r.stdout, "", "no digest printed");
  assert.deepEqual(files(join(tmp.path, "store")), store, "the store is unchanged");
  const images = JSON.parse(await ok(["images", "--json"])) as Array<{ name: string; digest: string }>;
  assert.equal(images.find((i) => i.name === DEST)?.digest, good, "the previous image is still there");
}

const fail = (mode: string) => ["--buildpack", "conformance/fail", "--env", `CONF_FAIL=${mode}`];

// Concurrently: a failing build writes nothing to the store, so each can compare it with the state after the good build.
describe("a failing build exits with its phase's code and leaves the store and the previous image intact (CNB-28)", { concurrency: true }, () => {
  test("CNB-7, CNB-35: no group passes: 20", async () => {
    await fails(20, /no buildpack group passed detection/, fail("detect-fail"));
  });

  test("CNB-7: a detect that errors: 21, with its output", async () => {
    await fails(21, /detect broke on purpose/, fail("detect-error"));
  });

  test("CNB-8: a malformed plan from detect: 21, naming the buildpack's plan and the line", async () => {
    await fails(21, /build plan of conformance\/fail@1\.0\.0: not valid TOML at line 3/, fail("bad-plan"));
  });

  test("CNB-5: a composite that contains itself: 22", async () => {
    await fails(22, /composite buildpack conformance\/cycle-a@1\.0\.0 contains itself/, ["--buildpack", "conformance/cycle-a"]);
  });

  test("CNB-1: a buildpack of an unsupported Buildpack API: 12", async () => {
    await fails(12, /Buildpack API 9\.9 is not supported/, ["--buildpack", join(CONFORMANCE_FIXTURES, "future")]);
  });

  test("CNB-10: a failing bin/build: 51, with its output and exit code", async () => {
    await fails(51, /build broke on purpose\n.*buildpack conformance\/fail@1\.0\.0 failed: bin\/build exited with code 7/, fail("build-exit"));
  });

  test("CNB-18: a malformed launch.toml: 52, naming the file and line", async () => {
    await fails(52, /\/layers\/conformance_fail\/launch\.toml: not valid TOML at line 4\b/, fail("bad-launch-toml"));
  });

  test("CNB-13: a malformed <layer>.toml: 52, naming the file and line", async () => {
    await fails(52, /\/layers\/conformance_fail\/bad\.toml: not valid TOML at line 2\b/, fail("bad-layer-toml"));
  });

  test("a layer that is a symlink out of the layers dir is refused, in the sandbox and with --sandbox none: 52", async () => {
    await fails(52, /layer \S+\/evil is a symlink \(to \/etc\); refused/, fail("layer-symlink"));
    await fails(52, /layer \S+\/evil is a symlink \(to \/etc\); refused/, [...fail("layer-symlink"), "--sandbox", "none"]);
  });

  test("CNB-25, CNB-49: a launch layer without contents that the previous image does not have: 62 at export", async () => {
    await fails(62, /cannot reuse layer conformance\/fail:ghost: the previous image has no layer ghost/, fail("ghost"));
  });

  test("CNB-70: a malformed project.toml, naming the file and line", async () => {
    const bad = writeTree(join(tmp.path, "bad-project"), { "app.txt": "", "project.toml": '[_]\nschema-version = "0.2"\n[io.buildpacks\n' });
    await fails(1, new RegExp(`${bad}/project\\.toml: not valid TOML at line 3\\b`), ["--buildpack", "conformance/fail"], bad);
  });
});

describe("symlinks", () => {
  test("a symlink in the app dir that points outside it is not followed out: the build cannot read it, the image holds the link and never the file", async () => {
    const token = randomBytes(16).toString("hex");
    writeTree(join(tmp.path, "links"), { "outside/token.txt": `${token}\n` });
    const linked = writeTree(join(tmp.path, "links/app"), {
      "hello.txt": "hello\n",
      secret: { symlink: "/etc/passwd" },
      hostdir: { symlink: "/etc" },
      up: { symlink: "../outside/token.txt" },
    });
    const args = ["--path", linked, "--buildpack", "conformance/links", "--cache-dir", join(tmp.path, "links-cache")];
    const r = await paketo(["build", "links:1", "--builder", CONFORMANCE_BUILDER, ...args]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /links: up is unreadable/);
    assert.ok(!r.stderr.includes(token));

    const image = await readImage(c, "links:1", join(tmp.path, "links-image"));
    const appLayer = layerFiles(image, "Application Layer");
    const entries = [...appLayer].filter(([p]) => p.startsWith("workspace")).map(([p, e]) => [p, e.type, e.linkname]);
    assert.deepEqual(entries.sort(), [
      ["workspace", "5", ""],
      ["workspace/hello.txt", "0", ""],
      ["workspace/hostdir", "2", "/etc"],
      ["workspace/secret", "2", "/etc/passwd"],
      ["workspace/up", "2", "../outside/token.txt"],
    ]);
    // CNB-45: links a buildpack makes in a layer are exported as links too.
    const layer = layerFiles(image, "Layer: 'links', Created by buildpack: conformance/links@1.0.0");
    assert.deepEqual(
      [...layer].filter(([, e]) => e.type === "2").map(([p, e]) => [p, e.linkname]),
      [
        ["layers/conformance_links/links/passwd", "/etc/passwd"],
        ["layers/conformance_links/links/up", "../../../../outside/token.txt"],
      ],
    );
    const passwd = readFileSync("/etc/passwd");
    for (const [i, tar] of image.layers.entries()) {
      assert.ok(!tar.includes(token), `layer ${image.history[i]} holds the token`);
      if (/Application|Created by buildpack/.test(image.history[i] ?? "")) {
        assert.ok(!tar.includes(passwd), `layer ${image.history[i]} holds the host's /etc/passwd`);
      }
    }
  });
});
