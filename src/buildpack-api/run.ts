// The runtime: one bin/detect or bin/build invocation, from argv and env to spec files and an
// exit code. It owns all spec-file I/O; the buildpack's functions only receive and return values.
// `main.ts` feeds it the real process; the test harness feeds it temp dirs.
import { access, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type ApiVersion, BUILD_RECORD_FILE, DETECT_READS_FILE, stringifyBuildRecord, parseBuildpackPlan, stringifyDetectReads, parseStoreToml, type Requirement, stringifyDetectPlan, stringifyStoreToml, type Table } from "../cnb/index.js";
import { isPaketoError, rootCause } from "../errors/index.js";
import { buildToml, launchToml, type BuildResult } from "./build.js";
import { PlanEntries, type BuildContext, type DetectContext } from "./context.js";
import type { Buildpack } from "./define.js";
import type { DetectResult } from "./detect.js";
import { BuildpackError } from "./errors.js";
import { parseInvocation, readBuildpack, readPlatform, readTarget, type Env, type Invocation } from "./inputs.js";
import { Layers, writeSboms } from "./layers.js";
import { trackReads } from "./reads.js";
import { recordBuild } from "./build-record.js";
import { createLogger, type Logger, type Write } from "./logger.js";
import { check, type Schema } from "./schema.js";

/** The process a buildpack runs as, given explicitly. */
export interface RuntimeIO {
  /** `[script, ...args]`: process.argv without the node executable. */
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** The working directory: the app dir (CNB-6, CNB-10). */
  cwd: string;
  /** Node's `process.arch`, for the target before Buildpack API 0.10. */
  arch: string;
  stdout: Write;
  stderr: Write;
}

/** Exit codes of bin/detect and bin/build (CNB-7, CNB-10). */
export const EXIT = { pass: 0, fail: 100, error: 1 } as const;

/** Runs one invocation and returns its exit code; errors become a message on stderr and exit 1. */
export async function runBuildpack<M, S>(bp: Buildpack<M, S>, io: RuntimeIO): Promise<number> {
  const env: Env = Object.freeze(Object.fromEntries(Object.entries(io.env).filter((e): e is [string, string] => e[1] !== undefined)));
  const debug = (env.BP_LOG_LEVEL ?? "").toUpperCase() === "DEBUG";
  const logger = createLogger(io.stdout, { debug });
  try {
    const inv = parseInvocation(io.argv, env);
    return inv.phase === "detect" ? await detect(bp, inv, io, env, logger) : await build(bp, inv, io, env, logger);
  } catch (e) {
    // process.exit() under paketo's buildpack host (host.ts): the host ends the invocation.
    if (typeof e === "object" && e !== null && HOST_EXIT in e) throw e;
    io.stderr(formatError(e, debug));
    return EXIT.error;
  }
}

/** Marks the error host.ts throws for process.exit(): it passes through runBuildpack untouched. */
export const HOST_EXIT = Symbol.for("paketo.buildpack-host.exit");

async function commonContext<M>(schema: Schema<M> | undefined, inv: Invocation, io: RuntimeIO, env: Env, logger: Logger): Promise<DetectContext<M>> {
  const buildpack = await readBuildpack(inv.buildpackDir, schema);
  return {
    appDir: io.cwd,
    env,
    platform: await readPlatform(inv.platformDir, env),
    buildpack,
    target: readTarget(env, buildpack.api, io.arch),
    execEnv: env.CNB_EXEC_ENV || "production",
    logger,
  };
}

function isDetectResult(r: unknown): r is DetectResult {
  return typeof r === "object" && r !== null && typeof (r as { pass?: unknown }).pass === "boolean";
}

async function detect<M, S>(bp: Buildpack<M, S>, inv: Invocation & { phase: "detect" }, io: RuntimeIO, env: Env, logger: Logger): Promise<number> {
  const ctx = await commonContext(bp.metadata, inv, io, env, logger);
  // paketo's platform asks for the paths detect looks at by leaving an empty file beside the plan
  // (cnb/detect-reads.ts); nothing else changes, and under other platforms nothing is recorded.
  const readsPath = join(dirname(inv.planPath), DETECT_READS_FILE);
  const track = await access(readsPath).then(
    () => true,
    () => false,
  );
  let result: unknown;
  if (track) {
    const tracked = await trackReads({ appDir: ctx.appDir, covered: [ctx.buildpack.dir, ctx.platform.dir] }, async () => bp.detect(ctx));
    result = tracked.value;
    await write(readsPath, stringifyDetectReads(tracked.reads), "the detect reads");
  } else result = await bp.detect(ctx);
  if (!isDetectResult(result)) {
    throw new BuildpackError("BUILDPACK_RESULT", `detect returned ${describe(result)}`, { hint: "return pass({ provides, requires }) or fail()" });
  }
  if (!result.pass) {
    if (result.reason !== undefined) logger.process(result.reason);
    return EXIT.fail;
  }
  await write(inv.planPath, stringifyDetectPlan(result.plan), "the build plan");
  return EXIT.pass;
}

