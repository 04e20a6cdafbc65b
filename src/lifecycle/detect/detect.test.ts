// The detect phase against the real sandbox (bubblewrap) and, where said, --sandbox none, with
// the bash fixture buildpacks of src/lifecycle/fixtures.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseGroupToml, parsePlanToml, parseSystemToml } from "../../cnb/index.js";
import { checkBwrap } from "../../sandbox/index.js";
import { dump, harness, type Harness, orderOf } from "../testing/harness.js";
import { LifecycleError } from "../errors.js";
import { detect, readOrderFile, readSystemFile } from "./index.js";

before(async () => {
  await checkBwrap();
});

function withHarness(opts: Parameters<typeof harness>[0], fn: (h: Harness) => Promise<void>): () => Promise<void> {
  return async () => {
    const h = harness(opts);
    try {
      await fn(h);
    } finally {
      h.cleanup();
    }
  };
}

async function detectFails(h: Harness, order: string[][], exitCode: number): Promise<LifecycleError> {
  const err = await detect(h.detectInputs(orderOf(order)), h).then(
    () => assert.fail("detect passed"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof LifecycleError, String(err));
  assert.equal(err.exitCode, exitCode, err.message);
  return err;
}

const ids = (r: Awaited<ReturnType<typeof detect>>) => r.group.group.map((e) => e.id);

test(
  "CNB-6, CNB-9: bin/detect gets $1=/platform, $2=a fresh empty plan file, cwd /workspace (read-only), CNB_* per Buildpack API",
  withHarness({ verbose: true }, async (h) => {
    const probe = (tag: string) => `${dump(tag)}echo "${tag} PLAN_SIZE $(stat -c %s "$2")"\n(touch x 2>/dev/null && echo "${tag} WRITE ok") || echo "${tag} WRITE denied"\n`;
    h.script("test/alpha", "detect", probe("alpha"));
    h.script("test/old", "detect", probe("old"));
    h.script("test/mid", "detect", probe("mid"));
    const r = await detect(h.detectInputs(orderOf([["test/alpha", "test/old", "test/mid"]])), h);
    assert.deepEqual(ids(r), ["test/alpha", "test/old", "test/mid"]);

    const [a0, a1] = (h.lines("alpha", "ARGS")[0] ?? "").split(" ");
    assert.equal(a0, "/platform");
    assert.match(a1 ?? "", /^\/tmp\/plan\.[^/]+\/plan\.toml$/);
    assert.deepEqual(h.lines("alpha", "PWD"), ["/workspace"]);
    assert.deepEqual(h.lines("alpha", "PLAN_SIZE"), ["0"]);
    assert.deepEqual(h.lines("alpha", "WRITE"), ["denied"]);
    const alpha = h.env("alpha");
    const cnb = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith("CNB_")));
    assert.deepEqual(cnb(alpha), {
      CNB_BUILDPACK_DIR: "/cnb/buildpacks/test_alpha/0.1.0",
      CNB_PLATFORM_DIR: "/platform",
      CNB_BUILD_PLAN_PATH: a1,
      CNB_TARGET_OS: "linux",
      CNB_TARGET_ARCH: "amd64",
      CNB_TARGET_DISTRO_NAME: "debian",
      CNB_TARGET_DISTRO_VERSION: "13",
      CNB_EXEC_ENV: "production",
    });
    // API 0.7: positional arguments only; 0.9: platform dir and plan path, no targets, no exec env.
    assert.deepEqual(cnb(h.env("old")), { CNB_BUILDPACK_DIR: "/cnb/buildpacks/test_old/0.1.0" });
    const [, midPlan] = (h.lines("mid", "ARGS")[0] ?? "").split(" ");
    assert.deepEqual(cnb(h.env("mid")), { CNB_BUILDPACK_DIR: "/cnb/buildpacks/test_mid/0.1.0", CNB_PLATFORM_DIR: "/platform", CNB_BUILD_PLAN_PATH: midPlan });
    assert.notEqual(midPlan, a1, "each run has its own plan file");
    // The rest of the env: the filtered lifecycle env only.
    assert.equal(alpha.PATH, "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    assert.equal(alpha.HOME, "/home/cnb");
  }),
);

