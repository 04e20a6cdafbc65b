import assert from "node:assert/strict";
import { test } from "node:test";
import { tempDir, writeTree } from "../../testing/index.js";
import { baseUrlFor, findMirrors, mirrorEnv, mirrorsFromAptSources, readAptSources } from "./sources.js";
import { defaultCacheDir } from "./cache.js";

test("readAptSources reads one-line and deb822 files, skipping disabled ones and other file names", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  writeTree(d.path, {
    "etc/apt/sources.list": "# comment\ndeb [arch=amd64 signed-by=/k.gpg] http://mirror.test/debian bookworm main contrib\ndeb-src http://mirror.test/debian bookworm main\n",
    "etc/apt/sources.list.d/debian.sources":
      "Types: deb\nURIs: http://mirror.test/debian/\nSuites: trixie trixie-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\nTypes: deb\nURIs: http://security.test/debian-security\nSuites: trixie-security\nComponents: main\n\nTypes: deb\nURIs: http://off.test/\nSuites: sid\nComponents: main\nEnabled: no\n",
    "etc/apt/sources.list.d/other.list.disabled": "deb http://nope.test/ x main\n",
    "etc/apt/sources.list.d/vendor.list": "deb https://vendor.test/apt stable-vendor main\n",
  });
  const s = await readAptSources(d.path);
  assert.deepEqual(
    s.map((x) => [x.types, x.uris, x.suites, x.components, x.signedBy ?? null, x.architectures ?? null]),
    [
      [["deb"], ["http://mirror.test/debian"], ["bookworm"], ["main", "contrib"], "/k.gpg", ["amd64"]],
      [["deb-src"], ["http://mirror.test/debian"], ["bookworm"], ["main"], null, null],
      [["deb"], ["http://mirror.test/debian/"], ["trixie", "trixie-updates"], ["main"], "/usr/share/keyrings/debian-archive-keyring.gpg", null],
      [["deb"], ["http://security.test/debian-security"], ["trixie-security"], ["main"], null, null],
      [["deb"], ["https://vendor.test/apt"], ["stable-vendor"], ["main"], null, null],
    ],
  );
  const m = mirrorsFromAptSources(s);
  assert.deepEqual(m, { archive: "http://mirror.test/debian", security: "http://security.test/debian-security" });
  assert.equal(baseUrlFor(m, "trixie"), "http://mirror.test/debian");
  assert.equal(baseUrlFor(m, "trixie-updates"), "http://mirror.test/debian");
  assert.equal(baseUrlFor(m, "trixie-security"), "http://security.test/debian-security");
});

test("no Debian entry in the apt sources is a clear error; a missing security archive too", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  writeTree(d.path, { "etc/apt/sources.list.d/vendor.list": "deb https://vendor.test/apt nodistro main\n" });
  assert.throws(() => mirrorsFromAptSources([]), (e: Error & { code?: string }) => e.code === "DEBIAN_SOURCES");
  const s = await readAptSources(d.path);
  assert.throws(() => mirrorsFromAptSources(s), /no Debian archive found in the apt sources/);
  assert.throws(() => baseUrlFor({ archive: "http://a" }, "trixie-security"), /no security archive is configured for suite trixie-security/);
});

test("this machine's apt sources name a Debian archive (the network tests use it)", async () => {
  const m = mirrorsFromAptSources(await readAptSources("/"));
  assert.match(m.archive, /^https?:\/\//);
});

test("defaultCacheDir honours PAKETO_CACHE, then XDG_CACHE_HOME, then ~/.cache", () => {
  assert.equal(defaultCacheDir({ PAKETO_CACHE: "/c" }, "/home/u"), "/c/debian");
  assert.equal(defaultCacheDir({ XDG_CACHE_HOME: "/x" }, "/home/u"), "/x/paketo/debian");
  assert.equal(defaultCacheDir({ HOME: "/h" }, "/home/u"), "/h/.cache/paketo/debian");
  assert.equal(defaultCacheDir({}, "/home/u"), "/home/u/.cache/paketo/debian");
});

test("findMirrors: PAKETO_DEBIAN_MIRROR wins over the apt sources; mirrorEnv round-trips", async () => {
  const m = { archive: "http://mirror.example/debian", security: "http://mirror.example/debian-security" };
  assert.deepEqual(await findMirrors(mirrorEnv(m), "/nonexistent"), m);
  assert.deepEqual(await findMirrors({ PAKETO_DEBIAN_MIRROR: "http://m/debian/" }, "/nonexistent"), { archive: "http://m/debian", security: "http://m/debian" });
  assert.deepEqual(await findMirrors({}, "/"), mirrorsFromAptSources(await readAptSources("/")));
  await assert.rejects(findMirrors({}, "/nonexistent"), /no Debian archive found/);
});
