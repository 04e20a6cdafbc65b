// go-dist: the Go toolchain, from the Go module proxy as the module `golang.org/toolchain` (what
// the go command itself downloads), verified against the checksum database (deps/go). Detect
// always passes (it provides `go`, and requires it with BP_GO_VERSION); build merges the plan's
// `go` requirements, resolves one release and installs it into the `go` layer (build and cache;
// launch only when a later buildpack asks, e.g. for a Procfile `go run`). For a target of another
// architecture than the machine's (PAKETO_NATIVE_ARCH set by the platform) the machine's own
// toolchain is installed with GOOS/GOARCH for the target, so go-build cross-compiles natively.
import { defineBuildpack, layerEnv, pass, s } from "../../buildpack-api/index.js";
import type { go as goDeps } from "../../deps/index.js";
import { logCandidates } from "../common/requirements.js";
import { sbomFiles } from "../common/sbom.js";
import { GoError } from "../go-common/index.js";
import { goSbom } from "./sbom.js";
import { mergeRequirements } from "./version.js";

export interface GoDistDeps {
  /** deps/go (main.ts passes the module itself). */
  go: Pick<typeof goDeps, "GoModuleSource" | "resolveToolchain" | "TOOLCHAIN_MODULE">;
}

const REQUIREMENT = s.object({
  version: s.optional(s.string()),
  "version-source": s.optional(s.string()),
  build: s.optional(s.boolean()),
  launch: s.optional(s.boolean()),
});

/** What the go layer holds; a restored layer is kept while all three match. */
const LAYER = s.object({ version: s.string(), h1: s.string(), arch: s.string() });
type LayerKey = { version: string; h1: string; arch: string };

/** Left out of the layer: the standard library's own tests and their data (half the files; a build never reads them). */
function keep(rel: string): boolean {
  return !(rel.startsWith("src/") && (rel.includes("/testdata/") || rel.endsWith("_test.go")));
}

/** Executable, as the go command marks a toolchain it unpacks. */
function executable(rel: string): boolean {
  return rel.startsWith("bin/") || rel.startsWith("pkg/tool/");
}

