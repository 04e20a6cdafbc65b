// The sandbox against real bubblewrap: a root filesystem image holding one static probe program
// (compiled here with the host's gcc) shows what a buildpack process can see and do.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { emptyImage, layer, mutate, type Image } from "../oci/index.js";
import { run, tempDir } from "../testing/index.js";
import { bwrapRunner, checkBwrap, directRunner, prepareRootfs, type SandboxSpec } from "./index.js";

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
    else if (!strcmp(c, "connect")) { int s = socket(AF_INET, SOCK_STREAM, 0); struct sockaddr_in a = {0}; a.sin_family = AF_INET; a.sin_port = htons(atoi(argv[i+1])); a.sin_addr.s_addr = htonl(0x7f000001); printf("connect=%s\\n", connect(s, (struct sockaddr*)&a, sizeof a) == 0 ? "ok" : "refused"); i++; }
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

test("network on reaches a loopback server; network off cannot", async () => {
  assert.match((await output(spec(["connect", String(port)]))).out, /connect=ok/);
  assert.match((await output(spec(["connect", String(port)], { network: false }))).out, /connect=refused/);
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