test(
  "CNB-7: exit 0 passes, 100 fails, anything else errors; an errored buildpack's output is shown (exit 21 when no group passes)",
  withHarness({}, async (h) => {
    h.script("test/beta", "detect", "echo 'beta: no package.json'\nexit 100\n");
    h.script("test/gamma", "detect", "echo 'gamma: boom' >&2\nexit 3\n");
    const err = await detectFails(h, [["test/alpha", "test/beta", "test/gamma"]], 21);
    assert.equal(err.message, "no buildpack group passed detection");
    const out = h.output();
    assert.match(out, /Test Gamma 0\.1\.0 \(detect: error \(bin\/detect exited with code 3\)\)\n {2}gamma: boom\n/);
    assert.doesNotMatch(out, / {2}beta: no package.json/, "a failing buildpack's output is not shown without --verbose");
    assert.match(out, /group 1: test\/alpha@0\.1\.0: pass, test\/beta@0\.1\.0: fail, test\/gamma@0\.1\.0: error/);
  }),
);

test(
  "CNB-7, CNB-28: when nothing passes and nothing errors, exit 20 'no buildpack group passed detection'",
  withHarness({}, async (h) => {
    h.script("test/alpha", "detect", "exit 100\n");
    h.script("test/beta", "detect", "exit 100\n");
    const err = await detectFails(h, [["test/alpha"], ["test/beta"]], 20);
    assert.equal(err.message, "no buildpack group passed detection");
    assert.equal(err.code, "LIFECYCLE_DETECT_NO_GROUP");
  }),
);

test(
  "CNB-35: groups are tried in order, the first passing one wins, failing optional buildpacks are dropped; results are memoised",
  withHarness({}, async (h) => {
    h.script("test/beta", "detect", "exit 100\n");
    h.script("test/gamma", "detect", "echo run >> /home/cnb/gamma-runs\nexit 100\n");
    const r = await detect(h.detectInputs(orderOf([["test/beta", "test/gamma?"], ["test/gamma?", "test/alpha", "test/beta?"]])), h);
    assert.deepEqual(ids(r), ["test/alpha"]);
    assert.equal(readFileSync(join(h.paths.host.home, "gamma-runs"), "utf8"), "run\n", "gamma ran once for both groups");
    assert.deepEqual(parseGroupToml(readFileSync(join(h.paths.host.layers, "group.toml"), "utf8")).group, r.group.group);
    assert.deepEqual(r.group.group[0], { id: "test/alpha", version: "0.1.0", api: "0.12" });
  }),
);

test(
  "CNB-5, CNB-34: a composite expands in place into its alternatives; an optional composite whose groups all fail is dropped",
  withHarness({}, async (h) => {
    h.script("test/beta", "detect", "exit 100\n");
    let r = await detect(h.detectInputs(orderOf([["test/old", "test/composite", "test/mid"]])), h);
    assert.deepEqual(ids(r), ["test/old", "test/gamma", "test/mid"], "[alpha, beta] fails on beta, [gamma] passes");
    h.script("test/gamma", "detect", "exit 100\n");
    r = await detect(h.detectInputs(orderOf([["test/old", "test/composite?", "test/mid"]])), h);
    assert.deepEqual(ids(r), ["test/old", "test/mid"]);
    await detectFails(h, [["test/old", "test/composite"]], 20);
  }),
);

test(
  "CNB-5: a composite that contains itself is an error (exit 22)",
  withHarness({}, async (h) => {
    const err = await detectFails(h, [["test/cycle-a"]], 22);
    assert.match(err.message, /test\/cycle-a@0\.1\.0 → test\/cycle-b@0\.1\.0 → test\/cycle-a@0\.1\.0/);
  }),
);

test(
  "CNB-34: system.toml pre and post buildpacks join every group (Platform API 0.15)",
  withHarness({}, async (h) => {
    const system = parseSystemToml(
      '[[system.pre.buildpacks]]\nid = "test/old"\nversion = "0.1.0"\n[[system.post.buildpacks]]\nid = "test/mid"\nversion = "0.1.0"\noptional = true\n',
    );
    h.script("test/mid", "detect", "exit 100\n");
    const r = await detect(h.detectInputs(orderOf([["test/alpha"]]), { system }), h);
    assert.deepEqual(ids(r), ["test/old", "test/alpha"]);
  }),
);

