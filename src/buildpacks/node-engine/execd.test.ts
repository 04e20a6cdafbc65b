// The exec.d scripts, run as the launcher runs them: /bin/sh (dash here, as on the base run
// image), fd 3 a pipe, output parsed as TOML. A fake cgroup tree stands for /sys/fs/cgroup.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { parse } from "smol-toml";
import { tempDir } from "../../testing/index.js";
import { INSPECTOR, OPTIMIZE_MEMORY } from "./execd.js";

function dir(t: TestContext): string {
  const d = tempDir();
  t.after(d.cleanup);
  return d.path;
}

/** Runs a script with `env` only (as exec.d sees the launch env); returns what it wrote to fd 3, parsed. */
function runExecD(t: TestContext, script: string, env: Record<string, string>): Record<string, unknown> {
  const path = join(dir(t), "execd");
  writeFileSync(path, script);
  chmodSync(path, 0o755);
  const r = spawnSync(path, [], { env: { PATH: "/usr/bin:/bin", ...env }, stdio: ["ignore", "pipe", "pipe", "pipe"], encoding: "utf8" });
  assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}`);
  assert.equal(r.stderr, "");
  return { ...parse(String(r.output[3] ?? "")) };
}

function cgroup(t: TestContext, v: 1 | 2, limit: string): string {
  const root = dir(t);
  if (v === 2) {
    writeFileSync(join(root, "cgroup.controllers"), "cpu memory\n");
    writeFileSync(join(root, "memory.max"), `${limit}\n`);
  } else {
    mkdirSync(join(root, "memory"));
    writeFileSync(join(root, "memory", "memory.limit_in_bytes"), `${limit}\n`);
  }
  return root;
}

test("optimize-memory: cgroup v2 memory.max → MEMORY_AVAILABLE in MiB and 75% as the heap limit", (t) => {
  const out = runExecD(t, OPTIMIZE_MEMORY, { PAKETO_CGROUP_ROOT: cgroup(t, 2, String(512 * 1024 * 1024)) });
  assert.deepEqual(out, { MEMORY_AVAILABLE: "512", NODE_OPTIONS: "--max-old-space-size=384" });
});

test("optimize-memory: cgroup v1 fallback; 'no limit' in either version changes nothing", (t) => {
  assert.deepEqual(runExecD(t, OPTIMIZE_MEMORY, { PAKETO_CGROUP_ROOT: cgroup(t, 1, String(2 * 1024 ** 3)) }), {
    MEMORY_AVAILABLE: "2048",
    NODE_OPTIONS: "--max-old-space-size=1536",
  });
  assert.deepEqual(runExecD(t, OPTIMIZE_MEMORY, { PAKETO_CGROUP_ROOT: cgroup(t, 2, "max") }), {});
  assert.deepEqual(runExecD(t, OPTIMIZE_MEMORY, { PAKETO_CGROUP_ROOT: cgroup(t, 1, "9223372036854771712") }), {});
  assert.deepEqual(runExecD(t, OPTIMIZE_MEMORY, { PAKETO_CGROUP_ROOT: dir(t) }), {}, "no cgroup files at all");
});

test("optimize-memory: MEMORY_AVAILABLE (bytes) wins; NODE_OPTIONS is kept, quotes survive, a user heap size is left alone", (t) => {
  const opts = '--require "/workspace/a b.js" --trace-warnings';
  assert.deepEqual(runExecD(t, OPTIMIZE_MEMORY, { MEMORY_AVAILABLE: String(1024 ** 3), NODE_OPTIONS: opts, PAKETO_CGROUP_ROOT: cgroup(t, 2, "max") }), {
    MEMORY_AVAILABLE: "1024",
    NODE_OPTIONS: `${opts} --max-old-space-size=768`,
  });
  assert.deepEqual(runExecD(t, OPTIMIZE_MEMORY, { MEMORY_AVAILABLE: String(1024 ** 3), NODE_OPTIONS: "--max-old-space-size=100" }), { MEMORY_AVAILABLE: "1024" });
  assert.deepEqual(runExecD(t, OPTIMIZE_MEMORY, { MEMORY_AVAILABLE: "lots" }), {});
});

test("inspector: only with BPL_DEBUG_ENABLED=true; a port binds to loopback; an existing --inspect is kept", (t) => {
  assert.deepEqual(runExecD(t, INSPECTOR, {}), {});
  assert.deepEqual(runExecD(t, INSPECTOR, { BPL_DEBUG_ENABLED: "false" }), {});
  assert.deepEqual(runExecD(t, INSPECTOR, { BPL_DEBUG_ENABLED: "true" }), { NODE_OPTIONS: "--inspect" });
  assert.deepEqual(runExecD(t, INSPECTOR, { BPL_DEBUG_ENABLED: "true", BPL_DEBUG_PORT: "9009", NODE_OPTIONS: "--enable-source-maps" }), {
    NODE_OPTIONS: "--enable-source-maps --inspect=127.0.0.1:9009",
  });
  assert.deepEqual(runExecD(t, INSPECTOR, { BPL_DEBUG_ENABLED: "true", NODE_OPTIONS: "--inspect-brk" }), {});
  // a backslash and a newline are escaped, not passed raw into the TOML
  assert.deepEqual(runExecD(t, INSPECTOR, { BPL_DEBUG_ENABLED: "true", NODE_OPTIONS: "--title=a\\b\nc" }), { NODE_OPTIONS: "--title=a\\b\nc --inspect" });
});
