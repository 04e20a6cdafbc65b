// The product on a self-contained .NET deployment. No .NET SDK or runtime is reachable from these
// machines, so the app's apphost is a small C program standing in for one
// (src/e2e/fixtures/dotnet-apphost): it serves on ASPNETCORE_URLS's port and reports whether ICU
// loads and what DOTNET_SYSTEM_GLOBALIZATION_INVARIANT is. Compiled here with the host's gcc.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { cli } from "../platform/creator/testing/e2e.js";
import { appCopy, e2eTemp, FIXTURES, Podman } from "./testing/harness.js";

const tmp = e2eTemp("dotnet");
const env = () => ({ ...process.env, PAKETO_STORE: join(tmp.path, "store") });
const c = cli(env);
const podman = new Podman(join(tmp.path, "podman"));
after(() => tmp.cleanup());

function app(name: string, edit: (dir: string) => void = () => {}): string {
  const dir = appCopy("dotnet-scd", join(tmp.path, name));
  execFileSync("gcc", ["-O2", "-o", join(dir, "hello"), join(FIXTURES, "dotnet-apphost/apphost.c"), "-ldl"]);
  edit(dir);
  return dir;
}

async function build(dir: string, layout: string) {
  return c.paketo(["build", `oci:${layout}`, "--path", dir, "--cache-dir", join(tmp.path, `cache-${randomBytes(3).toString("hex")}`)]);
}

describe(".NET self-contained deployments build with the default builder and serve on PORT", { concurrency: 3 }, () => {
  test("ICU from Debian in a launch layer; the apphost is the default direct process; ASPNETCORE_URLS from PORT", async () => {
    const layout = join(tmp.path, "img-icu");
    const r = await build(app("a1"), layout);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Paketo Buildpack for ICU/);
    assert.match(r.stderr, /hello \(default\): \/workspace\/hello/);
    assert.match(await podman.serve(`oci:${layout}`), /^dotnet-scd ok urls=http:\/\/0\.0\.0\.0:8080 icu=loaded invariant=-$/m);
    // a user's ASPNETCORE_URLS wins
    assert.match(await podman.serve(`oci:${layout}`, { env: { ASPNETCORE_URLS: "http://+:8080" } }), /urls=http:\/\/\+:8080 /);
  });

  test("System.Globalization.Invariant in the runtimeconfig: no ICU layer, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1", async () => {
    const layout = join(tmp.path, "img-inv");
    const r = await build(
      app("a2", (d) => {
        const f = join(d, "hello.runtimeconfig.json");
        const conf = JSON.parse(readFileSync(f, "utf8"));
        conf.runtimeOptions.configProperties["System.Globalization.Invariant"] = true;
        writeFileSync(f, JSON.stringify(conf));
      }),
      layout,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /Paketo Buildpack for ICU/);
    assert.match(await podman.serve(`oci:${layout}`), /^dotnet-scd ok urls=http:\/\/0\.0\.0\.0:8080 icu=absent invariant=1$/m);
  });

  test("a framework-dependent app: one error saying the .NET runtime is not reachable here; nothing exported", async () => {
    const layout = join(tmp.path, "img-fdd");
    const r = await build(
      app("a3", (d) => writeFileSync(join(d, "hello.runtimeconfig.json"), JSON.stringify({ runtimeOptions: { framework: { name: "Microsoft.NETCore.App", version: "8.0.10" } } }))),
      layout,
    );
    assert.notEqual(r.code, 0);
    assert.ok(!existsSync(join(layout, "index.json")), "nothing is exported");
    assert.match(r.stderr, /ERROR: hello\.runtimeconfig\.json: a framework-dependent app needs the \.NET runtime \(Microsoft\.NETCore\.App 8\.0\.10\), which no source reachable from this machine provides/);
    assert.equal(r.stderr.match(/^paketo: error:/gm)?.length, 1);
  });
});
