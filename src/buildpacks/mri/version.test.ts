import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { bundledWith, gemsOf } from "../ruby-common/gemfile.js";
import { startCommand } from "../ruby-common/start.js";
import { lockedGems } from "../bundle-install/buildpack.js";
import { gemRange, rubyPackage, rubyRequest } from "./version.js";

test("Ruby version: BP_MRI_VERSION, else the Gemfile's ruby line, else .ruby-version; Gemfile requirements as ranges; the Debian package", async () => {
  assert.equal(gemRange("~> 3.3.0"), ">=3.3.0 <3.4");
  assert.equal(gemRange("~> 3.3"), ">=3.3 <4");
  assert.equal(gemRange(">= 3.2, < 3.4"), ">=3.2 <3.4");
  assert.equal(gemRange("3.3.4"), "3.3.4");
  assert.equal(rubyPackage(">=3.3.0 <3.4"), "ruby3.3");
  assert.equal(rubyPackage(undefined), undefined);
  const d = mkdtempSync(join(tmpdir(), "mri-"));
  try {
    assert.deepEqual(await rubyRequest(d, {}), { spec: undefined, source: undefined, written: undefined });
    writeFileSync(join(d, ".ruby-version"), "ruby-3.3.1\n");
    assert.deepEqual(await rubyRequest(d, {}), { spec: "3.3.1", source: ".ruby-version", written: "3.3.1" });
    writeFileSync(join(d, "Gemfile"), "source 'x'\nruby '~> 3.3.0'\ngem 'puma'\n");
    assert.equal((await rubyRequest(d, {})).source, "Gemfile");
    assert.deepEqual(await rubyRequest(d, { BP_MRI_VERSION: "3.3" }), { spec: "3.3", source: "BP_MRI_VERSION", written: "3.3" });
    writeFileSync(join(d, "Gemfile.lock"), "GEM\n  specs:\n    nio4r (2.7.4)\n    puma (6.6.0)\n      nio4r (~> 2.0)\n\nBUNDLED WITH\n   2.6.9\n");
    assert.deepEqual([...(await gemsOf(d))].sort(), ["nio4r", "puma"]);
    assert.equal(bundledWith("BUNDLED WITH\n   2.6.9\n"), "2.6.9");
    assert.deepEqual(lockedGems("GEM\n  specs:\n    nio4r (2.7.4)\n    puma (6.6.0)\n      nio4r (~> 2.0)\n"), [
      { name: "nio4r", version: "2.7.4" },
      { name: "puma", version: "6.6.0" },
    ]);
    writeFileSync(join(d, "config.ru"), "#\\ -p 4567\nrun App\n");
    assert.equal(await startCommand("rackup", d, {}, true), 'bundle exec rackup --env production --host 0.0.0.0 -p "${PORT:-4567}"');
    assert.equal(await startCommand("puma", d, {}, true), 'bundle exec puma --bind "tcp://0.0.0.0:${PORT:-9292}"');
    assert.equal(await startCommand("thin", d, { BP_THIN_CONFIG_LOCATION: "thin.yml" }, true), 'bundle exec thin -C thin.yml -p "${PORT:-3000}" start');
    assert.equal(await startCommand("rake", d, {}, false), "rake");
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test("Debian gem candidates: Gemfile gems vendor/cache lacks, as ruby-<name> (and <name> for servers); bundler itself never", async () => {
  const { debianGemCandidates } = await import("../ruby-common/gemfile.js");
  const { mkdirSync } = await import("node:fs");
  const d = mkdtempSync(join(tmpdir(), "mri-gems-"));
  try {
    writeFileSync(join(d, "Gemfile"), 'gem "rack"\ngem "puma"\ngem "my_gem"\ngem "adder"\ngem "bundler"\n');
    mkdirSync(join(d, "vendor/cache"), { recursive: true });
    writeFileSync(join(d, "vendor/cache/adder-0.1.0.gem"), "");
    assert.deepEqual(await debianGemCandidates(d), [["ruby-rack"], ["ruby-puma", "puma"], ["ruby-my-gem"]]);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
