// The buildpack environment (CNB-9, CNB-15..17, CNB-60, CNB-71): golden tables, no I/O.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseApiVersion, type RunImageTarget } from "../../cnb/index.js";
import {
  applyBuildLayer,
  applyEnvDir,
  applyPlatformEnv,
  baseEnv,
  buildVars,
  composeEnv,
  detectVars,
  type Env,
  type EnvFileContent,
  prependBuildLayer,
  targetVars,
} from "./index.js";

const files = (o: Record<string, string>): EnvFileContent[] => Object.entries(o).map(([name, content]) => ({ name, content }));

test("CNB-9, CNB-30: the lifecycle env is filtered to the include list and the POSIX path variables", () => {
  const env = baseEnv({
    PATH: "/usr/bin",
    LD_LIBRARY_PATH: "/l",
    LIBRARY_PATH: "/ll",
    CPATH: "/c",
    PKG_CONFIG_PATH: "/p",
    HOME: "/home/cnb",
    HOSTNAME: "h",
    HTTP_PROXY: "hp",
    http_proxy: "hp2",
    HTTPS_PROXY: "sp",
    https_proxy: "sp2",
    NO_PROXY: "np",
    no_proxy: "np2",
    CNB_STACK_ID: "stack",
    CNB_REGISTRY_AUTH: '{"r":"Basic x"}',
    DOCKER_CONFIG: "/root/.docker",
    REGISTRY_AUTH_FILE: "/auth.json",
    CNB_PLATFORM_API: "0.15",
    BP_NODE_VERSION: "22",
    SERVICE_BINDING_ROOT: "/bindings",
    TERM: "xterm",
    UNSET: undefined,
  });
  assert.deepEqual(Object.keys(env).sort(), [
    "CNB_STACK_ID",
    "CPATH",
    "HOME",
    "HOSTNAME",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "LD_LIBRARY_PATH",
    "LIBRARY_PATH",
    "NO_PROXY",
    "PATH",
    "PKG_CONFIG_PATH",
    "http_proxy",
    "https_proxy",
    "no_proxy",
  ]);
});

test("CNB-9, CNB-60: user env files set variables verbatim; POSIX path variables are prepended with ':'", () => {
  const cases: [string, Env, Record<string, string>, Env][] = [
    ["override", { FOO: "lifecycle" }, { FOO: "user" }, { FOO: "user" }],
    ["verbatim, newline kept", {}, { BP_NODE_VERSION: "22.*\n" }, { BP_NODE_VERSION: "22.*\n" }],
    ["PATH prepended", { PATH: "/usr/bin" }, { PATH: "/opt/bin" }, { PATH: "/opt/bin:/usr/bin" }],
    ["PATH unset: no trailing ':'", {}, { PATH: "/opt/bin" }, { PATH: "/opt/bin" }],
    ["LD_LIBRARY_PATH prepended", { LD_LIBRARY_PATH: "/a" }, { LD_LIBRARY_PATH: "/b" }, { LD_LIBRARY_PATH: "/b:/a" }],
    ["no suffix semantics: the file name is the variable", {}, { "FOO.append": "x" }, { "FOO.append": "x" }],
    ["a name with '=' cannot be a variable", {}, { "A=B": "x" }, {}],
  ];
  for (const [what, env, user, want] of cases) assert.deepEqual(applyPlatformEnv(env, files(user)), want, what);
});

