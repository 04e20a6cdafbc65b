// The paketo command against hostile inputs: a registry that echoes the credentials it was sent,
// and local layouts whose files are links to /dev/zero or fifos. What is printed never carries a
// credential; inspect and copy stay small in memory and end promptly (and on SIGTERM).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { tempOwner } from "../fs/index.js";
import { emptyImage, layer, layout, mutate } from "../oci/index.js";
import { run, startCountingProxy, startRegistry, tempDir, type CountingProxy, type TestRegistry } from "../testing/index.js";

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), "../../bin/paketo");
const USER = "mallory";
const PASSWORD = "Echo-Me-Not-9f3k";

let tmp: ReturnType<typeof tempDir>;
let registry: TestRegistry;
let proxy: CountingProxy;

before(async () => {
  tmp = tempDir("paketo-cli-hostile-");
  registry = await startRegistry({ auth: { username: USER, password: PASSWORD } });
  proxy = await startCountingProxy(registry.host);
});

after(async () => {
  await proxy?.stop();
  await registry?.stop();
  tmp?.cleanup();
});

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Peak resident memory of the paketo process, in KiB (from its own exit hook). */
  maxRssKiB: number;
  /** From the start, or from the SIGTERM when one was sent, to the end. */
  ms: number;
}

/** Runs paketo; the child reports its peak RSS on exit. SIGTERM is sent once `sigtermWhen` says so. */
function paketo(args: string[], opts: { sigtermWhen?: () => boolean; timeoutMs?: number } = {}): Promise<Result> {
  return new Promise((done, fail) => {
    const hook = `process.on("exit",()=>process.stderr.write("\\nmaxrss="+process.resourceUsage().maxRSS+"\\n"))`;
    const started = Date.now();
    const child = spawn(process.execPath, ["--import", `data:text/javascript,${encodeURIComponent(hook)}`, BIN, ...args], {
      env: { ...process.env, PAKETO_STORE: join(tmp.path, "store"), DOCKER_CONFIG: join(tmp.path, "docker-config") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    let termAt = 0;
    const term = opts.sigtermWhen
      ? setInterval(() => {
          if (!termAt && opts.sigtermWhen?.()) {
            termAt = Date.now();
            child.kill("SIGTERM");
          }
        }, 20)
      : undefined;
    const kill = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    child.on("error", fail);
    child.on("close", (code, signal) => {
      clearTimeout(kill);
      if (term) clearInterval(term);
      const rss = /maxrss=(\d+)/.exec(stderr);
      const ms = Date.now() - (termAt || started);
      done({ code, signal, stdout, stderr: stderr.replace(/\nmaxrss=\d+\n/, ""), maxRssKiB: rss ? Number(rss[1]) : Number.NaN, ms });
    });
  });
}

async function smallLayout(dir: string): Promise<void> {
  const l = await layer.layerFromFiles([{ path: "etc/hello", content: "hello\n" }], { outputDir: tmp.path });
  await layout.writeLayout(dir, { kind: "image", image: mutate.appendLayers(emptyImage(), l) });
}

test("a registry that echoes the credentials it was sent: paketo prints neither the password nor the Basic token", async () => {
  const src = join(tmp.path, "echo-src");
  await smallLayout(src);
  proxy.reset();
  proxy.inject({
    method: "PUT",
    path: /\/manifests\//,
    fault: {
      status: 400,
      body: (req) => {
        const auth = String(req.headers.authorization);
        const decoded = Buffer.from(auth.slice(6), "base64").toString("utf8");
        return JSON.stringify({ errors: [{ code: "DENIED", message: `denied: ${auth} is ${decoded}` }] });
      },
    },
  });
  const r = await paketo(["copy", "--creds", `${USER}:${PASSWORD}`, `oci:${src}`, `docker://${proxy.host}/echo:1`]);
  assert.equal(r.code, 1, r.stderr);
  const basic = Buffer.from(`${USER}:${PASSWORD}`).toString("base64");
  for (const out of [r.stdout, r.stderr]) {
    assert.ok(!out.includes(PASSWORD), `the password was printed:\n${out}`);
    assert.ok(!out.includes(basic), `the Basic token was printed:\n${out}`);
  }
  assert.match(r.stderr, /400 DENIED: denied: Basic <redacted> is <redacted>/);
});

test("inspect and copy of a layout whose files link to /dev/zero or are fifos fail at once, in little memory", async () => {
  const cases: Array<[string, (dir: string, blob: (d: string) => string) => Promise<void>]> = [
    ["index.json -> /dev/zero", async (dir) => replace(join(dir, "index.json"), "zero")],
    ["oci-layout is a fifo", async (dir) => replace(join(dir, "oci-layout"), "fifo")],
    ["every blob -> /dev/zero", async (dir) => {
      for (const b of blobs(dir)) replace(b, "zero");
    }],
    ["every blob is a fifo", async (dir) => {
      for (const b of blobs(dir)) replace(b, "fifo");
    }],
  ];
  for (const [name, spoil] of cases) {
    const dir = join(tmp.path, name.replace(/\W+/g, "-"));
    await smallLayout(dir);
    await spoil(dir, (d) => d);
    for (const args of [["inspect", `oci:${dir}`], ["copy", `oci:${dir}`, `oci:${dir}-copy`]]) {
      const r = await paketo(args, { timeoutMs: 30_000 });
      assert.equal(r.signal, null, `${name}: paketo ${args[0]} hung (killed after ${r.ms} ms)`);
      assert.equal(r.code, 1, `${name}: paketo ${args[0]}: ${r.stderr}`);
      assert.match(r.stderr, /is a (character device|fifo), not a regular file/, `${name}: ${r.stderr}`);
      assert.ok(r.maxRssKiB < 512 * 1024, `${name}: paketo ${args[0]} peaked at ${Math.round(r.maxRssKiB / 1024)} MiB`);
    }
  }
});

test("SIGTERM ends a copy at once, and the destination never appears half-written", async () => {
  // A big enough source that the copy is still running when the signal comes.
  const src = join(tmp.path, "big-src");
  mkdirSync(join(tmp.path, "big"), { recursive: true });
  run("dd", ["if=/dev/urandom", `of=${join(tmp.path, "big", "blob.bin")}`, "bs=1M", "count=192", "status=none"]);
  const l = await layer.layerFromDirectory(join(tmp.path, "big"), { outputDir: tmp.path, level: 1 });
  await layout.writeLayout(src, { kind: "image", image: mutate.appendLayers(emptyImage(), l) });
  const dest = join(tmp.path, "big-dest.tar");
  // Once the archive's temp file exists, the copy is streaming the layer.
  const writing = () => readdirSync(tmp.path).some((n) => tempOwner(n) !== undefined);
  const r = await paketo(["copy", `oci:${src}`, `oci-archive:${dest}`], { sigtermWhen: writing, timeoutMs: 60_000 });
  assert.equal(r.code, 143, `ended by SIGTERM: ${r.stderr}`);
  assert.ok(r.ms < 5_000, `it took ${r.ms} ms after the SIGTERM`);
  assert.match(r.stderr, /interrupted \(SIGTERM\)/);
  assert.ok(!existsSync(dest), "no half-written archive under the destination name");
});

function blobs(dir: string): string[] {
  const out = run("find", [join(dir, "blobs"), "-type", "f"]).trim();
  return out ? out.split("\n") : [];
}

function replace(path: string, kind: "zero" | "fifo"): void {
  rmSync(path, { force: true });
  if (kind === "zero") symlinkSync("/dev/zero", path);
  else run("mkfifo", [path]);
}
