// The sandbox against real bubblewrap: a root filesystem image holding one static probe program
// (compiled here with the host's gcc) shows what a buildpack process can see and do.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { lookup } from "node:dns/promises";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { emptyImage, layer, mutate, type Image } from "../oci/index.js";
import { run, tempDir } from "../testing/index.js";
import { bwrapRunner, checkBwrap, directRunner, prepareRootfs, SLIRP_DNS, type SandboxSpec } from "./index.js";

const PROBE_C = `
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
extern char **environ;
int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *c = argv[i];
    if (!strcmp(c, "env")) { for (char **e = environ; *e; e++) printf("%s\\n", *e); }
    else if (!strcmp(c, "id")) printf("%d:%d\\n", (int)getuid(), (int)getgid());
    else if (!strcmp(c, "cwd")) { char b[4096]; printf("%s\\n", getcwd(b, sizeof b)); }
    else if (!strcmp(c, "exists")) { struct stat s; printf("%s=%s\\n", argv[i+1], stat(argv[i+1], &s) == 0 ? "yes" : "no"); i++; }
    else if (!strcmp(c, "write")) { int fd = open(argv[i+1], O_WRONLY|O_CREAT|O_TRUNC, 0644); printf("write %s=%s\\n", argv[i+1], fd >= 0 && write(fd, "x", 1) == 1 ? "ok" : "denied"); if (fd >= 0) close(fd); i++; }
    else if (!strcmp(c, "connect")) { int s = socket(AF_INET, SOCK_STREAM, 0); struct sockaddr_in a = {0}; a.sin_family = AF_INET; a.sin_port = htons(atoi(argv[i+2])); inet_pton(AF_INET, argv[i+1], &a.sin_addr); printf("connect %s:%s=%s\\n", argv[i+1], argv[i+2], connect(s, (struct sockaddr*)&a, sizeof a) == 0 ? "ok" : "refused"); close(s); i += 2; }
    else if (!strcmp(c, "cat")) { char b[65536]; int fd = open(argv[i+1], O_RDONLY); int n = fd >= 0 ? read(fd, b, sizeof b - 1) : -1; if (n > 0) { for (int k = 0; k < n; k++) if (!b[k]) b[k] = ' '; b[n] = 0; printf("%s=%s\\n", argv[i+1], b); } else printf("%s=unreadable\\n", argv[i+1]); if (fd >= 0) close(fd); i++; }
    else if (!strcmp(c, "sleep")) { fflush(stdout); usleep(atoi(argv[i+1]) * 1000); i++; }
    else if (!strcmp(c, "exit")) return atoi(argv[i+1]);
  }
  return 0;
}
`;

let tmp: ReturnType<typeof tempDir>;
let image: Image;
let rootfs: string;
let server: Server;
let port: number;

before(async () => {
  await checkBwrap();
  tmp = tempDir("paketo-sandbox-");
  writeFileSync(join(tmp.path, "probe.c"), PROBE_C);
  mkdirSync(join(tmp.path, "tree/usr/bin"), { recursive: true });
  run("gcc", ["-static", "-Os", "-o", join(tmp.path, "tree/usr/bin/probe"), join(tmp.path, "probe.c")]);
  const l = await layer.layerFromDirectory(join(tmp.path, "tree"), { outputDir: tmp.path });
  image = mutate.appendLayers(emptyImage(), l);
  rootfs = await prepareRootfs(image, { cacheDir: join(tmp.path, "rootfs-cache") });
  server = createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as { port: number }).port;
});

after(() => {
  server?.close();
  tmp?.cleanup();
});

function spec(argv: string[], extra: Partial<SandboxSpec> = {}): SandboxSpec {
  const ws = join(tmp.path, "workspace");
  const layers = join(tmp.path, "layers");
  mkdirSync(ws, { recursive: true });
  mkdirSync(layers, { recursive: true });
  return {
    rootfs,
    binds: [
      { source: ws, target: "/workspace" },
      { source: layers, target: "/layers", readOnly: true },
    ],
    uid: 1001,
    gid: 1000,
    cwd: "/workspace",
    env: { PATH: "/usr/bin", CNB_TEST: "yes" },
    argv: ["/usr/bin/probe", ...argv],
    ...extra,
  };
}

/** An address outside this machine that answers TCP: the npm registry's (from npm's own configuration), resolved here. */
async function outboundAddress(): Promise<{ ip: string; port: number }> {
  const url = new URL(run("npm", ["config", "get", "registry"]).trim());
  const { address } = await lookup(url.hostname, { family: 4 });
  return { ip: address, port: Number(url.port || (url.protocol === "https:" ? 443 : 80)) };
}

async function output(s: SandboxSpec): Promise<{ out: string; code: number | null }> {
  let out = "";
  const exit = await bwrapRunner().run(s, { stdout: (c) => (out += c.toString()), stderr: (c) => (out += c.toString()) });
  return { out, code: exit.code };
}

test("the process runs as the given user, in the given directory, with exactly the given environment (CNB-9)", async () => {
  const { out, code } = await output(spec(["id", "cwd", "env"]));
  assert.equal(code, 0, out);
  const lines = out.trim().split("\n");
  assert.equal(lines[0], "1001:1000");
  assert.equal(lines[1], "/workspace");
  // bubblewrap always sets PWD to the working directory, as a shell would.
  assert.deepEqual(lines.slice(2).sort(), ["CNB_TEST=yes", "PATH=/usr/bin", "PWD=/workspace"]);
});