test(
  "CNB-8, CNB-36: the build plan: provides/requires across the group, metadata kept, [[or]] alternatives, unmet optional buildpacks dropped",
  withHarness({}, async (h) => {
    // hello-world / hello-moon: one entry, provider alpha, two requires.
    h.script("test/alpha", "detect", 'cat > "$2" <<EOF\n[[provides]]\nname = "some-world"\n[[requires]]\nname = "some-world"\nEOF\n');
    h.script("test/beta", "detect", 'cat > "$2" <<EOF\n[[requires]]\nname = "some-world"\n[requires.metadata]\nworld = "Earth-616"\nEOF\n');
    // gamma's top level needs a provider nobody has; its [[or]] alternative provides node for mid.
    h.script(
      "test/gamma",
      "detect",
      'cat > "$2" <<EOF\n[[requires]]\nname = "nobody-provides-this"\n[[or]]\n[[or.provides]]\nname = "node"\nEOF\n',
    );
    h.script("test/mid", "detect", 'cat > "$2" <<EOF\n[[requires]]\nname = "node"\n[requires.metadata]\nversion = "22"\nEOF\n');
    // old (optional) requires something no one provides: dropped.
    h.script("test/old", "detect", 'cat > "$2" <<EOF\n[[requires]]\nname = "ruby"\nEOF\n');
    const r = await detect(h.detectInputs(orderOf([["test/alpha", "test/beta", "test/old?", "test/gamma", "test/mid"]])), h);
    assert.deepEqual(ids(r), ["test/alpha", "test/beta", "test/gamma", "test/mid"]);
    assert.match(h.output(), /4 of 5 buildpacks participating/);
    const p = (id: string) => ({ id, version: "0.1.0", extension: false });
    const want = {
      entries: [
        { providers: [p("test/alpha")], requires: [{ name: "some-world", metadata: {} }, { name: "some-world", metadata: { world: "Earth-616" } }] },
        { providers: [p("test/gamma")], requires: [{ name: "node", metadata: { version: "22" } }] },
      ],
    };
    assert.deepEqual(r.plan, want);
    assert.deepEqual(parsePlanToml(readFileSync(join(h.paths.host.layers, "plan.toml"), "utf8")), want);

    // CNB-8: a top-level requires.version is a detect error (exit 21: the only group errored).
    h.script("test/alpha", "detect", 'cat > "$2" <<EOF\n[[requires]]\nname = "node"\nversion = "22"\nEOF\n');
    const err = await detectFails(h, [["test/alpha"]], 21);
    assert.match(h.output(), /build plan of test\/alpha@0\.1\.0: requires\[0\]\.version: is not supported/);
    assert.equal(err.message, "no buildpack group passed detection");
  }),
);

