// paketo as an image, run as the Kubernetes Job of docs/kubernetes.md: `paketo build` makes
// paketo's own image (project.toml at the checkout's root: our Node.js buildpacks, bubblewrap from
// debian-packages, the build image as its run image), pushes it to a loopback docker-registry
// behind basic auth; the Job's pod spec (examples/kubernetes/paketo-job.yaml, adapted only where a
// machine without a cluster must differ, see `podFromJob`) is played by `podman kube play`; the pod
// builds the bundled Express example with `--sandbox none` and pushes it with the credentials of the
// mounted docker config; the pushed image runs under podman and answers HTTP.
//
// To stay within the suite's time, paketo's image is built from this checkout's built dist/ (the
// suite builds it first) rather than running `npm run build` again inside the buildpack, which the
// checkout's project.toml asks for (BP_NODE_RUN_SCRIPTS=build: minutes of tsc and esbuild).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chownSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { parse, stringify } from "smol-toml";
import { cli } from "../platform/creator/testing/e2e.js";
import { startRegistry, type TestRegistry } from "../testing/registry.js";
import { APPS, e2eTemp, Podman } from "./testing/harness.js";

const ROOT = resolve(APPS, "../../..");
const JOB = join(ROOT, "examples/kubernetes/paketo-job.yaml");
const tmp = e2eTemp("kubernetes");
const DOCKER_CONFIG = join(tmp.path, "docker-config");
const env = () => ({ ...process.env, PAKETO_STORE: join(tmp.path, "store"), DOCKER_CONFIG });
const c = cli(env);
const podman = new Podman(join(tmp.path, "podman"));
const AUTH = { username: "builder", password: `k8s-${process.pid}` };
// The build image's CNB user, which paketo's image runs as (its run image is the build image).
const CNB_UID = 1001;
const CNB_GID = 1000;
const POD = "paketo-build";
let registry: TestRegistry;
let R = "";

before(async () => {
  registry = await startRegistry({ auth: AUTH });
  R = registry.host;
  mkdirSync(DOCKER_CONFIG);
  const auth = Buffer.from(`${AUTH.username}:${AUTH.password}`).toString("base64");
  writeFileSync(join(DOCKER_CONFIG, "config.json"), JSON.stringify({ auths: { [R]: { auth } } }));
});

after(async () => {
  try {
    podman.run(["kube", "down", join(tmp.path, "pod.yaml")], 60_000);
  } catch {
    // never played, or already down
  }
  await registry?.stop();
  tmp.cleanup();
});

/** The checkout as `paketo build` of paketo would see it, with dist/ already built (see the top). */
function paketoSource(dir: string): string {
  mkdirSync(dir);
  for (const f of ["package.json", "package-lock.json", "bin", "builders", "stacks", "launcher", "dist"]) {
    cpSync(join(ROOT, f), join(dir, f), { recursive: true, filter: (p) => !p.endsWith(".test.js") });
  }
  // The checkout's own project.toml, less what makes the build run `npm run build`.
  const project = parse(readFileSync(join(ROOT, "project.toml"), "utf8")) as { io: { buildpacks: { exclude: string[]; build: { env: { name: string }[] } } } };
  const io = project.io.buildpacks;
  assert.ok(io.exclude.includes("dist") && io.build.env.some((e) => e.name === "BP_NODE_RUN_SCRIPTS"), "project.toml has changed: adapt paketoSource");
  io.exclude = io.exclude.filter((e) => e !== "dist");
  io.build.env = io.build.env.filter((e) => e.name !== "BP_NODE_RUN_SCRIPTS");
  writeFileSync(join(dir, "project.toml"), stringify(project));
  return dir;
}

/**
 * The Job's pod, as `podman kube play` takes it (podman plays Pods, not Jobs): the template's spec
 * under a Pod, REGISTRY replaced, and only what a machine without a cluster needs changed:
 * - the source PVC and the docker-config secret become hostPath folders;
 * - `hostNetwork: true`, so the pod reaches the registry on the host's 127.0.0.1;
 * - this machine reaches package registries through a proxy with its own CA, which the pod is
 *   given as a mounted file named by NODE_EXTRA_CA_CERTS (a cluster behind such a proxy does the same).
 */
