import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { findApp } from "./app.js";

test("findApp: self-contained (includedFrameworks + an executable apphost), invariant, framework-dependent, source, nothing", async () => {
  const d = mkdtempSync(join(tmpdir(), "dotnet-app-"));
  try {
    assert.deepEqual(await findApp(d), { kind: "none" });
    writeFileSync(join(d, "web.csproj"), "<Project/>");
    assert.deepEqual(await findApp(d), { kind: "source", project: "web.csproj" });
    writeFileSync(join(d, "web.runtimeconfig.json"), JSON.stringify({ runtimeOptions: { framework: { name: "Microsoft.AspNetCore.App", version: "8.0.10" } } }));
    assert.deepEqual(await findApp(d), { kind: "framework-dependent", name: "web", frameworks: ["Microsoft.AspNetCore.App 8.0.10"] });
    writeFileSync(join(d, "web.runtimeconfig.json"), JSON.stringify({ runtimeOptions: { includedFrameworks: [{ name: "Microsoft.NETCore.App", version: "8.0.10" }], configProperties: { "System.Globalization.Invariant": true } } }));
    writeFileSync(join(d, "web"), "#!/bin/sh\n");
    assert.equal((await findApp(d)).kind, "framework-dependent", "an apphost that is not executable is no self-contained app");
    chmodSync(join(d, "web"), 0o755);
    assert.deepEqual(await findApp(d), { kind: "self-contained", name: "web", apphost: join(d, "web"), invariant: true });
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
