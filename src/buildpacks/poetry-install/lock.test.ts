// poetry.lock turned into hash-pinned requirements: groups, optional packages, markers, both lock formats.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PythonError } from "../python-common/index.js";
import { lockToRequirements } from "./lock.js";

const H = (c: string) => `sha256:${c.repeat(64)}`;

test("lock format 2.1: the wanted groups only, optional packages left out, markers per group", () => {
  const lock = `
[[package]]
name = "flask"
version = "3.1.3"
optional = false
groups = ["main"]
files = [{file = "flask-3.1.3-py3-none-any.whl", hash = "${H("a")}"}, {file = "flask-3.1.3.tar.gz", hash = "${H("b")}"}]

[[package]]
name = "colorama"
version = "0.4.6"
optional = false
groups = ["main", "dev"]
markers = {main = "platform_system == \\"Windows\\"", dev = "sys_platform == \\"win32\\""}
files = [{file = "colorama-0.4.6-py2.py3-none-any.whl", hash = "${H("c")}"}]

[[package]]
name = "pytest"
version = "8.0.0"
optional = false
groups = ["dev"]
files = [{file = "pytest-8.0.0-py3-none-any.whl", hash = "${H("d")}"}]

[[package]]
name = "extra-only"
version = "1.0"
optional = true
groups = ["main"]
files = [{file = "extra_only-1.0-py3-none-any.whl", hash = "${H("e")}"}]

[metadata]
lock-version = "2.1"
`;
  assert.deepEqual(lockToRequirements(lock, ["main"]).lines, [
    `flask==3.1.3 --hash=${H("a")} --hash=${H("b")}`,
    `colorama==0.4.6 ; platform_system == "Windows" --hash=${H("c")}`,
  ]);
  assert.equal(lockToRequirements(lock, ["main", "dev"]).count, 3);
});

test("lock format 1.1: category and [metadata.files]", () => {
  const lock = `
[[package]]
name = "click"
version = "8.1.3"
category = "main"
optional = false

[metadata]
lock-version = "1.1"

[metadata.files]
click = [{file = "click-8.1.3-py3-none-any.whl", hash = "${H("f")}"}]
`;
  assert.deepEqual(lockToRequirements(lock, ["main"]).lines, [`click==8.1.3 --hash=${H("f")}`]);
});

test("a broken lock is one clear error", () => {
  assert.throws(() => lockToRequirements("[[package]\nname = 1\n", ["main"]), (e: unknown) => e instanceof PythonError && /poetry\.lock is not valid TOML/.test(e.message));
  assert.throws(() => lockToRequirements('[[package]]\nname = "x"\nversion = "1"\n', ["main"]), (e: unknown) => e instanceof PythonError && /x 1 has no sha256 file hashes/.test(e.message));
  assert.throws(() => lockToRequirements('[[package]]\nname = "x"\nversion = "1"\nsource = {type = "git", url = "u"}\nfiles = []\n', ["main"]), (e: unknown) => e instanceof PythonError && /git source/.test(e.message));
});