test("CNB-16: env file suffix rules (golden table)", () => {
  const cases: [string, Env, Record<string, string>, Env][] = [
    ["no suffix overrides (layer default)", { A: "old" }, { A: "new" }, { A: "new" }],
    [".override", { A: "old" }, { "A.override": "new" }, { A: "new" }],
    [".default when unset", {}, { "A.default": "d" }, { A: "d" }],
    [".default when empty", { A: "" }, { "A.default": "d" }, { A: "d" }],
    [".default when set: kept", { A: "set" }, { "A.default": "d" }, { A: "set" }],
    [".append with delim", { A: "x" }, { "A.append": "y", "A.delim": ":" }, { A: "x:y" }],
    [".prepend with delim", { A: "x" }, { "A.prepend": "y", "A.delim": ":" }, { A: "y:x" }],
    [".append without delim: empty delimiter", { A: "x" }, { "A.append": "y" }, { A: "xy" }],
    [".prepend without delim: empty delimiter", { A: "x" }, { "A.prepend": "y" }, { A: "yx" }],
    [".append onto nothing: no delimiter", {}, { "A.append": "y", "A.delim": ":" }, { A: "y" }],
    [".prepend onto empty: no delimiter", { A: "" }, { "A.prepend": "y", "A.delim": ":" }, { A: "y" }],
    ["trailing newline kept", {}, { "JAVA_HOME.default": "/layers/jdk\n" }, { JAVA_HOME: "/layers/jdk\n" }],
    ["multi-char delim verbatim", { A: "x" }, { "A.append": "y", "A.delim": " -- " }, { A: "x -- y" }],
    ["unknown suffix ignored", { A: "x" }, { "A.later": "y", "A.b.append": "z" }, { A: "x" }],
    [".delim alone sets nothing", {}, { "A.delim": ":" }, {}],
    ["a delim applies only to its own variable", { A: "a", B: "b" }, { "A.append": "1", "A.delim": ":", "B.append": "2" }, { A: "a:1", B: "b2" }],
    [
      "files apply in name order: override then append",
      { A: "x" },
      { "A.override": "o", "A.append": "p", "A.delim": "," },
      // "A.append" < "A.delim" < "A.override": append first (x,p), then override wins.
      { A: "o" },
    ],
  ];
  for (const [what, env, dir, want] of cases) assert.deepEqual(applyEnvDir(env, files(dir), "override"), want, what);
  // Operator env (<build-config>/env): no suffix means default (CNB-9).
  assert.deepEqual(applyEnvDir({ A: "set" }, files({ A: "op", B: "op" }), "default"), { A: "set", B: "op" });
});

test("CNB-17: .append of earlier buildpacks comes first, .prepend last; .override: the later wins; .default: the earliest wins", () => {
  let env: Env = {};
  for (const [x, d] of [
    ["1", ":"],
    ["2", ":"],
  ] as const) {
    env = applyEnvDir(env, files({ "X.append": x, "X.delim": d, "P.prepend": x, "P.delim": d, "O.override": x, "D.default": x }), "override");
  }
  assert.deepEqual(env, { X: "1:2", P: "2:1", O: "2", D: "1" });
});

test("CNB-15: a build layer prepends bin, lib (twice), include and pkgconfig where they exist", () => {
  const env = prependBuildLayer({ PATH: "/usr/bin", LD_LIBRARY_PATH: "" }, "/layers/bp/l", ["bin", "lib", "include", "pkgconfig"]);
  assert.deepEqual(env, {
    PATH: "/layers/bp/l/bin:/usr/bin",
    LD_LIBRARY_PATH: "/layers/bp/l/lib",
    LIBRARY_PATH: "/layers/bp/l/lib",
    CPATH: "/layers/bp/l/include",
    PKG_CONFIG_PATH: "/layers/bp/l/pkgconfig",
  });
  assert.deepEqual(prependBuildLayer({ PATH: "/usr/bin" }, "/layers/bp/l", []), { PATH: "/usr/bin" });
  // Later layers end up first.
  const two = prependBuildLayer(prependBuildLayer({ PATH: "/usr/bin" }, "/layers/a/x", ["bin"]), "/layers/b/y", ["bin"]);
  assert.equal(two.PATH, "/layers/b/y/bin:/layers/a/x/bin:/usr/bin");
});

test("CNB-15, CNB-17: a build layer: paths, then env/, then env.build/ (each directory's delim its own)", () => {
  const env = applyBuildLayer(
    { PATH: "/usr/bin", X: "base" },
    {
      path: "/layers/bp/l",
      subdirs: ["bin"],
      env: files({ "X.append": "e", "X.delim": ":", "Y.default": "ey" }),
      envBuild: files({ "X.append": "b", "Y.override": "by" }),
    },
  );
  assert.deepEqual(env, { PATH: "/layers/bp/l/bin:/usr/bin", X: "base:eb", Y: "by" });
});