export const goDist = (deps: GoDistDeps) =>
  defineBuildpack({
    detect: async (ctx) => {
      const version = ctx.env.BP_GO_VERSION?.trim();
      return pass({
        provides: [{ name: "go" }],
        requires: version ? [{ name: "go", metadata: { version, "version-source": "BP_GO_VERSION" } }] : [],
      });
    },

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const entries = ctx.plan.select("go", REQUIREMENT);
      if (entries.length === 0) {
        log.process("Go no longer requested by plan");
        return {};
      }
      const merged = mergeRequirements(entries.map((e) => e.metadata));
      log.process("Resolving Go version");
      logCandidates(log, merged);

      // Another architecture than this machine's, whose programs run emulated here: the machine's
      // own toolchain compiles for the target with GOARCH (native speed; go-build decides cgo).
      // Go wanted at launch (`go run` in a Procfile) must be the target's: then it runs emulated.
      const target = goArch(ctx.target.arch);
      const native = knownArch(ctx.env.PAKETO_NATIVE_ARCH?.trim() ?? "") ?? target;
      const cross = native !== target && !merged.launch;
      const arch = cross ? native : target;
      const offline = ctx.env.PAKETO_OFFLINE === "true";
      const source = await deps.go.GoModuleSource.open({ env: ctx.env, ...(ctx.env.HOME ? { home: ctx.env.HOME } : {}), offline, warn: (m) => log.warning(m) });
      const where = merged.chosen ? merged.chosen.source ?? "<unknown>" : "the default";
      const r = await deps.go.resolveToolchain(source, { os: "linux", arch, spec: merged.chosen?.version, where });
      log.subprocess(`Selected Go version (using ${merged.chosen ? where : "the default: the newest release"}): ${r.version.text}`);
      if (cross) log.subprocess(`Cross-compiling for linux/${target} with the linux/${native} toolchain (this machine's architecture; GOARCH=${target})`);
      else if (native !== target) log.subprocess(`The linux/${target} toolchain (Go is needed at launch); it runs emulated on this linux/${native} machine`);
      log.debug.subprocess(`${deps.go.TOOLCHAIN_MODULE}@${r.moduleVersion}: ${r.how}`);
      log.break();

      const expected = await source.expectedHash(deps.go.TOOLCHAIN_MODULE, r.moduleVersion);
      const layer = await ctx.layers.cached("go", {
        build: merged.build,
        launch: merged.launch,
        cache: true,
        metadata: LAYER,
        onRestored: (m: LayerKey) =>
          m.version === r.moduleVersion && m.arch === arch && (expected.h1 === undefined || m.h1 === expected.h1)
            ? "keep"
            : { rebuild: m.version === r.moduleVersion ? `another build of ${m.version}` : `${m.version} -> ${r.moduleVersion}` },
      });
      let sbomInput: { sha256: string; h1: string; verifiedBy: string } | undefined;
      if (layer.state.kind === "restored") {
        log.process(`Reusing cached layer ${layer.path}`);
      } else {
        log.process("Executing build process");
        log.subprocess(`Installing Go ${r.version.text}`);
        const started = Date.now();
        const i = await source.install(deps.go.TOOLCHAIN_MODULE, r.moduleVersion, layer.path, { filter: keep, exec: executable });
        const how = i.verification.by === "sumdb" ? `verified against ${i.verification.name}` : `not verified: ${i.verification.reason}`;
        log.action(`Completed in ${seconds(Date.now() - started)}${i.downloaded ? ` (downloaded ${(i.size / 1e6).toFixed(1)} MB, ${how})` : ` (from the download cache, ${how})`}`);
        await layer.write({ version: r.moduleVersion, h1: i.h1, arch });
        sbomInput = { sha256: i.sha256, h1: i.h1, verifiedBy: i.verification.by === "sumdb" ? i.verification.name : "none" };
      }
      log.break();

      // GOTOOLCHAIN=local: a go.mod `toolchain` line must never make the go command fetch another Go.
      let env = layerEnv().override("GOTOOLCHAIN", "local", { scope: "build" });
      if (cross) env = env.override("GOOS", "linux", { scope: "build" }).override("GOARCH", target, { scope: "build" });
      // `go run` at launch runs as the run user: its caches go where that user can write
      if (merged.launch) env = env.default("GOTOOLCHAIN", "local", { scope: "launch" }).default("GOCACHE", "/tmp/go-build", { scope: "launch" }).default("GOPATH", "/tmp/go", { scope: "launch" });
      await layer.writeEnv(env);
      log.process("Configuring build environment");
      log.subprocess(`GOTOOLCHAIN -> "local"`);
      if (cross) {
        log.subprocess(`GOOS        -> "linux"`);
        log.subprocess(`GOARCH      -> "${target}"`);
      }
      log.break();
      if (merged.launch) {
        log.process("Configuring launch environment");
        log.subprocess(`GOCACHE     -> "/tmp/go-build"`);
        log.subprocess(`GOPATH      -> "/tmp/go"`);
        log.subprocess(`GOTOOLCHAIN -> "local"`);
        log.break();
      }

      if (ctx.env.BP_DISABLE_SBOM === "true") {
        log.subprocess("Skipping SBOM generation for Go");
      } else if (sbomInput) {
        const files = sbomFiles(
          goSbom({ version: r.version.text, moduleVersion: r.moduleVersion, ...sbomInput, tool: { name: ctx.buildpack.id, version: ctx.buildpack.version }, sourceDateEpoch: ctx.env.SOURCE_DATE_EPOCH }),
          ctx.buildpack.sbomFormats,
        );
        await layer.writeSbom(...files);
        log.process(`Generating SBOM for ${layer.path} (${files.map((f) => f.format).join(", ") || "no formats declared"})`);
      }
      return {};
    },
  });

/** The Go arch name of an architecture go-dist has toolchains for. */
function knownArch(arch: string): "amd64" | "arm64" | undefined {
  if (arch === "amd64" || arch === "x86_64" || arch === "x64") return "amd64";
  if (arch === "arm64" || arch === "aarch64") return "arm64";
  return undefined;
}

/** The Go arch name of a CNB target arch. */
function goArch(arch: string): "amd64" | "arm64" {
  const known = knownArch(arch);
  if (known) return known;
  throw new GoError("GO_SETTING", `no Go toolchain for the target architecture ${JSON.stringify(arch)}`, {
    hint: "go-dist installs golang.org/toolchain for linux/amd64 and linux/arm64",
  });
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
