import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { runBuild, runDetect } from "../../buildpack-api/testing/index.js";
import { imageLabels } from "./buildpack.js";
import { parseImageLabels } from "./labels.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const buildpackToml = readFileSync(join(root, "src/buildpacks/image-labels/buildpack.toml"), "utf8");
const bp = imageLabels();

test("BP_IMAGE_LABELS: pairs, quotes, escapes, = in values, repeated keys", () => {
  assert.deepEqual(parseImageLabels(`alpha=bravo charlie="delta echo"`), { alpha: "bravo", charlie: "delta echo" });
  assert.deepEqual(parseImageLabels(`  a=1\tb='x "y" z'   c="it's \\"q\\"" d= e=f=g "h i"=j k=l\\ m  `), { a: "1", b: 'x "y" z', c: `it's "q"`, d: "", e: "f=g", "h i": "j", k: "l m" });
  assert.deepEqual(parseImageLabels(`a=1 a=2`), { a: "2" });
  assert.deepEqual(parseImageLabels(`url=https://example.org/x?y=1&z=2 semi=a;b`), { url: "https://example.org/x?y=1&z=2", semi: "a;b" });
  assert.deepEqual(parseImageLabels(""), {});
});

test("BP_IMAGE_LABELS: bad quoting or a word without = is an error naming the variable", () => {
  assert.throws(() => parseImageLabels(`a="open b=c`), { code: "LABELS_SYNTAX", message: "BP_IMAGE_LABELS: the double quote at character 3 is not closed" });
  assert.throws(() => parseImageLabels(`a='open`), { message: "BP_IMAGE_LABELS: the single quote at character 3 is not closed" });
  assert.throws(() => parseImageLabels(`a=1 lonely b=2`), { message: 'BP_IMAGE_LABELS: "lonely" is not key=value' });
  assert.throws(() => parseImageLabels(`"a=1"`), { message: 'BP_IMAGE_LABELS: "a=1" is not key=value' });
  assert.throws(() => parseImageLabels(`=v`), { message: 'BP_IMAGE_LABELS: "=v" has an empty key' });
});

test("image-labels: detect passes when BP_IMAGE_LABELS or a BP_OCI_* variable is set", async () => {
  const d = await runDetect(bp, { buildpackToml, env: { BP_OCI_SOURCE: "https://git.example/app" } });
  assert.ok(d.outcome === "pass", d.stderr);
  assert.deepEqual(d.plan.requires, [{ name: "image-labels", metadata: {} }]);
  assert.equal((await runDetect(bp, { buildpackToml, platformEnv: { BP_IMAGE_LABELS: "a=b" } })).outcome, "pass");
  const no = await runDetect(bp, { buildpackToml, env: { BP_OCI_UNKNOWN: "x", BP_IMAGE_LABEL: "a=b" } });
  assert.equal(no.outcome, "fail");
  assert.match(no.stdout, /neither BP_IMAGE_LABELS nor any BP_OCI_\* variable is set/);
});

test("image-labels: every BP_OCI_* becomes its org.opencontainers.image label; BP_IMAGE_LABELS comes last and wins", async () => {
  const env = {
    BP_OCI_AUTHORS: "Ann <ann@example.org>",
    BP_OCI_CREATED: "2024-01-02T03:04:05Z",
    BP_OCI_DESCRIPTION: "an app",
    BP_OCI_DOCUMENTATION: "https://docs.example.org",
    BP_OCI_LICENSES: "Apache-2.0",
    BP_OCI_REF_NAME: "1.2.3",
    BP_OCI_REVISION: "2df6ac40991b695cc6c31faa79926980ff7dc0ff",
    BP_OCI_SOURCE: "https://git.example/app",
    BP_OCI_TITLE: "App",
    BP_OCI_URL: "https://app.example.org",
    BP_OCI_VENDOR: "Example",
    BP_OCI_VERSION: "1.2.3",
    BP_IMAGE_LABELS: `team=payments org.opencontainers.image.title="App (from BP_IMAGE_LABELS)"`,
  };
  const b = await runBuild(bp, { buildpackToml, env, plan: [{ name: "image-labels" }] });
  assert.equal(b.outcome, "success", b.stderr);
  const labels = Object.fromEntries((b.launch?.labels ?? []).map((l) => [l.key, l.value]));
  assert.deepEqual(labels, {
    "org.opencontainers.image.authors": "Ann <ann@example.org>",
    "org.opencontainers.image.created": "2024-01-02T03:04:05Z",
    "org.opencontainers.image.description": "an app",
    "org.opencontainers.image.documentation": "https://docs.example.org",
    "org.opencontainers.image.licenses": "Apache-2.0",
    "org.opencontainers.image.ref.name": "1.2.3",
    "org.opencontainers.image.revision": "2df6ac40991b695cc6c31faa79926980ff7dc0ff",
    "org.opencontainers.image.source": "https://git.example/app",
    "org.opencontainers.image.title": "App (from BP_IMAGE_LABELS)",
    "org.opencontainers.image.url": "https://app.example.org",
    "org.opencontainers.image.vendor": "Example",
    "org.opencontainers.image.version": "1.2.3",
    team: "payments",
  });
  assert.deepEqual(b.launch?.processes, []);
  assert.deepEqual(b.layers, {});
  assert.match(b.stdout, /Image labels:\n {4}org\.opencontainers\.image\.authors: "Ann <ann@example\.org>"\n/);

  const bad = await runBuild(bp, { buildpackToml, env: { BP_IMAGE_LABELS: `x="y` }, plan: [{ name: "image-labels" }] });
  assert.equal(bad.outcome, "error");
  assert.match(bad.stderr, /ERROR: BP_IMAGE_LABELS: the double quote at character 3 is not closed/);
});