test("CNB-9: composition order: base, user env (unless clear-env), operator env, then CNB_* which nothing overrides", () => {
  const base = { PATH: "/usr/bin", FOO: "base" };
  const user = files({ FOO: "user", PATH: "/u", CNB_BUILDPACK_DIR: "/evil" });
  const op = files({ "FOO.override": "op", BAR: "op-default", "PATH.append": ":/op" });
  const cnbVars = { CNB_BUILDPACK_DIR: "/cnb/buildpacks/x/1" };
  assert.deepEqual(composeEnv({ base, platformEnv: user, buildConfigEnv: op, cnbVars }), {
    PATH: "/u:/usr/bin:/op",
    FOO: "op",
    BAR: "op-default",
    CNB_BUILDPACK_DIR: "/cnb/buildpacks/x/1",
  });
  assert.deepEqual(composeEnv({ base, platformEnv: undefined, buildConfigEnv: [], cnbVars }), { ...base, ...cnbVars }, "clear-env");
});

const target: RunImageTarget = { os: "linux", arch: "arm64", variant: "v8", distro: { name: "debian", version: "13" } };

test("CNB-6: CNB_TARGET_* carry os and arch always, variant and distro when known", () => {
  assert.deepEqual(targetVars(target), {
    CNB_TARGET_OS: "linux",
    CNB_TARGET_ARCH: "arm64",
    CNB_TARGET_ARCH_VARIANT: "v8",
    CNB_TARGET_DISTRO_NAME: "debian",
    CNB_TARGET_DISTRO_VERSION: "13",
  });
  assert.deepEqual(targetVars({ os: "linux", arch: "amd64" }), { CNB_TARGET_OS: "linux", CNB_TARGET_ARCH: "amd64" });
});

test("CNB-6, CNB-10: CNB_* variables per Buildpack API, for every supported version", () => {
  const common = { buildpackDir: "/cnb/buildpacks/b/1", platformDir: "/platform", target, execEnv: "production" };
  const want: Record<string, string[]> = {
    "0.7": ["CNB_BUILDPACK_DIR"],
    "0.8": ["CNB_BUILDPACK_DIR", "CNB_BUILD_PLAN_PATH", "CNB_PLATFORM_DIR"],
    "0.9": ["CNB_BUILDPACK_DIR", "CNB_BUILD_PLAN_PATH", "CNB_PLATFORM_DIR"],
    "0.10": ["CNB_BUILDPACK_DIR", "CNB_BUILD_PLAN_PATH", "CNB_PLATFORM_DIR", "CNB_TARGET_ARCH", "CNB_TARGET_ARCH_VARIANT", "CNB_TARGET_DISTRO_NAME", "CNB_TARGET_DISTRO_VERSION", "CNB_TARGET_OS"],
    "0.11": ["CNB_BUILDPACK_DIR", "CNB_BUILD_PLAN_PATH", "CNB_PLATFORM_DIR", "CNB_TARGET_ARCH", "CNB_TARGET_ARCH_VARIANT", "CNB_TARGET_DISTRO_NAME", "CNB_TARGET_DISTRO_VERSION", "CNB_TARGET_OS"],
    "0.12": ["CNB_BUILDPACK_DIR", "CNB_BUILD_PLAN_PATH", "CNB_EXEC_ENV", "CNB_PLATFORM_DIR", "CNB_TARGET_ARCH", "CNB_TARGET_ARCH_VARIANT", "CNB_TARGET_DISTRO_NAME", "CNB_TARGET_DISTRO_VERSION", "CNB_TARGET_OS"],
  };
  for (const [v, keys] of Object.entries(want)) {
    const api = parseApiVersion(v);
    assert.deepEqual(Object.keys(detectVars({ ...common, api, planPath: "/tmp/p/plan.toml" })).sort(), keys, `detect ${v}`);
    const buildKeys = keys.map((k) => (k === "CNB_BUILD_PLAN_PATH" ? "CNB_BP_PLAN_PATH" : k));
    if (keys.includes("CNB_PLATFORM_DIR")) buildKeys.push("CNB_LAYERS_DIR");
    assert.deepEqual(Object.keys(buildVars({ ...common, api, planPath: "/p", layersDir: "/layers/b" })).sort(), buildKeys.sort(), `build ${v}`);
  }
  const b = buildVars({ ...common, api: parseApiVersion("0.12"), planPath: "/tmp/x/plan.toml", layersDir: "/layers/b" });
  assert.equal(b.CNB_LAYERS_DIR, "/layers/b");
  assert.equal(b.CNB_BP_PLAN_PATH, "/tmp/x/plan.toml");
  assert.equal(detectVars({ ...common, api: parseApiVersion("0.12"), planPath: "/p", execEnv: "" }).CNB_EXEC_ENV, undefined);
});
