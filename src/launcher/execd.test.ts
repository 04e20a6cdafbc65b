// exec.d (CNB-24): executables that write TOML to fd 3, run by the real launcher.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TreeEntry } from "../testing/index.js";
import { buildTools, exe, scene, type Tools } from "./testing/harness.js";
import type { LauncherConfig } from "./plan.js";

let tools: Tools;
before(async () => {
  tools = await buildTools();
});
after(() => tools?.cleanup());

function config(): LauncherConfig {
  return {
    platformApi: "0.12",
    buildpacks: [
      { id: "acme/a", api: "0.10", launchLayers: ["l1", "l2"] },
      { id: "acme/b", api: "0.11", launchLayers: ["m"] },
    ],
    processes: [
      { type: "web", buildpackId: "acme/b", command: [tools.probe] },
      { type: "worker", buildpackId: "acme/b", command: [tools.probe] },
    ],
  };
}

/** An exec.d script that writes `toml` to fd 3. */
const writes = (toml: string): TreeEntry => exe(`#!/bin/sh\ncat >&3 <<'EOF'\n${toml}\nEOF\n`);
const A1 = "acme_a/l1";
const A2 = "acme_a/l2";
const B = "acme_b/m";

describe("exec.d", () => {
  it("applies what each executable writes to fd 3, in buildpack, layer and file order, over the env files", () => {
    const s = scene(tools, {
      config: config(),
      layers: {
        [`${A1}/env/OVR`]: "from-file",
        [`${A1}/exec.d/10-first`]: writes(`FOO = "bar"\nOVR = "from-execd"\nSEQ = "a1"`),
        [`${A1}/exec.d/20-second`]: exe(`#!/bin/sh\nprintf 'CHAIN = "%s-2"\\nSEQ = "%s,a1-20"\\n' "$FOO" "$SEQ" >&3\n`),
        [`${A1}/exec.d/web/30`]: exe(`#!/bin/sh\nprintf 'SEQ = "%s,a1-web"\\n' "$SEQ" >&3\n`),
        [`${A2}/exec.d/10`]: exe(`#!/bin/sh\nprintf 'SEQ = "%s,a2"\\n' "$SEQ" >&3\n`),
        [`${B}/exec.d/00`]: exe(`#!/bin/sh\nprintf 'SEQ = "%s,b"\\nCWD = "%s"\\nSELF = "%s"\\n' "$SEQ" "$(pwd)" "$0" >&3\necho "exec.d stdout passes through"\necho "exec.d stderr too" >&2\n`),
      },
    });
    const r = s.run("web");
    assert.equal(r.status, 0, r.stderr);
    const env = r.probe().env;
    assert.equal(env.FOO, "bar");
    assert.equal(env.OVR, "from-execd");
    assert.equal(env.CHAIN, "bar-2", "an exec.d sees what earlier ones set");
    // The platform spec's order: every layer's exec.d/, then every layer's exec.d/<type>/ (see README).
    assert.equal(env.SEQ, "a1,a1-20,a2,b,a1-web");
    assert.equal(env.CWD, s.app, "exec.d runs in the app dir");
    assert.equal(env.SELF, `${s.layers}/${B}/exec.d/00`, "$0 is the absolute path");
    assert.match(r.stdout, /^exec\.d stdout passes through\n/);
    assert.equal(r.stderr, "exec.d stderr too\n");

    const worker = s.run("worker").probe().env;
    assert.equal(worker.SEQ, "a1,a1-20,a2,b", "exec.d/<type>/ runs only for that type");
  });

  it("stops the launch when an exec.d executable fails", () => {
    const s = scene(tools, {
      config: config(),
      layers: { [`${A1}/exec.d/fail`]: exe("#!/bin/sh\necho 'FOO = \"x\"' >&3\necho about to fail >&2\nexit 3\n") },
    });
    const r = s.run("web");
    assert.equal(r.status, 82);
    assert.equal(r.stdout, "", "the process did not run");
    assert.equal(r.stderr, `about to fail\nlauncher: exec.d file ${s.layers}/${A1}/exec.d/fail failed with exit status 3\n`);
  });

  it("reports an exec.d file that cannot be executed, or is killed", () => {
    const s = scene(tools, { config: config(), layers: { [`${A1}/exec.d/plain`]: "not executable" } });
    const r = s.run("web");
    assert.equal(r.status, 82);
    assert.match(r.stderr, /^launcher: warning: running exec.d file .*\/plain: Permission denied\n/);
    assert.match(r.stderr, /launcher: exec.d file .*\/plain failed with exit status 127\n$/);

    const k = scene(tools, { config: config(), layers: { [`${A1}/exec.d/killed`]: exe("#!/bin/sh\nkill -TERM $$\n") } });
    const kr = k.run("web");
    assert.equal(kr.status, 82);
    assert.equal(kr.stderr, `launcher: exec.d file ${k.layers}/${A1}/exec.d/killed was killed by signal 15 (Terminated)\n`);
  });

  it("reads output larger than a pipe buffer (64 KiB)", () => {
    const s = scene(tools, {
      config: config(),
      layers: { [`${A1}/exec.d/big`]: exe(`#!/bin/sh\nprintf 'BIG = "%s"\\n' "$(head -c 100000 /dev/zero | tr '\\0' a)" >&3\n`) },
    });
    const r = s.run("web");
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.probe().env.BIG, "a".repeat(100000));
  });
});

