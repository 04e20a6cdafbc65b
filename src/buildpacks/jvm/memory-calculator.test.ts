// The memory calculator (assets/memory-calculator.c), compiled with this machine's gcc and run as
// the launcher runs an exec.d program: env in, `JAVA_TOOL_OPTIONS = "..."` out on fd 3. Cases as
// a table: container limits (cgroup v2, v1, none), thread and class counts, head room, the
// user's flags, the agents, and too little memory.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { tempDir } from "../../testing/index.js";

const SOURCE = fileURLToPath(new URL("../../../src/buildpacks/jvm/assets/memory-calculator.c", import.meta.url));
const dir = tempDir("paketo-memcalc-");
const bin = join(dir.path, "memory-calculator");
after(() => dir.cleanup());
before(() => {
  execFileSync("gcc", ["-std=c11", "-static", "-Os", "-s", "-Wall", "-Wextra", "-Werror", "-o", bin, SOURCE]);
});

/** A cgroup root with `files` (path → content). */
function cgroup(name: string, files: Record<string, string>): string {
  const root = join(dir.path, "cg", name);
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(join(root, p, ".."), { recursive: true });
    writeFileSync(join(root, p), c);
  }
  mkdirSync(root, { recursive: true });
  return root;
}

function run(env: Record<string, string>): { code: number | null; options: string | undefined; stdout: string; stderr: string } {
  const r = spawnSync(bin, [], { env: { BPI_APPLICATION_PATH: join(dir.path, "no-app"), BPL_JVM_LOADED_CLASS_COUNT: "0", ...env }, stdio: ["ignore", "pipe", "pipe", "pipe"] });
  const toml = r.output[3]?.toString() ?? "";
  const m = /^JAVA_TOOL_OPTIONS = "((?:[^"\\]|\\.)*)"\n$/.exec(toml);
  return { code: r.status, options: m ? JSON.parse(`"${m[1]}"`) : undefined, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

const MiB = 1024 * 1024;
const v2 = (bytes: number) => ({ "memory.max": `${bytes}\n` });

interface Case {
  name: string;
  cgroup: Record<string, string>;
  env?: Record<string, string>;
  /** Flags that must be in JAVA_TOOL_OPTIONS, in this order. */
  expect: string[];
  absent?: string[];
}

const cases: Case[] = [
  // 1024 - 10 direct - 14 metaspace - 240 code cache - 250 x 1 stacks = 510
  { name: "no limit: 1 GiB", cgroup: {}, expect: ["-XX:MaxDirectMemorySize=10M", "-Xmx510M", "-XX:MaxMetaspaceSize=14M", "-XX:ReservedCodeCacheSize=240M", "-Xss1M", "-XX:+ExitOnOutOfMemoryError"] },
  { name: "cgroup v2 'max' is no limit", cgroup: { "memory.max": "max\n" }, expect: ["-Xmx510M"] },
  // 2048 - 10 - 14 - 240 - 250 = 1534
  { name: "cgroup v2 limit", cgroup: v2(2048 * MiB), expect: ["-Xmx1534M"] },
  { name: "cgroup v1 fallback", cgroup: { "memory/memory.limit_in_bytes": `${2048 * MiB}\n` }, expect: ["-Xmx1534M"] },
  { name: "cgroup v1 'unlimited' is no limit", cgroup: { "memory/memory.limit_in_bytes": "9223372036854771712\n" }, expect: ["-Xmx510M"] },
  // 512 - 10 - 14 - 240 - 50 = 198
  { name: "512 MiB with 50 threads", cgroup: v2(512 * MiB), env: { BPL_JVM_THREAD_COUNT: "50" }, expect: ["-Xmx198M", "-Xss1M"] },
  // metaspace 10,000 x 5800 B + 14 MiB = 72,680,064 B = 70976.6 KiB; heap 2048 MiB - 10 - 240 - 250 MiB - 72,680,064 B = 1,550,515,584 B = 1,514,175.375 KiB
  { name: "loaded classes size the metaspace", cgroup: v2(2048 * MiB), env: { BPL_JVM_LOADED_CLASS_COUNT: "10000" }, expect: ["-Xmx1514175K", "-XX:MaxMetaspaceSize=70976K"] },
  // 10 % of 2048 = 204.8 MiB head room: 2048 - 204.8 - 514 = 1329.2 MiB = 1,361,100.8 KiB
  { name: "head room", cgroup: v2(2048 * MiB), env: { BPL_JVM_HEAD_ROOM: "10" }, expect: ["-Xmx1361100K"] },
  { name: "the user's -Xmx is kept, and comes last", cgroup: v2(2048 * MiB), env: { JAVA_TOOL_OPTIONS: "-Xmx300M -Dapp=1" }, expect: ["-XX:MaxDirectMemorySize=10M", "-XX:MaxMetaspaceSize=14M", "-Xmx300M -Dapp=1"], absent: ["-Xmx1534M"] },
  // 2048 - 10 - 100 - 240 - 250 x 0.5 = 1573
  { name: "the user's metaspace and stack sizes feed the heap", cgroup: v2(2048 * MiB), env: { JAVA_TOOL_OPTIONS: "-XX:MaxMetaspaceSize=100M -Xss512k" }, expect: ["-Xmx1573M", "-XX:MaxMetaspaceSize=100M -Xss512k"], absent: ["-XX:MaxMetaspaceSize=14M", "-Xss1M"] },
  { name: "the user's ActiveProcessorCount and OOM flag win", cgroup: {}, env: { JAVA_TOOL_OPTIONS: "-XX:ActiveProcessorCount=7 -XX:+HeapDumpOnOutOfMemoryError" }, expect: ["-XX:ActiveProcessorCount=7"], absent: ["-XX:ActiveProcessorCount=1 ", "-XX:+ExitOnOutOfMemoryError"] },
  { name: "debug, JMX and JFR", cgroup: {}, env: { BPL_DEBUG_ENABLED: "true", BPL_DEBUG_PORT: "9000", BPL_JMX_ENABLED: "true", BPL_JFR_ENABLED: "true" }, expect: ["-agentlib:jdwp=transport=dt_socket,server=y,address=*:9000,suspend=n", "-Dcom.sun.management.jmxremote.port=5000", "-XX:StartFlightRecording=dumponexit=true,filename=/tmp/recording.jfr"] },
  { name: "quotes in the user's options survive TOML", cgroup: {}, env: { JAVA_TOOL_OPTIONS: '-Dgreeting="hi \\ there"' }, expect: ['-Dgreeting="hi \\ there"'] },
];

describe("memory calculator", () => {
  for (const c of cases) {
    it(c.name, () => {
      const r = run({ PAKETO_CGROUP_ROOT: cgroup(c.name.replace(/\W+/g, "-"), c.cgroup), ...(c.env ?? {}) });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.options, "JAVA_TOOL_OPTIONS on fd 3");
      let at = 0;
      for (const e of c.expect) {
        const i = r.options.indexOf(e, at);
        assert.ok(i >= 0, `${e} in order in ${r.options}`);
        at = i + e.length;
      }
      for (const a of c.absent ?? []) assert.ok(!r.options.includes(a), `${a} not in ${r.options}`);
      assert.match(r.stdout, /^Calculated JVM Memory Configuration: .* \(Total Memory: /m);
    });
  }

  it("counts the app's classes: .class files and the entries of its JARs", () => {
    const app = join(dir.path, "app");
    mkdirSync(join(app, "com/example"), { recursive: true });
    writeFileSync(join(app, "com/example/A.class"), "");
    writeFileSync(join(app, "com/example/B.class"), "");
    mkdirSync(join(dir.path, "jar/x"), { recursive: true });
    for (const n of ["C", "D", "E"]) writeFileSync(join(dir.path, "jar/x", `${n}.class`), "");
    writeFileSync(join(dir.path, "jar/x/readme.txt"), "");
    execFileSync("python3", ["-c", "import zipfile,sys,os; z=zipfile.ZipFile(sys.argv[1],'w'); [z.write(os.path.join(sys.argv[2],n),'x/'+n) for n in sorted(os.listdir(sys.argv[2]))]; z.close()", join(app, "lib.jar"), join(dir.path, "jar/x")]);
    // 95 JVM classes + 2 + 3 = 100 at 100 %
    const r = run({ PAKETO_CGROUP_ROOT: cgroup("classes", {}), BPI_APPLICATION_PATH: app, BPI_JVM_CLASS_COUNT: "95", BPL_JVM_CLASS_ADJUSTMENT: "100", BPL_JVM_LOADED_CLASS_COUNT: "" });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Loaded Class Count: 100,/);
  });

  it("too little memory is one clear error, and nothing on fd 3", () => {
    const r = run({ PAKETO_CGROUP_ROOT: cgroup("small", v2(256 * MiB)) });
    assert.equal(r.code, 1);
    assert.equal(r.options, undefined);
    assert.match(r.stderr, /memory-calculator: the container's 256M of memory \(cgroup v2\) is not enough: .*BPL_JVM_THREAD_COUNT/);
  });

  it("a malformed setting is named", () => {
    const r = run({ PAKETO_CGROUP_ROOT: cgroup("bad", {}), BPL_JVM_THREAD_COUNT: "lots" });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /BPL_JVM_THREAD_COUNT=lots is not a whole number/);
  });
});
