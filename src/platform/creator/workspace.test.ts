import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, lstatSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, writeTree } from "../../testing/index.js";
import { copyApp } from "./workspace.js";

test("copies the app, keeping symlinks as links and never following one out of the app", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  writeFileSync(join(tmp.path, "secret"), "host secret");
  const app = writeTree(join(tmp.path, "app"), {
    "index.js": "console.log(1)",
    "bin/run": { content: "#!/bin/sh\n", mode: 0o755 },
    "leak": { symlink: "../secret" },
    "abs": { symlink: "/etc/passwd" },
    "lib/link": { symlink: "../index.js" },
  });
  const out = join(tmp.path, "ws");
  const r = await copyApp(app, out);
  assert.equal(r.files, 5);
  assert.ok(lstatSync(join(out, "leak")).isSymbolicLink());
  assert.equal(readlinkSync(join(out, "leak")), "../secret");
  assert.ok(!existsSync(join(out, "secret")));
  assert.equal(statSync(join(out, "bin/run")).mode & 0o777, 0o755);
});

test("project.toml include and exclude patterns select what is copied (gitignore style)", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const app = writeTree(join(tmp.path, "app"), {
    "src/a.js": "a",
    "src/a.test.js": "t",
    "node_modules/x/index.js": "x",
    "README.md": "r",
  });
  await copyApp(app, join(tmp.path, "ex"), { exclude: ["node_modules/", "*.test.js"] });
  assert.ok(existsSync(join(tmp.path, "ex/src/a.js")));
  assert.ok(!existsSync(join(tmp.path, "ex/src/a.test.js")));
  assert.ok(!existsSync(join(tmp.path, "ex/node_modules")));
  await copyApp(app, join(tmp.path, "in"), { include: ["src/"] });
  assert.ok(existsSync(join(tmp.path, "in/src/a.test.js")));
  assert.ok(!existsSync(join(tmp.path, "in/README.md")));
});

test("a missing app directory is one clear error", async () => {
  await assert.rejects(copyApp("/nonexistent/app", "/tmp/x"), /the app directory \/nonexistent\/app cannot be read/);
});

test("modes are kept but setuid and setgid, and the fingerprint does not depend on the order copies finish in", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const tree: Record<string, { content: string; mode: number }> = {
    "bin/suid": { content: "#!/bin/sh\n", mode: 0o4755 },
    "private.key": { content: "k", mode: 0o600 },
  };
  for (let i = 0; i < 300; i++) tree[`many/f${i}`] = { content: "x".repeat(i * 100), mode: 0o644 };
  const app = writeTree(join(tmp.path, "app"), tree);
  const a = await copyApp(app, join(tmp.path, "a"));
  const b = await copyApp(app, join(tmp.path, "b"));
  assert.equal(statSync(join(tmp.path, "a/bin/suid")).mode & 0o7777, 0o755);
  assert.equal(statSync(join(tmp.path, "a/private.key")).mode & 0o7777, 0o600);
  assert.equal(a.files, 302);
  assert.equal(a.fingerprint, b.fingerprint);
  assert.equal(statSync(join(tmp.path, "b/many/f299")).size, 29_900);
});
