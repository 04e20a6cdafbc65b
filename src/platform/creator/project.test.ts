import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseProjectDescriptor, parseProjectMetadataToml, stringifyProjectMetadataToml } from "../../cnb/index.js";
import { tempDir, writeTree } from "../../testing/index.js";
import { copyBindings, parseBindingArg } from "./bindings.js";
import { checkEnvName, projectEnv, projectMetadataOf, readProject } from "./project.js";

test("project metadata: pack's source table, plus the project's id and name; nothing without them", () => {
  const d = parseProjectDescriptor('[_]\nschema-version = "0.2"\nid = "a/b"\nname = "B"\nversion = "1.0"\nsource-url = "https://x/y.git"\n');
  const m = projectMetadataOf(d);
  assert.deepEqual(m, { source: { type: "project", version: { declared: "1.0" }, metadata: { id: "a/b", name: "B", url: "https://x/y.git" } } });
  assert.deepEqual(parseProjectMetadataToml(stringifyProjectMetadataToml(m)), m);
  assert.deepEqual(projectMetadataOf(parseProjectDescriptor('[_]\nschema-version = "0.2"\n')), {});
});

test("project env: later entries win; a name that could leave the env dir is refused naming file and field", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const d = parseProjectDescriptor('[_]\nschema-version = "0.2"\n[[io.buildpacks.build.env]]\nname = "A"\nvalue = "1"\n[[io.buildpacks.build.env]]\nname = "A"\nvalue = "2"\n');
  assert.deepEqual(projectEnv(d), { A: "2" });
  const p = join(tmp.path, "project.toml");
  writeFileSync(p, '[_]\nschema-version = "0.2"\n[[io.buildpacks.build.env]]\nname = "ok"\n[[io.buildpacks.build.env]]\nname = "../x"\nvalue = "1"\n');
  await assert.rejects(readProject(p), new RegExp(`${p.replace(/[/.]/g, "\\$&")}: io\\.buildpacks\\.build\\.env\\[1\\]\\.name: "\\.\\./x" is not an environment variable name`));
  assert.throws(() => checkEnvName("A=B", "--env"), /--env: "A=B"/);
  await assert.rejects(readProject(join(tmp.path, "missing.toml")), /the project descriptor .*missing\.toml cannot be read/);
});

test("schema 0.1 without [_] is read, and flagged legacy", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const p = join(tmp.path, "project.toml");
  writeFileSync(p, '[project]\nid = "old"\n[build]\nexclude = ["x"]\n[[build.env]]\nname = "N"\nvalue = "v"\n');
  const r = await readProject(p);
  assert.equal(r.legacy, true);
  assert.deepEqual(r.descriptor.exclude, ["x"]);
  assert.deepEqual(projectEnv(r.descriptor), { N: "v" });
  assert.equal(r.dir, tmp.path);
});

test("bindings: type, provider and entries copied read-only (symlinked entries followed, `..` names left out, .dot keys kept); no type is an error", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  // A k8s Secret volume: entries are links into ..data/.
  const src = writeTree(join(tmp.path, "db"), {
    "..data/type": "mysql",
    "..data/password": "pw",
    type: { symlink: "..data/type" },
    password: { symlink: "..data/password" },
    provider: "acme",
    ".htpasswd": "user:hash",
    "sub/ignored": "x",
  });
  const out = join(tmp.path, "platform/bindings");
  assert.equal(await copyBindings({ db: src }, out), 1);
  assert.deepEqual(readdirSync(join(out, "db")).sort(), [".htpasswd", "password", "provider", "type"]);
  assert.equal(readFileSync(join(out, "db/type"), "utf8"), "mysql");
  assert.equal(statSync(join(out, "db/password")).mode & 0o777, 0o400); // readable by the build user alone (bindings.ts)
  writeTree(join(tmp.path, "notype"), { password: "x" });
  await assert.rejects(copyBindings({ cache: join(tmp.path, "notype") }, out), /binding cache .*: there is no type file/);
  await assert.rejects(copyBindings({ x: join(tmp.path, "nope") }, out), /binding x .*: the folder cannot be read/);
  assert.deepEqual(parseBindingArg("db=/a=b"), { name: "db", dir: "/a=b" });
  assert.throws(() => parseBindingArg("../db=/x"), /--binding "\.\.\/db=\/x" is not NAME=DIR/);
  assert.throws(() => parseBindingArg("db"), /is not NAME=DIR/);
});