test("nothing of the host is visible but the binds; the root is read-only; read-only binds refuse writes", async () => {
  writeFileSync(join(tmp.path, "secret"), "host secret");
  const { out } = await output(
    spec(["exists", "/root/.docker", "exists", tmp.path, "exists", "/usr/bin/probe", "write", "/workspace/out.txt", "write", "/layers/x", "write", "/usr/bin/new", "write", "/tmp/ok"]),
  );
  assert.match(out, /\/root\/\.docker=no/);
  assert.match(out, new RegExp(`${tmp.path}=no`));
  assert.match(out, /\/usr\/bin\/probe=yes/);
  assert.match(out, /write \/workspace\/out\.txt=ok/);
  assert.match(out, /write \/layers\/x=denied/);
  assert.match(out, /write \/usr\/bin\/new=denied/);
  assert.match(out, /write \/tmp\/ok=ok/);
  assert.equal(readFileSync(join(tmp.path, "workspace/out.txt"), "utf8"), "x");
  assert.ok(!existsSync(join(rootfs, "usr/bin/new")));
});

test("network on: outbound connections work, the host's loopback does not (directly or through the gateway); host: it does; off: nothing", async () => {
  const outside = await outboundAddress();
  const probe = ["connect", outside.ip, String(outside.port), "connect", "127.0.0.1", String(port), "connect", "10.0.2.2", String(port), "cat", "/etc/resolv.conf"];
  const on = (await output(spec(probe))).out;
  assert.match(on, new RegExp(`connect ${outside.ip.replace(/\./g, "\\.")}:${outside.port}=ok`), on);
  assert.match(on, new RegExp(`connect 127\\.0\\.0\\.1:${port}=refused`), on);
  assert.match(on, new RegExp(`connect 10\\.0\\.2\\.2:${port}=refused`), on);
  assert.match(on, new RegExp(`/etc/resolv\\.conf=nameserver ${SLIRP_DNS.replace(/\./g, "\\.")}\n`), on);
  assert.match((await output(spec(["connect", "127.0.0.1", String(port)], { network: "host" }))).out, /=ok/);
  const off = (await output(spec(["connect", outside.ip, String(outside.port), "connect", "127.0.0.1", String(port)], { network: "off" }))).out;
  assert.doesNotMatch(off, /=ok/, off);
});

test("the environment (--env values, tokens) never appears in any process's command line, outside or inside the sandbox", async () => {
  const secret = `s3cr3t-${process.pid}-${Date.now()}`;
  let out = "";
  const running = bwrapRunner().run(spec(["cat", "/proc/1/cmdline", "sleep", "1500"], { env: { PATH: "/usr/bin", API_TOKEN: secret } }), {
    stdout: (c) => (out += c.toString()),
  });
  await new Promise((r) => setTimeout(r, 700));
  const seen: string[] = [];
  for (const pid of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmd.includes(secret)) seen.push(`${pid}: ${cmd.replace(/\0/g, " ")}`);
    } catch {
      // gone meanwhile
    }
  }
  assert.equal((await running).code, 0, out);
  assert.deepEqual(seen, [], "the secret is on a command line");
  // bwrap as found on PATH (the inner one of the network wrapper is started by its path).
  assert.match(out, /\/proc\/1\/cmdline=(\/[^ ]*\/)?bwrap --args 3 -- /);
  assert.ok(!out.includes(secret), out);
});

test("network on without slirp4netns fails with a clear error, runs nothing and leaves no process behind", async () => {
  const marker = join(tmp.path, "workspace", "ran");
  await assert.rejects(bwrapRunner({ slirp4netns: "/nonexistent/slirp4netns" }).run(spec(["write", "/workspace/ran"])), (e: Error & { code?: string; hint?: string }) => {
    assert.equal(e.code, "SANDBOX_NETWORK");
    assert.match(e.message, /slirp4netns \(\/nonexistent\/slirp4netns\) is not installed/);
    assert.match(e.hint ?? "", /apt-get install slirp4netns.*--network off.*--network host/);
    return true;
  });
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(!existsSync(marker), "the process did not run without its network");
  const left = readdirSync("/proc")
    .filter((n) => /^\d+$/.test(n))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("/workspace/ran");
      } catch {
        return false;
      }
    });
  assert.deepEqual(left, [], "no sandbox process was left waiting");
});

test("exit codes come back as they are", async () => {
  assert.equal((await output(spec(["exit", "100"]))).code, 100);
  assert.equal((await output(spec(["exit", "0"]))).code, 0);
});

test("the root filesystem is extracted once per image digest, with the mount points the sandbox needs", async () => {
  const again = await prepareRootfs(image, { cacheDir: join(tmp.path, "rootfs-cache") });
  assert.equal(again, rootfs);
  for (const d of ["workspace", "layers", "platform", "cnb/buildpacks", "proc", "dev", "tmp"]) assert.ok(existsSync(join(rootfs, d)), d);
  const [a, b] = await Promise.all([
    prepareRootfs(image, { cacheDir: join(tmp.path, "race") }),
    prepareRootfs(image, { cacheDir: join(tmp.path, "race") }),
  ]);
  assert.equal(a, b);
  assert.ok(existsSync(join(a, "usr/bin/probe")));
});

test("--sandbox none runs the program directly with the given environment", async () => {
  let out = "";
  const s = spec(["env"], { cwd: tmp.path });
  const exit = await directRunner().run({ ...s, argv: [join(rootfs, "usr/bin/probe"), "env"] }, { stdout: (c) => (out += c.toString()) });
  assert.equal(exit.code, 0);
  assert.deepEqual(out.trim().split("\n").sort(), ["CNB_TEST=yes", "PATH=/usr/bin"]);
});