function podFromJob(job: string, o: { source: string; dockerConfig: string; ca: string | undefined }): string {
  const marker = "  template:\n    spec:\n";
  const at = job.indexOf(marker);
  assert.ok(at > 0, `${JOB}: no template spec`);
  const body = job
    .slice(at + marker.length)
    .split("\n")
    .map((l) => l.replace(/^ {4}/, ""))
    .join("\n");
  let pod = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${POD}\nspec:\n${body}`.replaceAll("REGISTRY", R);
  const swap = (from: string | RegExp, to: string) => {
    const n = pod.split(from).length - 1;
    assert.equal(n, 1, `${JOB}: expected ${String(from)} once, found it ${n} times`);
    pod = pod.replace(from, to);
  };
  swap("persistentVolumeClaim: { claimName: my-app-source }", `hostPath: { path: ${o.source}, type: Directory }`);
  swap("secret: { secretName: regcred, items: [{ key: .dockerconfigjson, path: config.json }] }", `hostPath: { path: ${o.dockerConfig}, type: Directory }`);
  swap("  restartPolicy: Never\n", "  restartPolicy: Never\n  hostNetwork: true\n");
  if (o.ca) {
    swap("        - { name: DOCKER_CONFIG, value: /docker-config }\n", "        - { name: DOCKER_CONFIG, value: /docker-config }\n        - { name: NODE_EXTRA_CA_CERTS, value: /etc/platform-ca/ca.crt }\n");
    swap("      volumeMounts:\n", "      volumeMounts:\n        - { name: platform-ca, mountPath: /etc/platform-ca, readOnly: true }\n");
    swap("\n  volumes:\n", `\n  volumes:\n    - name: platform-ca\n      hostPath: { path: ${o.ca}, type: Directory }\n`);
  }
  return pod;
}

/** A container's stdout and stderr (paketo's build log is on stderr), for failure messages. */
function podmanLogs(container: string): string {
  const r = spawnSync("podman", ["--root", join(podman.dir, "root"), "--runroot", join(podman.dir, "runroot"), "--storage-driver", "overlay", "logs", container], {
    encoding: "utf8",
    env: { ...process.env, CONTAINERS_CONF: join(podman.dir, "containers.conf") },
    timeout: 60_000,
  });
  return `${r.stdout}${r.stderr}`;
}

function chownTree(p: string): void {
  chownSync(p, CNB_UID, CNB_GID);
  if (statSync(p).isDirectory()) for (const n of readdirSync(p)) chownTree(join(p, n));
}

test("paketo's image, built by paketo, runs the Kubernetes Job's pod under `podman kube play`: it builds the Express example and pushes it; the image serves", async () => {
  const creds = `${AUTH.username}:${AUTH.password}`;
  const t0 = Date.now();
  const lap = (what: string) => console.log(`# ${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // 1. paketo's image, its builder and run image in the registry (the Job names all three).
  const PAKETO = `${R}/paketo/paketo:latest`;
  const built = await c.paketo(["build", `docker://${PAKETO}`, "--path", paketoSource(join(tmp.path, "paketo-src")), "--run-image", "paketo/trixie:build"]);
  assert.equal(built.code, 0, built.stderr);
  assert.match(built.stderr, /Debian Packages[\s\S]*bubblewrap \d/, "bubblewrap from BP_DEBIAN_PACKAGES");
  await Promise.all([
    c.ok(["copy", "paketo/builder:default", `docker://${R}/paketo/builder:default`]),
    c.ok(["copy", "paketo/trixie:run", `docker://${R}/paketo/trixie:run`]),
  ]);
  lap("paketo's image built and pushed");
  podman.run(["pull", "-q", "--tls-verify=false", "--creds", creds, PAKETO], 300_000);
  assert.match(podman.run(["run", "--rm", PAKETO, "--version"], 60_000), /^paketo \d/, "the image's process is the paketo CLI");
  assert.match(podman.run(["run", "--rm", "--entrypoint", "/cnb/lifecycle/launcher", PAKETO, "bwrap --version"], 60_000), /^bubblewrap \d/);
  lap("paketo's image pulled");

  // 2. The Job's pod, played: it builds the app in the source volume and pushes it.
  const source = join(tmp.path, "source");
  cpSync(join(ROOT, "examples/express-app"), source, { recursive: true });
  chownTree(source);
  rmSync(join(source, "node_modules"), { recursive: true, force: true });
  const caFile = process.env.NODE_EXTRA_CA_CERTS ?? process.env.SSL_CERT_FILE;
  let ca: string | undefined;
  if (caFile && existsSync(caFile)) {
    ca = join(tmp.path, "platform-ca");
    mkdirSync(ca);
    cpSync(caFile, join(ca, "ca.crt"));
  }
  const podFile = join(tmp.path, "pod.yaml");
  writeFileSync(podFile, podFromJob(readFileSync(JOB, "utf8"), { source, dockerConfig: DOCKER_CONFIG, ca }));
  podman.run(["kube", "play", "--tls-verify=false", "--creds", creds, podFile], 300_000);
  const container = `${POD}-paketo`;
  let code: string;
  try {
    code = podman.run(["wait", container], 600_000);
  } finally {
    lap("the Job's pod ended");
  }
  const stdout = podman.run(["logs", container]);
  assert.equal(code, "0", `the pod's paketo build failed:\n${podmanLogs(container)}`);
  const digest = /^sha256:[0-9a-f]{64}$/m.exec(stdout)?.[0];
  assert.ok(digest, `no digest on the pod's stdout:\n${podmanLogs(container)}`);
  const cache = JSON.parse(await c.ok(["inspect", `docker://${R}/cache/my-app`, "--json"])) as { layers?: unknown[] };
  assert.ok((cache.layers?.length ?? 0) > 0, "the pod saved its build cache as an image in the registry");
  podman.run(["kube", "down", podFile], 60_000);

  // 3. The pushed app image runs and answers.
  const app = `${R}/apps/my-app@${digest}`;
  podman.run(["pull", "-q", "--tls-verify=false", "--creds", creds, app], 300_000);
  const body = await podman.serve(app);
  assert.match(body, /Hello from paketo: Node\.js v\d+/);
  lap("the app served");
});
