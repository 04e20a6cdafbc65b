// cpython: CPython from the Debian packages of the run image's release (or an older release whose
// packages run on it), installed into the `cpython` layer by the Debian-packages helper and
// relocated there (Debian's python finds its prefix from where it runs). Debian's
// EXTERNALLY-MANAGED marker is left out (pip installs into layers, never into the system), the
// standard library is compiled to bytecode reproducibly, and when a later buildpack builds with
// it, a build-only `headers` layer holds libpython3.X-dev for C extensions (CPATH).
import { join } from "node:path";
import { defineBuildpack, pass, s } from "../../buildpack-api/index.js";
import type { installDebianPackages } from "../../buildpack-api/debian/index.js";
import { debian } from "../../deps/index.js";
import { entryKind } from "../../fs/index.js";
import { logCandidates, mergeRequirements } from "../common/requirements.js";
import { CPYTHON_BY_RELEASE, chooseMinor, compileBytecode, normaliseSpec, PythonError, pythonVersionFile, runtimeTxt } from "../python-common/index.js";

export interface CpythonDeps {
  install: typeof installDebianPackages;
}

const REQUIREMENT = s.object({
  version: s.optional(s.string()),
  "version-source": s.optional(s.string()),
  build: s.optional(s.boolean()),
  launch: s.optional(s.boolean()),
});

/** Version sources, highest priority first (Paketo's order; .python-version and runtime.txt after the package managers' files). */
const SOURCES = ["BP_CPYTHON_VERSION", "Pipfile.lock", "Pipfile", "pyproject.toml", ".python-version", "runtime.txt"];
/** Not compiled: the standard library's tests and GUI demos, which a server never imports. */
const NO_BYTECODE = "/(test|tests|idle_test|idlelib|turtledemo|tkinter)/";

export const cpython = (deps: CpythonDeps) =>
  defineBuildpack({
    detect: async (ctx) => {
      const env = ctx.env.BP_CPYTHON_VERSION?.trim();
      const file = env ? { version: env, source: "BP_CPYTHON_VERSION" } : ((await pythonVersionFile(ctx.appDir)) ?? (await runtimeTxt(ctx.appDir)));
      return pass({
        provides: [{ name: "cpython" }],
        requires: file ? [{ name: "cpython", metadata: { version: file.version, "version-source": file.source } }] : [],
      });
    },

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const entries = ctx.plan.select("cpython", REQUIREMENT);
      if (entries.length === 0) {
        log.process("CPython no longer requested by plan");
        return {};
      }
      const merged = mergeRequirements(
        entries.map((e) => e.metadata),
        SOURCES,
        (v) => v === "default",
      );
      log.process("Resolving CPython version");
      logCandidates(log, merged);
      const codename = ctx.target.distro ? debian.codenameOf(ctx.target.distro.version) : debian.DEFAULT_CODENAME;
      const choices = (codename && CPYTHON_BY_RELEASE[codename]) || [];
      const spec = merged.chosen ? normaliseSpec(merged.chosen.version) : undefined;
      const where = merged.chosen?.source ?? "the default";
      const choice = chooseMinor(spec, choices);
      if (!choice) {
        throw new PythonError("PYTHON_VERSION", `no CPython ${merged.chosen?.version} (${where}) for Debian ${codename ?? ctx.target.distro?.version}`, {
          hint: `available: ${choices.map((c) => `${c.minor} (${c.suite ?? codename})`).join(", ") || "none"}`,
        });
      }
      const pkg = `python${choice.minor}`;
      const build = merged.build;
      const launch = merged.launch || !build;
      const debs = await deps.install(ctx, {
        layer: "cpython",
        build,
        launch,
        packages: [{ name: pkg, ...(spec ? { version: spec, source: where } : {}), ...(choice.suite ? { suite: choice.suite } : {}) }],
        excludePaths: ["usr/lib/python3*/EXTERNALLY-MANAGED", "usr/lib/python3*/test/**"],
        links: { "usr/bin/python3": pkg, "usr/bin/python": pkg },
        env: (env) => (build ? env.override("PYTHONPYCACHEPREFIX", "/tmp/pycache", { scope: "build" }) : env),
      });
      const version = debs.version(pkg);
      log.subprocess(`Selected CPython ${version} (${choice.suite ?? codename}${merged.chosen ? `, from ${where}` : ", the release's own"})`);
      const python = join(debs.path, "usr", "bin", pkg);
      const stdlib = join(debs.path, "usr", "lib", pkg);
      if ((await entryKind(join(stdlib, "__pycache__"))) === "missing") {
        log.process("Compiling the standard library to bytecode (unchecked-hash: reproducible)");
        const started = Date.now();
        await compileBytecode(python, [stdlib], { env: debs.envFor(ctx.env), cwd: ctx.appDir, logger: log, exclude: NO_BYTECODE });
        log.action(`Completed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
      if (build) {
        // Headers and the multiarch pyconfig.h for C extensions; never in the image.
        const dev = await deps.install(ctx, {
          layer: "headers",
          build: true,
          launch: false,
          packages: [{ name: `libpython${choice.minor}-dev`, version: debs.version(pkg)!, ...(choice.suite ? { suite: choice.suite } : {}) }],
          // Only the headers: the libraries and the standard library the package pulls in are in the
          // cpython layer or the build image already.
          exclude: [`libpython${choice.minor}-stdlib`, `libpython${choice.minor}-minimal`, `libpython${choice.minor}`, "libc6-dev", "libexpat1-dev", "zlib1g-dev"],
          excludePaths: ["usr/**", "etc/**"],
          keepPaths: ["usr/include/python3*/**", "usr/include/*/python3*/**"],
          env: (env, l) => env.prepend("CPATH", [join(l.path, "usr/include", pkg), join(l.path, "usr/include")].join(":"), { delim: ":", scope: "build" }),
        });
        log.subprocess(`Headers for C extensions: ${dev.path} (build only)`);
      }
      log.break();
      return {};
    },
  });
