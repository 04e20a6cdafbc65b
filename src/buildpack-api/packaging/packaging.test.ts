import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { BuildpackError } from "../errors.js";
import { packageBuildpack } from "./index.js";

const root = fileURLToPath(new URL("../../../", import.meta.url)).replace(/\/$/, "");
const entry = join(root, "src/buildpack-api/examples/hello/main.ts");
const toml = readFileSync(join(root, "src/buildpack-api/examples/hello/buildpack.toml"), "utf8");
const tmp = mkdtempSync(join(tmpdir(), "bp-package-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p, `${rel}${name}/`);
      else out[`${rel}${name}`] = `${(st.mode & 0o777).toString(8)} ${st.mtime.toISOString()} ${readFileSync(p, "base64")}`;
    }
  };
  walk(dir, "");
  return out;
}

test("packaging is reproducible: same input, same files, bytes, modes and times", async () => {
  const a = await packageBuildpack({ entry, buildpackToml: toml, outDir: join(tmp, "a") });
  await new Promise((r) => setTimeout(r, 20));
  const b = await packageBuildpack({ entry, buildpackToml: toml, outDir: join(tmp, "elsewhere", "b") });
  assert.deepEqual(a.files, ["buildpack.toml", "bin/build", "bin/detect", "bin/main.mjs"]);
  assert.deepEqual(snapshot(a.dir), snapshot(b.dir));
  const bundle = readFileSync(join(a.dir, "bin/main.mjs"), "utf8");
  assert.ok(!bundle.includes(root), "no host path in the bundle, so another checkout gives the same bytes");
  assert.ok(!/\bfrom "(?!node:)[^"]+"/.test(bundle), "only node: built-ins are imported at run time");
  assert.equal(readFileSync(join(a.dir, "bin/detect"), "utf8"), '#!/usr/bin/env node\nimport("./main.mjs");\n');
  assert.equal(statSync(join(a.dir, "bin/build")).mode & 0o777, 0o755);
});

test("packaging a compiled .js entry works too", async () => {
  const compiled = join(root, "dist/buildpack-api/examples/hello/main.js");
  const p = await packageBuildpack({ entry: compiled, buildpackToml: toml, outDir: join(tmp, "from-js") });
  assert.match(readFileSync(join(p.dir, "bin/main.mjs"), "utf8"), /Installing hello/);
});

test("a bundling error names the file and line", async () => {
  const bad = join(tmp, "bad.ts");
  writeFileSync(bad, 'import { nothing } from "./missing.js";\nnothing();\n');
  await assert.rejects(packageBuildpack({ entry: bad, buildpackToml: toml, outDir: join(tmp, "bad") }), (e: unknown) => {
    assert.ok(e instanceof BuildpackError);
    assert.equal(e.code, "BUILDPACK_PACKAGE");
    assert.match(e.message, /bad\.ts:1:\d+: Could not resolve "\.\/missing\.js"/);
    return true;
  });
});

test("a composite buildpack or an unsupported API is refused", async () => {
  const composite = `${toml}\n[[order]]\n[[order.group]]\nid = "a/b"\nversion = "1.0.0"\n`;
  await assert.rejects(packageBuildpack({ entry, buildpackToml: composite, outDir: join(tmp, "c") }), /composite buildpack/);
  await assert.rejects(packageBuildpack({ entry, buildpackToml: toml.replace('"0.10"', '"0.3"'), outDir: join(tmp, "c") }), /Buildpack API 0\.3 is not supported/);
});
