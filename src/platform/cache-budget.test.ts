// The cache budget end to end: two `paketo build` processes at once on a cache of their own, over
// its budget (PAKETO_CACHE_MAX). The one that ends first trims the cache while the other runs; the
// running build's root filesystem and build cache stay, both builds succeed, and later builds
// make again what was trimmed. Then `paketo cache du` and `prune` on what is left.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cacheLayout, paketoCacheRoot } from "../deps/index.js";
import { tempDir, writeTree } from "../testing/index.js";

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), "../../bin/paketo");
let tmp: ReturnType<typeof tempDir>;
let env: NodeJS.ProcessEnv;
let cacheRoot: string;
const children = new Set<ReturnType<typeof spawn>>();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function paketo(args: string[], extra: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...env, ...extra }, stdio: ["ignore", "pipe", "pipe"] });
    children.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
    child.on("error", fail);
    child.on("close", (code) => {
      children.delete(child);
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

async function ok(args: string[], extra: NodeJS.ProcessEnv = {}): Promise<string> {
  const r = await paketo(args, extra);
  assert.equal(r.code, 0, `paketo ${args.join(" ")} failed:\n${r.stderr}`);
  return r.stdout.trim();
}

async function until(what: string, check: () => boolean, ms = 180_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const DETECT = "#!/usr/bin/env bash\n[ -f app.txt ] || exit 100\n";

// A launch + cache layer. An app holding `wait` stops in its build until the test drops `go`.
const BUILD = `#!/usr/bin/env bash
set -eu
layers="$1"
mkdir -p "$layers/data"
cp app.txt "$layers/data/app.txt"
head -c 200000 /dev/urandom > "$layers/data/noise"
printf '[types]\\nlaunch = true\\ncache = true\\n' > "$layers/data.toml"
printf '[[processes]]\\ntype = "web"\\ncommand = ["cat", "/layers/test_data/data/app.txt"]\\ndefault = true\\n' > "$layers/launch.toml"
if [ -f wait ]; then
  touch waiting
  for _ in $(seq 1 1200); do [ -f go ] && exit 0; sleep 0.1; done
  echo "never told to go" >&2
  exit 1
fi
`;

const BP_TOML = `api = "0.10"
[buildpack]
id = "test/data"
version = "1.0.0"
[[targets]]
os = "linux"
`;

before(async () => {
  tmp = tempDir("paketo-cache-budget-");
  cacheRoot = join(tmp.path, "cache");
  // The stack's .debs and layers and the compiled launchers come from the machine's cache, linked
  // in (never counted or pruned here); everything a build makes goes to this cache.
  const machine = cacheLayout(paketoCacheRoot(process.env));
  const own = cacheLayout(cacheRoot);
  mkdirSync(cacheRoot, { recursive: true });
  for (const [from, to] of [
    [machine.debian, own.debian],
    [machine.stackLayers, own.stackLayers],
    [machine.launcher, own.launcher],
  ] as const) {
    mkdirSync(from, { recursive: true });
    symlinkSync(from, to);
  }
  env = { ...process.env, PAKETO_STORE: join(tmp.path, "store"), PAKETO_CACHE: cacheRoot, PAKETO_CACHE_MAX: "off" };
  await ok(["stack", "create", "--update", "--lock", join(tmp.path, "stack.lock.toml"), "--flavor", "build", "stack:build"]);
  await ok(["stack", "create", "--lock", join(tmp.path, "stack.lock.toml"), "--flavor", "base", "stack:run"]);
  writeTree(join(tmp.path, "bp"), { "buildpack.toml": BP_TOML, "bin/detect": { content: DETECT, mode: 0o755 }, "bin/build": { content: BUILD, mode: 0o755 } });
  writeFileSync(
    join(tmp.path, "builder.toml"),
    `[[buildpacks]]\nuri = "${join(tmp.path, "bp")}"\n\n[[order]]\n[[order.group]]\nid = "test/data"\nversion = "1.0.0"\n\n[build]\nimage = "stack:build"\n\n[[run.images]]\nimage = "stack:run"\n`,
  );
  await ok(["builder", "create", "builder:data", "--config", join(tmp.path, "builder.toml")]);
});

after(async () => {
  for (const child of children) {
    child.kill("SIGKILL");
    await new Promise((r) => child.once("close", r));
  }
  tmp?.cleanup();
});

const build = (name: string, files: Record<string, string>, extra: NodeJS.ProcessEnv = {}) =>
  paketo(["build", `app-${name}`, "--builder", "builder:data", "--path", writeTree(join(tmp.path, `src-${name}`), files)], extra);

test("two builds at once over the budget: the first to end trims what the other does not use, both succeed; du and prune report and free", async () => {
  const cache = cacheLayout(cacheRoot);
  await ok(["build", "app-a", "--builder", "builder:data", "--path", writeTree(join(tmp.path, "src-a"), { "app.txt": "a\n" })]);
  // What every build with this builder runs on: the builder's own layers (top-*) over the base
  // they name (sandbox/rootfs.ts).
  const top = readdirSync(cache.rootfs).find((n) => n.startsWith("top-"));
  assert.ok(top, readdirSync(cache.rootfs).join(" "));
  const inUse = [top, readFileSync(join(cache.rootfs, top, ".paketo-base"), "utf8").trim()];
  assert.ok(existsSync(cache.buildCache("app-a")));
  const du = JSON.parse(await ok(["cache", "du", "--json"])) as { bytes: number; parts: Array<{ name: string; entries: number; bytes: number; linked?: boolean }> };
  assert.ok(du.bytes > 100 << 20, `a build image's root filesystem is in the cache: ${du.bytes}`);
  assert.equal(du.parts.find((p) => p.name === "debian")?.linked, true);

  // A trim spares what changed after the oldest running build started, less a second of clock
  // slack (cache-prune.ts): B must start more than that after A's last write to its build cache.
  await new Promise((r) => setTimeout(r, 1500));
  // B stops in its build step; C builds and ends meanwhile, over a 1 MiB budget.
  const budget = { PAKETO_CACHE_MAX: "1M" };
  const b = build("b", { "app.txt": "b\n", wait: "" }, budget);
  const workspaces = () => readdirSync(cache.work).map((n) => join(cache.work, n, "workspace"));
  await until("build b to reach its build step", () => existsSync(cache.work) && workspaces().some((w) => existsSync(join(w, "waiting"))));
  const c = await build("c", { "app.txt": "c\n" }, budget);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stderr, /Cache over its 1 MiB budget \(PAKETO_CACHE_MAX\): removed \d+ least recently used entries, .*in use by 1 running paketo process/);
  // What B uses stayed (its root filesystem); what only A used went (its build cache).
  for (const n of inUse) assert.ok(existsSync(join(cache.rootfs, n)), `${n} was pruned from under a running build; now ${readdirSync(cache.rootfs).join(" ")}; leases: ${readdirSync(cache.leases).join(" ")}\n${c.stderr}`);
  assert.equal(existsSync(cache.buildCache("app-a")), false, "a's build cache, used by no running build, was trimmed");

  for (const w of workspaces()) if (existsSync(join(w, "waiting"))) writeFileSync(join(w, "go"), "");
  const br = await b;
  assert.equal(br.code, 0, br.stderr);
  // B ended last, with nobody else running: the cache went down to within 90% of its budget.
  assert.match(br.stderr, /Cache over its 1 MiB budget/);
  const left = JSON.parse(await ok(["cache", "du", "--json"])) as { bytes: number };
  assert.ok(left.bytes <= 0.9 * (1 << 20), String(left.bytes));

  // What was trimmed is made again by the next build, which serves its answer as before.
  await ok(["build", "app-a", "--builder", "builder:data", "--path", join(tmp.path, "src-a")]);
  assert.ok(readdirSync(cache.rootfs).some((n) => n.startsWith("base-")));
  const text = await ok(["cache", "du"]);
  assert.match(text, /^rootfs\/ +\d+ +[\d.]+ [KMG]iB +build images' root filesystems/m);
  assert.match(text, /^debian\/ +.*a link to another cache's: not counted, never pruned\)$/m);
  assert.match(text, /^total [\d.]+ [KMG]iB, no budget \(PAKETO_CACHE_MAX=off\)$/m);

  const pruned = JSON.parse(await ok(["cache", "prune", "--all", "--json"])) as { removed: number; freedBytes: number; afterBytes: number };
  assert.ok(pruned.removed > 0 && pruned.freedBytes > 100 << 20, JSON.stringify(pruned));
  assert.equal(readdirSync(cache.rootfs).filter((n) => !n.startsWith(".")).length, 0);
  assert.ok(readdirSync(cache.debian).length > 0, "the linked .debs are never pruned");

  const bad = await paketo(["cache", "prune", "--max-size", "5 gigs"]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--max-size: "5 gigs" is not a size/);
  assert.match(bad.stderr, /hint: .*5G/);
});