async function build<M, S>(bp: Buildpack<M, S>, inv: Invocation & { phase: "build" }, io: RuntimeIO, env: Env, logger: Logger): Promise<number> {
  const common = await commonContext(bp.metadata, inv, io, env, logger);
  const plan = parseBuildpackPlan(await read(inv.planPath, "the buildpack plan"), inv.planPath);
  const ctx: BuildContext<M, S> = {
    ...common,
    layersDir: inv.layersDir,
    plan: new PlanEntries(plan.entries),
    layers: new Layers(inv.layersDir, { sbomFormats: common.buildpack.sbomFormats, logger }),
    store: await readStore(bp.store, inv.layersDir, logger),
  };
  // paketo's platform asks what the build depended on by leaving an empty file beside the plan.
  const recordPath = join(dirname(inv.planPath), BUILD_RECORD_FILE);
  const asked = await access(recordPath).then(
    () => true,
    () => false,
  );
  let result: unknown;
  if (asked) {
    const recorded = await recordBuild(async () => bp.build(ctx));
    result = recorded.value;
    await write(recordPath, stringifyBuildRecord(recorded.record), "the build record");
  } else result = await bp.build(ctx);
  if (typeof result !== "object" || result === null || Array.isArray(result)) {
    throw new BuildpackError("BUILDPACK_RESULT", `build returned ${describe(result)}`, { hint: "return a BuildResult: {} when there is nothing to declare" });
  }
  await writeBuildResult(result as BuildResult<S>, { store: bp.store, layersDir: inv.layersDir, api: common.buildpack.api, plan: plan.entries, sbomFormats: common.buildpack.sbomFormats, logger });
  return EXIT.pass;
}

async function readStore<S>(schema: Schema<S> | undefined, layersDir: string, logger: Logger): Promise<S | undefined> {
  const path = join(layersDir, "store.toml");
  const text = await readFile(path, "utf8").catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return undefined;
    throw new BuildpackError("BUILDPACK_IO", `reading ${path}: ${e.message}`, { cause: e });
  });
  if (text === undefined) return undefined;
  const metadata = parseStoreToml(text, path).metadata;
  if (schema === undefined) return metadata as S;
  const r = check(schema, metadata);
  if (r.ok) return r.value;
  logger.debug.process(`store.toml: ignoring metadata that does not match the store schema: ${r.problem}`);
  return undefined;
}

async function writeBuildResult<S>(
  result: BuildResult<S>,
  o: { store: Schema<S> | undefined; layersDir: string; api: ApiVersion; plan: readonly Requirement[]; sbomFormats: readonly string[]; logger: Logger },
): Promise<void> {
  const launch = launchToml(result, o.api, (text) => o.logger.warning(text));
  const build = buildToml(result, o.plan);
  if (launch !== undefined) await write(join(o.layersDir, "launch.toml"), launch, "launch.toml");
  if (build !== undefined) await write(join(o.layersDir, "build.toml"), build, "build.toml");
  if (result.store !== undefined) {
    let metadata: unknown = result.store;
    if (o.store !== undefined) {
      const r = check(o.store, result.store);
      if (!r.ok) throw new BuildpackError("BUILDPACK_METADATA", `build result: store: ${r.problem}`);
      metadata = r.value;
    }
    await write(join(o.layersDir, "store.toml"), stringifyStoreToml({ metadata: metadata as Table }), "store.toml");
  }
  await writeSboms(o.layersDir, "launch", result.sbom?.launch ?? [], o.sbomFormats);
  await writeSboms(o.layersDir, "build", result.sbom?.build ?? [], o.sbomFormats);
}

async function read(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    throw new BuildpackError("BUILDPACK_IO", `reading ${what} ${path}: ${(e as Error).message}`, { cause: e });
  }
}

async function write(path: string, text: string, what: string): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (e) {
    throw new BuildpackError("BUILDPACK_IO", `writing ${what} ${path}: ${(e as Error).message}`, { cause: e });
  }
}

function describe(v: unknown): string {
  if (v === undefined || v === null) return String(v);
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object that is not a result" : `a ${typeof v}`;
}

/**
 * What a failed buildpack prints: `ERROR: <message>`, the hint, and the root cause when the message
 * does not already say it. A stack trace only with BP_LOG_LEVEL=DEBUG, for errors that are not
 * expected failures (bugs).
 */
export function formatError(e: unknown, debug: boolean): string {
  const message = e instanceof Error ? e.message : String(e);
  const lines = [`ERROR: ${message}`];
  if (isPaketoError(e) && e.hint !== undefined) lines.push(`  hint: ${e.hint}`);
  if (e instanceof Error && e.cause !== undefined) {
    const root = rootCause(e.cause);
    if (!message.includes(root)) lines.push(`  caused by: ${root}`);
  }
  if (!isPaketoError(e) && e instanceof Error) {
    if (debug && e.stack !== undefined) lines.push(e.stack);
    else lines.push("  (an unexpected error in the buildpack; BP_LOG_LEVEL=DEBUG prints its stack trace)");
  }
  return `${lines.join("\n")}\n`;
}
