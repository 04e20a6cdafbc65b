import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../../testing/index.js";
import * as npm from "./config.js";
import { defaultCacheDir, npmrcFiles, npmrcValue, registryFromConfig } from "./config.js";
import { NpmError } from "./errors.js";

const never = async (): Promise<string | undefined> => {
  throw new Error("npm must not be run here");
};

test("defaultCacheDir: PAKETO_CACHE, then XDG_CACHE_HOME/paketo, then ~/.cache/paketo; always /npm", () => {
  assert.equal(defaultCacheDir({ PAKETO_CACHE: "/c", XDG_CACHE_HOME: "/x" }, "/h"), "/c/npm");
  assert.equal(defaultCacheDir({ XDG_CACHE_HOME: "/x" }, "/h"), "/x/paketo/npm");
  assert.equal(defaultCacheDir({}, "/h"), "/h/.cache/paketo/npm");
  assert.equal(defaultCacheDir({ HOME: "/home/u" }, "/h"), "/home/u/.cache/paketo/npm");
});

test("npmrcValue: comments, quotes, sections, ${VAR}, last one wins", () => {
  const text = [
    "; a comment",
    "# another",
    "registry = 'http://first.invalid/'",
    "registry=\"http://${HOSTVAR}:4873/npm/\"",
    "//x.invalid/:_authToken=${TOKEN}",
    "[section]",
    "registry=http://in-section.invalid/",
  ].join("\n");
  assert.equal(npmrcValue(text, "registry", { HOSTVAR: "127.0.0.1" }), "http://127.0.0.1:4873/npm/");
  assert.equal(npmrcValue("fund=false\n", "registry"), undefined);
});

test("registryFromConfig: the user .npmrc in HOME, normalised with a trailing slash", async (t) => {
  const home = tempDir();
  t.after(home.cleanup);
  writeFileSync(join(home.path, ".npmrc"), "fund=false\nregistry=http://127.0.0.1:4873/mirror\n");
  const env = { HOME: home.path, npm_config_globalconfig: join(home.path, "absent") };
  assert.deepEqual(await registryFromConfig(env, home.path, { npmConfigGet: never }), {
    url: "http://127.0.0.1:4873/mirror/",
    source: join(home.path, ".npmrc"),
  });
  // the environment wins over the file, in any case npm accepts
  assert.equal((await registryFromConfig({ ...env, NPM_CONFIG_REGISTRY: "http://127.0.0.2:1/" }, home.path, { npmConfigGet: never })).url, "http://127.0.0.2:1/");
  assert.equal((await registryFromConfig({ ...env, npm_config_registry: "http://127.0.0.3:1" }, home.path, { npmConfigGet: never })).source, "env npm_config_registry");
});

test("registryFromConfig: the global npmrc ($PREFIX/etc/npmrc) when the user one has none", async (t) => {
  const home = tempDir();
  t.after(home.cleanup);
  mkdirSync(join(home.path, "prefix", "etc"), { recursive: true });
  writeFileSync(join(home.path, ".npmrc"), "audit=false\n");
  writeFileSync(join(home.path, "prefix", "etc", "npmrc"), "registry=http://127.0.0.1:9/global/\n");
  const env = { HOME: home.path, npm_config_prefix: join(home.path, "prefix") };
  assert.deepEqual(npmrcFiles(env).slice(0, 2), [join(home.path, ".npmrc"), join(home.path, "prefix", "etc", "npmrc")]);
  assert.ok(npmrcFiles(env).includes("/etc/npmrc"));
  const r = await registryFromConfig(env, home.path, { npmConfigGet: never });
  assert.equal(r.url, "http://127.0.0.1:9/global/");
});

test("registryFromConfig: falls back to `npm config get registry`, else one clear error", async (t) => {
  const home = tempDir();
  t.after(home.cleanup);
  const env = { HOME: home.path, npm_config_globalconfig: join(home.path, "absent") };
  const r = await registryFromConfig(env, home.path, { npmConfigGet: async () => "http://127.0.0.1:7/" });
  assert.deepEqual(r, { url: "http://127.0.0.1:7/", source: "npm config get registry" });
  await assert.rejects(registryFromConfig(env, home.path, { npmConfigGet: async () => undefined }), (e: unknown) => {
    assert.ok(e instanceof NpmError && e.code === "NPM_CONFIG");
    return true;
  });
  await assert.rejects(registryFromConfig({ ...env, npm_config_registry: "ftp://x/" }, home.path), /not an http\(s\) URL/);
  // no npm at all (a buildpack bundle under another platform): npm's default, as the bundle knows it
  const fallback = await registryFromConfig(env, home.path, { npmConfigGet: async () => undefined, npmDefault: "http://127.0.0.1:8" });
  assert.deepEqual(fallback, { url: "http://127.0.0.1:8/", source: "npm's default registry" });
  assert.equal(npm.bundledNpmDefault(), undefined, "only a bundle has one built in");
});

test("npmBuiltInRegistry: npm's own default, whatever the env and npmrc files configure", async (t) => {
  const home = tempDir();
  t.after(home.cleanup);
  writeFileSync(join(home.path, ".npmrc"), "registry=http://127.0.0.1:9/from-npmrc/\n");
  const env = { HOME: home.path, PATH: process.env["PATH"], npm_config_registry: "http://127.0.0.1:9/from-env/" };
  const configured = await registryFromConfig(env, home.path);
  assert.equal(configured.url, "http://127.0.0.1:9/from-env/");
  const builtIn = await npm.npmBuiltInRegistry(env);
  assert.match(builtIn ?? "", /^https?:\/\/.+\/$/);
  assert.doesNotMatch(builtIn ?? "", /127\.0\.0\.1:9/);
  assert.equal(await npm.npmBuiltInRegistry({ PATH: "/nonexistent" }), undefined, "no npm: no answer");
});

test("registryFromConfig: the real npm answers with its built-in default when no file sets one", async (t) => {
  const home = tempDir();
  t.after(home.cleanup);
  const env = { HOME: home.path, PATH: process.env["PATH"], npm_config_globalconfig: join(home.path, "absent") };
  const r = await registryFromConfig(env, home.path);
  assert.equal(r.source, "npm config get registry");
  assert.match(r.url, /^https?:\/\/.+\/$/);
});
