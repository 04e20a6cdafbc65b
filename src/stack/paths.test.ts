import assert from "node:assert/strict";
import { test } from "node:test";
import { debian } from "../deps/index.js";
import { filterMd5sums } from "./paths.js";

const pathFilter = debian.pathFilter;

test("path excludes: documentation out, copyright files kept, * stays within a folder", () => {
  const include = pathFilter(["usr/share/doc/**", "usr/share/man/**", "usr/lib/*/gconv/**"], ["usr/share/doc/*/copyright"]);
  assert.equal(include("usr/share/doc/libc6/changelog.Debian.gz"), false);
  assert.equal(include("usr/share/doc/libc6/copyright"), true);
  assert.equal(include("usr/share/doc/libc6/examples/copyright"), false);
  assert.equal(include("usr/share/doc"), true); // the folder itself stays
  assert.equal(include("usr/share/man/man1/ls.1.gz"), false);
  assert.equal(include("usr/lib/x86_64-linux-gnu/gconv/BIG5.so"), false);
  assert.equal(include("usr/lib/x86_64-linux-gnu/libc.so.6"), true);
  assert.equal(include("usr/share/documentation"), true);
});

test("md5sums keep only the files an image has", () => {
  const md5 = `${"0".repeat(32)}  usr/bin/ls\n${"1".repeat(32)}  usr/share/man/man1/ls.1.gz\n${"2".repeat(32)}  usr/share/doc/coreutils/copyright\n`;
  const include = pathFilter(["usr/share/man/**", "usr/share/doc/**"], ["usr/share/doc/*/copyright"]);
  assert.equal(filterMd5sums(md5, include), `${"0".repeat(32)}  usr/bin/ls\n${"2".repeat(32)}  usr/share/doc/coreutils/copyright\n`);
  assert.equal(filterMd5sums("", include), "");
});