describe("exec.d TOML", () => {
  const cases: Array<[string, string, Record<string, string>]> = [
    ["basic string escapes", String.raw`ESC = "tab\there \"q\" back\\slash \u00e9 \U0001F600 nl\n"`, { ESC: 'tab\there "q" back\\slash é 😀 nl\n' }],
    ["TOML 1.1 escapes", String.raw`E = "\e[0m \x41"`, { E: "\x1b[0m A" }],
    ["literal string", String.raw`LIT = 'C:\no\escapes "here"'`, { LIT: 'C:\\no\\escapes "here"' }],
    ["quoted keys, spaces, comments, blank lines", `# a comment\n\n  "QUOTED" = "1" # trailing\n\tBARE-KEY_1="2"\n`, { QUOTED: "1", "BARE-KEY_1": "2" }],
    ["multi-line basic, first newline trimmed, line-ending backslash", `ML = """\nline1\nline2 \\\n     joined"""`, { ML: "line1\nline2 joined" }],
    ["multi-line with quotes before the closing ones", `Q = """a ""quoted"" word"""""`, { Q: 'a ""quoted"" word""' }],
    ["multi-line literal", `MLL = '''\nraw \\n\n'''`, { MLL: "raw \\n\n" }],
    ["empty value and CRLF lines", `EMPTY = ""\r\nNEXT = "n"\r\n`, { EMPTY: "", NEXT: "n" }],
    ["nothing at all", "", {}],
  ];
  for (const [name, toml, want] of cases) {
    it(`accepts ${name}`, () => {
      const s = scene(tools, { config: config(), layers: { [`${A1}/exec.d/t`]: exe(`#!/bin/sh\nprintf '%s' "$TOML" >&3\n`) } });
      const r = s.run("web", [], { TOML: toml });
      assert.equal(r.status, 0, r.stderr);
      for (const [k, v] of Object.entries(want)) assert.equal(r.probe().env[k], v, k);
    });
  }

  const errors: Array<[string, string, RegExp]> = [
    ["a number", "N = 1", /line 1: the value of N must be a string/],
    ["a table", `A = "a"\n[t]\nB = "b"`, /line 2: tables are not allowed/],
    ["a dotted key", `a.b = "x"`, /line 1: dotted keys are not allowed/],
    ["a duplicate key", `A = "1"\nA = "2"`, /line 2: A is defined twice/],
    ["an unterminated string", `A = "abc\nB = "x"`, /line 1: unterminated string/],
    ["an invalid escape", String.raw`A = "\q"`, /line 1: invalid escape \\q/],
    ["a NUL escape", String.raw`A = "\u0000"`, /a NUL character cannot be in an environment variable/],
    ["a surrogate escape", String.raw`A = "\uD800"`, /not a Unicode scalar value/],
    ["two pairs on a line", `A = "1" B = "2"`, /line 1: expected a newline after the value/],
    ["no equals sign", `A "1"`, /line 1: expected = after A/],
    ["an empty quoted key", `"" = "x"`, /not an environment variable name/],
  ];
  for (const [name, toml, want] of errors) {
    it(`refuses ${name}`, () => {
      const s = scene(tools, { config: config(), layers: { [`${A1}/exec.d/t`]: exe(`#!/bin/sh\nprintf '%s' "$TOML" >&3\n`) } });
      const r = s.run("web", [], { TOML: toml });
      assert.equal(r.status, 82);
      assert.match(r.stderr, /^launcher: exec\.d file .*\/exec\.d\/t wrote invalid TOML to fd 3: /);
      assert.match(r.stderr, want);
    });
  }
});