test(
  "CNB-9, CNB-30, CNB-60: lifecycle env filtered (credentials dropped, proxies kept), /platform/env overrides and prepends PATH, clear-env sees none of it, operator env applies",
  withHarness(
    {
      verbose: true,
      lifecycleEnv: {
        PATH: "/usr/bin:/bin",
        HOME: "/home/cnb",
        HTTP_PROXY: "http://proxy:3128",
        no_proxy: "localhost",
        FOO: "from-lifecycle",
        DOCKER_CONFIG: "/root/.docker",
        REGISTRY_AUTH_FILE: "/run/containers/auth.json",
        CNB_REGISTRY_AUTH: '{"ghcr.io":"Bearer secret"}',
        AWS_SECRET_ACCESS_KEY: "secret",
        BP_FROM_LIFECYCLE: "x",
      },
    },
    async (h) => {
      h.write("platform/env/FOO", "from-platform");
      h.write("platform/env/PATH", "/opt/user/bin");
      h.write("platform/env/BP_NODE_VERSION", "22.*\n");
      // Operator env (Platform API ≥0.11): no suffix means default; .override wins over the user.
      const bc = join(h.paths.host.buildConfig, "env");
      h.write("../rootfs/cnb/build-config/env/BP_OPERATOR", "op");
      h.write("../rootfs/cnb/build-config/env/FOO.override", "from-operator");
      h.write("../rootfs/cnb/build-config/env/BP_NODE_VERSION", "20.*");
      assert.ok(existsSync(join(bc, "BP_OPERATOR")));
      h.script("test/alpha", "detect", `${dump("alpha")}printf 'alpha Q %q\\n' "$BP_NODE_VERSION"\n`);
      h.script("test/clear", "detect", dump("clear"));
      await detect(h.detectInputs(orderOf([["test/alpha", "test/clear"]])), h);
      const alpha = h.env("alpha");
      for (const k of ["DOCKER_CONFIG", "REGISTRY_AUTH_FILE", "CNB_REGISTRY_AUTH", "AWS_SECRET_ACCESS_KEY", "BP_FROM_LIFECYCLE"]) {
        assert.equal(alpha[k], undefined, `${k} must not reach a buildpack`);
      }
      assert.doesNotMatch(h.output(), /secret/);
      assert.equal(alpha.HTTP_PROXY, "http://proxy:3128");
      assert.equal(alpha.no_proxy, "localhost");
      assert.equal(alpha.PATH, "/opt/user/bin:/usr/bin:/bin");
      assert.equal(alpha.FOO, "from-operator");
      assert.equal(alpha.BP_OPERATOR, "op");
      assert.deepEqual(h.lines("alpha", "Q"), ["$'22.*\\n'"], "user value verbatim (with its newline), operator default not applied");
      const clear = h.env("clear");
      assert.equal(clear.FOO, "from-operator", "clear-env skips user env only");
      assert.equal(clear.PATH, "/usr/bin:/bin");
      assert.equal(clear.BP_NODE_VERSION, "20.*");
      assert.equal(clear.HTTP_PROXY, "http://proxy:3128");
    },
  ),
);

test(
  "CNB-71: service bindings under /platform/bindings are visible, SERVICE_BINDING_ROOT=/platform/bindings",
  withHarness({ verbose: true }, async (h) => {
    h.write("platform/bindings/my-ca/type", "ca-certificates");
    h.write("platform/bindings/my-ca/provider", "acme");
    h.write("platform/bindings/my-ca/ca.pem", "-----BEGIN CERTIFICATE-----");
    h.script("test/alpha", "detect", 'echo "alpha ROOT $SERVICE_BINDING_ROOT"\necho "alpha TYPE $(cat "$SERVICE_BINDING_ROOT/my-ca/type")"\necho "alpha FILES $(ls "$SERVICE_BINDING_ROOT/my-ca" | tr "\\n" " ")"\n');
    await detect(h.detectInputs(orderOf([["test/alpha"]])), h);
    assert.deepEqual(h.lines("alpha", "ROOT"), ["/platform/bindings"]);
    assert.deepEqual(h.lines("alpha", "TYPE"), ["ca-certificates"]);
    assert.deepEqual(h.lines("alpha", "FILES"), ["ca.pem provider type "]);
  }),
);

