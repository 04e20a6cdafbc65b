import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, writeTree } from "../../testing/index.js";
import { copyApp, lendWorkspace, returnWorkspace, scanApp, syncWorkspace } from "./workspace.js";

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
  assert.equal(r.files, 2);
  assert.equal(r.entries.length, 7);
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

test("modes are kept but setuid and setgid; the digest is the same for the same files", async (t) => {
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
  assert.equal(a.digest, b.digest);
  assert.equal(statSync(join(tmp.path, "b/many/f299")).size, 29_900);
});

/** Every path of a tree with its kind, mode, size, mtime, ctime, inode and bytes. */
function snapshot(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const s = lstatSync(join(root, r), { bigint: true });
      const body = s.isFile() ? readFileSync(join(root, r), "utf8") : s.isSymbolicLink() ? readlinkSync(join(root, r)) : "";
      out.push(`${r} ${s.mode} ${s.size} ${s.mtimeNs} ${s.ctimeNs} ${s.ino} ${body}`);
      if (s.isDirectory()) walk(r);
    }
  };
  walk("");
  return out;
}

test("a kept workspace is lent, brought to the app's state copying only what differs, and the app folder is never changed", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const tree: Record<string, string | { symlink: string } | { content: string; mode: number }> = { "server.js": "s", "bin/run": { content: "#!/bin/sh\n", mode: 0o755 }, "lib/link": { symlink: "../server.js" } };
  for (let i = 0; i < 50; i++) tree[`assets/f${i}.txt`] = `file ${i}`;
  const app = writeTree(join(tmp.path, "app"), tree);
  const kept = join(tmp.path, "kept");
  const ws = join(tmp.path, "work", "workspace");
  mkdirSync(join(tmp.path, "work"));
  const hostBefore = snapshot(app);
  const build = async () => {
    const scan = await scanApp(app, {}, join(tmp.path, "index"));
    const l = await lendWorkspace(kept, ws);
    const r = await syncWorkspace({ src: app, scan, workspace: ws, keptDir: kept, state: l.state, lent: l.lent });
    return { scan, r };
  };

  const first = await build();
  assert.deepEqual([first.r.lent, first.r.copied, first.r.steady], [false, 52, true]);
  // A buildpack's work: a file rewritten in place with its size and mtime kept, one replaced,
  // one removed, one added, a read-only folder added.
  const f0 = join(ws, "assets/f0.txt");
  const st = statSync(f0, { bigint: true });
  writeFileSync(f0, "FILE 0");
  utimesSync(f0, Number(st.atimeMs) / 1000, Number(st.mtimeMs) / 1000);
  writeFileSync(join(ws, "assets/f1.txt.new"), "other!");
  renameSync(join(ws, "assets/f1.txt.new"), join(ws, "assets/f1.txt"));
  rmSync(join(ws, "assets/f2.txt"));
  writeTree(ws, { "node_modules/x/index.js": "x" });
  chmodSync(join(ws, "node_modules/x"), 0o555);
  const wsInode = lstatSync(join(ws, "assets/f3.txt")).ino;
  assert.ok(await returnWorkspace(kept, ws));

  const second = await build();
  assert.deepEqual([second.r.lent, second.r.copied, second.r.kept, second.r.steady], [true, 3, 49, true]);
  assert.ok(second.r.removed >= 1);
  assert.equal(lstatSync(join(ws, "assets/f3.txt")).ino, wsInode, "an unchanged file is not copied again");
  assert.deepEqual(snapshot(ws).map(strip), snapshot(app).map(strip));
  assert.ok(!existsSync(join(ws, "node_modules")));
  assert.ok(await returnWorkspace(kept, ws));

  // The app changes: one file edited (copied), one mode changed (set on the kept copy).
  writeFileSync(join(app, "assets/f5.txt"), "file 5, edited");
  chmodSync(join(app, "server.js"), 0o700);
  const third = await build();
  assert.deepEqual([third.r.copied, third.r.kept], [1, 51]);
  assert.deepEqual(snapshot(ws).map(strip), snapshot(app).map(strip));
  assert.notEqual(third.scan.digest, second.scan.digest);

  // The app folder was only read (the two edits above are the test's own).
  const hostAfter = snapshot(app);
  const changed = hostAfter.filter((l) => !hostBefore.includes(l)).map((l) => l.split(" ")[0]);
  assert.deepEqual(changed.sort(), ["assets/f5.txt", "server.js"]);
});

/** A snapshot line without times and inode: what a copy keeps. */
function strip(line: string): string {
  const [rel, mode, size, , , , ...body] = line.split(" ");
  return [rel, mode, size, ...body].join(" ");
}
