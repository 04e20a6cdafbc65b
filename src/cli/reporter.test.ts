// The progress renderer: one line per finished step off a terminal; live lines with bytes, total
// and rate on one (redrawn by log-update); steps a buildpack logs itself only end their live line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import type { Digest } from "../oci/index.js";
import { openReporter } from "./reporter.js";

const MiB = 1 << 20;
const D = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" as Digest;
const E = "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210" as Digest;

function sink(tty: boolean) {
  let out = "";
  const stream = new Writable({
    write(chunk, _enc, cb) {
      out += String(chunk);
      cb();
    },
  }) as Writable & { isTTY?: boolean; columns?: number; rows?: number };
  if (tty) Object.assign(stream, { isTTY: true, columns: 120, rows: 40 });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => out, clear: () => (out = "") };
}

test("off a terminal: one line per finished step with size, time and rate; nothing while it runs; no line for a blob already there or linked, nor a step under 1 MiB and 1 s", async () => {
  const s = sink(false);
  let t = 0;
  const r = await openReporter(s.stream, { now: () => t });
  r.progress({ kind: "blob-start", op: "download", digest: D, total: 10 * MiB, what: "node@22.11.0" });
  t = 1000;
  r.progress({ kind: "blob-progress", op: "download", digest: D, done: 5 * MiB, total: 10 * MiB });
  assert.equal(s.text(), "");
  t = 2000;
  r.progress({ kind: "blob-done", op: "download", digest: D, total: 10 * MiB, result: "transferred" });
  r.progress({ kind: "blob-done", op: "upload", digest: E, total: MiB, result: "exists" });
  r.progress({ kind: "blob-start", op: "compress", digest: E, total: 0, what: "layer app" });
  t = 2500;
  r.progress({ kind: "blob-done", op: "compress", digest: E, total: 3 * MiB, result: "transferred" });
  r.progress({ kind: "blob-start", op: "download", digest: D, total: MiB, what: "npm@10.9.0" });
  r.progress({ kind: "blob-done", op: "download", digest: D, total: MiB, result: "transferred", logged: true });
  r.write("  a build log line\n");
  // Small and quick: no line; small but slow (a stalled registry): a line.
  r.progress({ kind: "blob-start", op: "upload", digest: D, total: 1000, what: "config" });
  t = 2600;
  r.progress({ kind: "blob-done", op: "upload", digest: D, total: 1000, result: "transferred" });
  r.progress({ kind: "blob-start", op: "write", digest: E, total: 300 * 1024, what: "layer" });
  r.progress({ kind: "blob-done", op: "write", digest: E, total: 300 * 1024, result: "mounted" });
  r.progress({ kind: "blob-start", op: "upload", digest: E, total: 2000, what: "layer" });
  t = 4600;
  r.progress({ kind: "blob-done", op: "upload", digest: E, total: 2000, result: "transferred" });
  r.close();
  assert.equal(
    s.text(),
    "downloaded node@22.11.0  10 MiB in 2.0 s (5 MiB/s)\ncompressed layer app  3 MiB in 0.5 s (6 MiB/s)\n  a build log line\npushed layer fedcba987654  1.9 KiB in 2.0 s (1000 B/s)\n",
  );
});