test(
  "CNB-37: a required buildpack whose targets exclude the run image errors without running (exit 21); an optional one is dropped",
  withHarness({}, async (h) => {
    h.script("test/arm64", "detect", "echo ran > /home/cnb/arm64-ran\n");
    const err = await detectFails(h, [["test/arm64"]], 21);
    assert.equal(err.message, "no buildpack group passed detection");
    assert.match(h.output(), /Test arm64 only 0\.1\.0 \(detect: error \(its targets .*"arch":"arm64".* do not include the run image's/);
    const r = await detect(h.detectInputs(orderOf([["test/arm64?", "test/alpha"]])), h);
    assert.deepEqual(ids(r), ["test/alpha"]);
    assert.ok(!existsSync(join(h.paths.host.home, "arm64-ran")));
  }),
);

test(
  "CNB-26: a buildpack for other execution environments is skipped; CNB_EXEC_ENV says which one this is",
  withHarness({ verbose: true }, async (h) => {
    h.script("test/testonly", "detect", 'echo "testonly EXEC $CNB_EXEC_ENV"\n');
    let r = await detect(h.detectInputs(orderOf([["test/testonly", "test/alpha"]])), h);
    assert.deepEqual(ids(r), ["test/alpha"]);
    assert.deepEqual(h.lines("testonly", "EXEC"), []);
    r = await detect(h.detectInputs(orderOf([["test/testonly", "test/alpha"]]), { execEnv: "test" }), h);
    assert.deepEqual(ids(r), ["test/testonly", "test/alpha"]);
    assert.deepEqual(h.lines("testonly", "EXEC"), ["test"]);
  }),
);

test(
  "CNB-1: a buildpack of an unsupported Buildpack API is refused with exit 12",
  withHarness({}, async (h) => {
    const err = await detectFails(h, [["test/future"]], 12);
    assert.match(err.message, /\/cnb\/buildpacks\/test_future\/0\.1\.0\/buildpack\.toml: Buildpack API 9\.9 is not supported/);
  }),
);

test(
  "CNB-35: the detects of a group run in parallel (up to the cap)",
  withHarness({ verbose: true }, async (h) => {
    // Each detect prints when it starts and ends (the sandbox's clock, in ns): overlapping runs
    // prove parallelism without timing the phase, which a loaded machine would make flaky.
    const ids = ["alpha", "beta", "gamma"];
    for (const id of ids) h.script(`test/${id}`, "detect", `echo "${id} SPAN $(date +%s%N)"\nsleep 1.5\necho "${id} SPAN $(date +%s%N)"\n`);
    const order = orderOf([ids.map((id) => `test/${id}`)]);
    const spans = () =>
      ids.map((id) => {
        const [start, end] = h.lines(id, "SPAN").slice(-2).map(BigInt);
        assert.ok(start !== undefined && end !== undefined, `${id} printed its span`);
        return { start, end };
      });
    const overlaps = (s: { start: bigint; end: bigint }[]) =>
      s.flatMap((a, i) => s.slice(i + 1).filter((b) => a.start < b.end && b.start < a.end)).length;
    await detect(h.detectInputs(order, { concurrency: 4 }), h);
    assert.ok(overlaps(spans()) >= 1, "with a cap of 4, some detects of the group ran at the same time");
    await detect(h.detectInputs(order, { concurrency: 1 }), h);
    assert.equal(overlaps(spans()), 0, "with a cap of 1, one detect at a time");
    const timings = h.log.timings().filter((x) => x.label === "detect");
    assert.equal(timings.length, 2);
  }),
);

test(
  "CNB-27: order.toml is <layers>/order.toml when the platform wrote one, else the builder's /cnb/order.toml",
  withHarness({}, async (h) => {
    await assert.rejects(readOrderFile(h.paths), (e: unknown) => e instanceof LifecycleError && e.exitCode === 22 && /no \/cnb\/order\.toml/.test(e.message));
    h.write("../rootfs/cnb/order.toml", '[[order]]\n[[order.group]]\nid = "test/alpha"\nversion = "0.1.0"\n');
    assert.deepEqual((await readOrderFile(h.paths)).order, orderOf([["test/alpha"]]));
    h.write("layers/order.toml", '[[order]]\n[[order.group]]\nid = "test/beta"\nversion = "0.1.0"\noptional = true\n');
    assert.deepEqual((await readOrderFile(h.paths)).order, orderOf([["test/beta?"]]));
    h.write("layers/order.toml", "[[order]\n");
    await assert.rejects(readOrderFile(h.paths), /\/layers\/order\.toml: not valid TOML at line 1/);
    assert.equal(await readSystemFile(h.paths), undefined);
  }),
);

test(
  "--sandbox none: buildpacks run directly and see the host paths as they are",
  withHarness({ mode: "none", verbose: true }, async (h) => {
    h.script("test/alpha", "detect", dump("alpha"));
    await detect(h.detectInputs(orderOf([["test/alpha"]])), h);
    const env = h.env("alpha");
    assert.equal(env.CNB_PLATFORM_DIR, h.paths.host.platform);
    assert.equal(env.CNB_BUILDPACK_DIR, join(h.paths.host.buildpacks, "test_alpha", "0.1.0"));
    assert.ok(env.CNB_BUILD_PLAN_PATH?.startsWith(`${h.paths.host.tmp}/plan.`));
    assert.deepEqual(h.lines("alpha", "PWD"), [h.paths.host.workspace]);
  }),
);