test("on a terminal: live lines with bytes, total, percent and rate, redrawn in place; finished steps and log lines stay above them", async () => {
  const s = sink(true);
  let t = 0;
  const r = await openReporter(s.stream, { now: () => t });
  r.progress({ kind: "blob-start", op: "download", digest: D, total: 10 * MiB, what: "node@22.11.0" });
  t = 1000;
  r.progress({ kind: "blob-progress", op: "download", digest: D, done: 4 * MiB, total: 10 * MiB });
  assert.match(s.text(), /downloading node@22\.11\.0 {2}4 MiB \/ 10 MiB {2}40% {2}4 MiB\/s/);
  r.progress({ kind: "blob-start", op: "upload", digest: E, total: 2 * MiB, what: "layer" });
  t = 1050;
  r.progress({ kind: "blob-progress", op: "download", digest: D, done: 5 * MiB, total: 10 * MiB });
  assert.doesNotMatch(s.text(), /5 MiB \/ 10 MiB/, "redrawn at most every 100 ms");
  s.clear();
  r.write("  a build log line\n");
  // The live block is erased, the line written, the block drawn again below it.
  const erased = s.text().indexOf("\x1b[2K");
  assert.ok(erased >= 0 && erased < s.text().indexOf("  a build log line\n"), JSON.stringify(s.text()));
  assert.match(s.text().slice(s.text().indexOf("a build log line")), /downloading node@22\.11\.0 {2}5 MiB \/ 10 MiB {2}50%[\s\S]*pushing +layer fedcba987654 {2}0 B \/ 2 MiB +0%/);
  s.clear();
  t = 3000;
  r.progress({ kind: "blob-done", op: "download", digest: D, total: 10 * MiB, result: "transferred" });
  assert.match(s.text(), /downloaded node@22\.11\.0 {2}10 MiB in 3\.0 s \(3\.3 MiB\/s\)\n/);
  assert.doesNotMatch(s.text().slice(s.text().indexOf("downloaded")), /downloading/, "its live line is gone");
  s.clear();
  r.progress({ kind: "blob-done", op: "upload", digest: E, total: 2 * MiB, result: "transferred", logged: true });
  assert.doesNotMatch(s.text(), /pushed|pushing/, "a logged step only ends its live line");
  r.progress({ kind: "blob-start", op: "compress", digest: D, total: 0, what: "layer app" });
  t = 3200;
  r.progress({ kind: "blob-progress", op: "compress", digest: D, done: MiB, total: 0 });
  assert.match(s.text(), /compressing layer app {2}1 MiB/, "a step of unknown size shows the bytes so far");
  s.clear();
  r.close();
  assert.match(s.text(), /\x1b\[2K/, "close erases the live lines");
  assert.doesNotMatch(s.text(), /compressing/);
});

test("uploads and writes name the blob's kind and short digest; a blob already there is no line on a terminal either; mounted is one", async () => {
  const s = sink(true);
  let t = 0;
  const r = await openReporter(s.stream, { now: () => t });
  r.progress({ kind: "blob-start", op: "upload", digest: D, total: 2 * MiB, what: "layer" });
  t = 500;
  r.progress({ kind: "blob-progress", op: "upload", digest: D, done: MiB, total: 2 * MiB });
  assert.match(s.text(), /pushing +layer 0123456789ab {2}1 MiB \/ 2 MiB {2}50% {2}2 MiB\/s/);
  t = 1000;
  r.progress({ kind: "blob-done", op: "upload", digest: D, total: 2 * MiB, result: "transferred" });
  assert.match(s.text(), /pushed layer 0123456789ab {2}2 MiB in 1\.0 s \(2 MiB\/s\)\n/);
  s.clear();
  r.progress({ kind: "blob-done", op: "upload", digest: E, total: MiB, result: "exists" });
  assert.equal(s.text(), "");
  r.progress({ kind: "blob-start", op: "upload", digest: E, total: MiB, what: "layer" });
  r.progress({ kind: "blob-done", op: "upload", digest: E, total: MiB, result: "mounted" });
  // A cross-repository mount is a registry's step even when instant.
  assert.match(s.text(), /mounted layer fedcba987654 \(1 MiB\) from another repository\n/);
  s.clear();
  r.progress({ kind: "blob-start", op: "write", digest: D, total: 2 * MiB, what: `blobs/sha256/${D.slice(7)}` });
  t = 1500;
  r.progress({ kind: "blob-done", op: "write", digest: D, total: 2 * MiB, result: "transferred" });
  assert.match(s.text(), new RegExp(`written blobs/sha256/${D.slice(7)} {2}2 MiB in 0\\.5 s`), "an archive member's name has its digest already");
  r.close();
});

test("TERM=dumb: a terminal gets the off-terminal lines, no escape codes", async () => {
  const s = sink(true);
  let t = 0;
  const r = await openReporter(s.stream, { now: () => t, env: { TERM: "dumb" } });
  r.progress({ kind: "blob-start", op: "download", digest: D, total: 4 * MiB, what: "libc6 2.41-12" });
  t = 1000;
  r.progress({ kind: "blob-progress", op: "download", digest: D, done: 2 * MiB, total: 4 * MiB });
  t = 2000;
  r.progress({ kind: "blob-done", op: "download", digest: D, total: 4 * MiB, result: "transferred" });
  r.info("Created stack");
  r.close();
  assert.equal(s.text(), "downloaded libc6 2.41-12  4 MiB in 2.0 s (2 MiB/s)\nCreated stack\n");
});

test("quiet: nothing at all", async () => {
  const s = sink(true);
  const r = await openReporter(s.stream, { quiet: true });
  r.progress({ kind: "blob-start", op: "download", digest: D, total: 10, what: "x" });
  r.progress({ kind: "blob-done", op: "download", digest: D, total: 10, result: "transferred" });
  r.close();
  assert.equal(s.text(), "");
});
