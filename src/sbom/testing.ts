// Test helpers for the SBOM writers: the official validators and a rich sample document. Never
// imported by product code.
//
// - CycloneDX: the JSON schemas shipped in @cyclonedx/cyclonedx-library (res/schema), run by its
//   JsonStrictValidator (ajv + ajv-formats).
// - SPDX 2.3: pyspdxtools from the SPDX project's spdx-tools (PyPI), installed once into a venv
//   under ${XDG_CACHE_HOME:-~/.cache}/paketo/test-tools. It parses and validates the document;
//   because its parser ignores keys it does not know, we also have it write the document back
//   out and compare that with ours, so a misspelt or unknown field fails too.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import type { Component, SbomDocument } from "./model.js";
import { purl } from "./purl.js";

let cdxValidator: Validation.JsonStrictValidator | undefined;

/** Rejects with every schema error when `json` is not valid CycloneDX 1.6. */
export async function validateCycloneDx(json: string): Promise<void> {
  cdxValidator ??= new Validation.JsonStrictValidator(Spec.Version.v1dot6);
  const errors = await cdxValidator.validate(json);
  if (errors !== null) throw new Error(`CycloneDX 1.6 schema validation failed:\n${JSON.stringify(errors, null, 2)}`);
}

// Pinned, so the validator is the same on every machine (spdx-tools and everything it needs).
const SPDX_TOOLS = [
  "spdx-tools==0.8.5",
  "beartype==0.23.1",
  "boolean.py==5.0",
  "click==8.5.1",
  "license-expression==30.4.4",
  "ply==3.11",
  "pyparsing==3.3.3",
  "PyYAML==6.0.4",
  "rdflib==7.6.0",
  "semantic-version==2.10.0",
  "uritools==6.1.5",
  "xmltodict==1.0.4",
];

function run(cmd: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.error) return { status: null, out: String(r.error) };
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

let venvPython: string | undefined;

/**
 * The python of a venv that has pyspdxtools, installing it on first use (about 10 s). Throws,
 * never skips, when it cannot: a test that cannot validate must not pass.
 */
export function spdxToolsPython(env: NodeJS.ProcessEnv = process.env): string {
  if (venvPython !== undefined) return venvPython;
  const cache = join(env["XDG_CACHE_HOME"] || join(homedir(), ".cache"), "paketo", "test-tools");
  const pins = createHash("sha256").update(SPDX_TOOLS.join("\n")).digest("hex").slice(0, 12);
  const venv = join(cache, `spdx-tools-${pins}`);
  const python = join(venv, "bin", "python");
  if (run(python, ["-c", "import spdx_tools.spdx.clitools.pyspdxtools"]).status !== 0) {
    // Absent, or broken (say, the Python it was made from is gone): make it anew.
    rmSync(venv, { recursive: true, force: true });
    const base = ["python3", "python"].find(
      (p) => run(p, ["-c", "import sys, venv, ensurepip; sys.exit(0 if sys.version_info >= (3, 10) else 1)"]).status === 0,
    );
    if (base === undefined) {
      throw new Error("SPDX validation needs Python >= 3.10 with venv and ensurepip (Debian: apt-get install python3-venv)");
    }
    mkdirSync(cache, { recursive: true });
    // Build under a temporary name and rename: a half-made venv is never taken for a ready one,
    // and two test runs racing both end with one good venv. The venv's python finds its
    // packages relative to itself, so the rename keeps it working.
    const tmp = mkdtempSync(join(cache, ".spdx-tools-"));
    const steps: string[][] = [
      [base, "-m", "venv", tmp],
      [join(tmp, "bin", "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", ...SPDX_TOOLS],
    ];
    for (const [cmd, ...args] of steps) {
      const r = run(cmd ?? "", args);
      if (r.status !== 0) {
        rmSync(tmp, { recursive: true, force: true });
        throw new Error(`installing the SPDX validator failed: ${cmd} ${args.join(" ")}:\n${r.out}`);
      }
    }
    try {
      renameSync(tmp, venv);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      if (!existsSync(python)) throw e;
    }
  }
  venvPython = python;
  return python;
}

/**
 * Throws when pyspdxtools finds `json` invalid, or when writing it back out loses or changes
 * anything (which is how an unknown key shows).
 */
export function validateSpdx(json: string): void {
  const python = spdxToolsPython();
  const dir = mkdtempSync(join(tmpdir(), "paketo-spdx-"));
  try {
    const input = join(dir, "in.spdx.json");
    const output = join(dir, "out.spdx.json");
    writeFileSync(input, json);
    const r = run(python, ["-m", "spdx_tools.spdx.clitools.pyspdxtools", "-i", input, "-o", output]);
    if (r.status !== 0) throw new Error(`pyspdxtools rejected the document (exit ${r.status}):\n${r.out}`);
    const ours = comparable(JSON.parse(json));
    const theirs = comparable(JSON.parse(readFileSync(output, "utf8")));
    assert.deepEqual(theirs, ours, "pyspdxtools read the document differently from what we wrote");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What both writers must agree on. Differences that are spdx-tools' own choices are evened out:
 * it writes referenceCategory with "_" (PACKAGE_MANAGER) where the 2.3 schema has "-", and it
 * rewrites deprecated license ids (LGPL-2.1 → LGPL-2.1-only); whether our license expressions
 * are valid is what its validation above already checked, so here only their presence counts.
 */
function comparable(v: unknown, key = ""): unknown {
  if (Array.isArray(v)) return v.map((x) => comparable(x, key)).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  if (typeof v === "object" && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) out[k] = comparable(x, k);
    return out;
  }
  if (key === "referenceCategory" && typeof v === "string") return v.replace(/_/g, "-");
  if ((key === "licenseDeclared" || key === "licenseConcluded") && v !== "NOASSERTION" && v !== "NONE") return "<expression>";
  return v;
}

/** A document that uses every field of the model. */
export function richDocument(): SbomDocument {
  const libc = purl.deb("libc6", "2.36-9+deb12u4", { arch: "amd64", distro: "debian-12" });
  const tzdata = purl.deb("tzdata", "2024a-0+deb12u1", { arch: "all", distro: "debian-12" });
  const express = purl.npm("express", "4.19.2");
  const types = purl.npm("@types/node", "20.12.7");
  const components: Component[] = [
    {
      type: "library",
      name: "libc6",
      version: "2.36-9+deb12u4",
      purl: libc,
      licenses: ["GPL-2+", "LGPL-2.1-or-later", "public domain"],
      hashes: [{ alg: "SHA-256", content: "ab".repeat(32) }, { alg: "MD5", content: "CD".repeat(16) }],
      supplier: { name: "GNU Libc Maintainers", email: "glibc-maintainers@lists.example" },
      description: "GNU C Library: Shared libraries",
      cpe: "cpe:2.3:a:gnu:glibc:2.36:*:*:*:*:*:*:*",
      externalRefs: [
        { type: "website", url: "https://libc.example/libc.html" },
        { type: "vcs", url: "https://vcs.example/glibc", comment: "packaging" },
      ],
      properties: [
        { name: "paketo:source-package", value: "glibc" },
        { name: "paketo:layer", value: "run" },
      ],
      dependsOn: [],
    },
    {
      type: "library",
      name: "tzdata",
      version: "2024a-0+deb12u1",
      purl: tzdata,
      licenses: ["public-domain"],
      supplier: { name: "GNU Libc Maintainers" },
    },
    {
      type: "library",
      name: "express",
      version: "4.19.2",
      purl: express,
      licenses: ["MIT"],
      hashes: [{ alg: "SHA-512", content: "0f".repeat(64) }, { alg: "SHA-1", content: "12".repeat(20) }],
      author: { name: "TJ Holowaychuk", email: "tj@vision-media.ca" },
      externalRefs: [
        { type: "distribution", url: "https://npm-registry.example/express/-/express-4.19.2.tgz" },
        { type: "issue-tracker", url: "https://issues.example/express" },
      ],
      dependsOn: [types],
    },
    {
      type: "library",
      name: "@types/node",
      version: "20.12.7",
      purl: types,
      licenses: ["mit", "Apache-2.0 OR (MIT AND BSD-3-Clause)"],
    },
    {
      type: "library",
      name: "openssl-fips",
      version: "3.0.9",
      purl: purl.generic("openssl-fips", "3.0.9", { downloadUrl: "https://example.com/openssl 3.0.9.tar.gz" }),
      licenses: ["GPL-2.0-or-later WITH Classpath-exception-2.0", "LicenseRef-acme-eula"],
    },
    { type: "operating-system", name: "debian", version: "12", description: "Debian GNU/Linux 12 (bookworm)" },
    { type: "file", name: "app.jar", hashes: [{ alg: "SHA-256", content: "00".repeat(32) }] },
  ];
  return {
    name: "registry.example.com/acme/app:1.0",
    timestamp: new Date("1980-01-01T00:00:01Z"),
    tool: { name: "paketo", version: "0.1.0" },
    subject: {
      type: "container",
      name: "registry.example.com/acme/app",
      version: "1.0",
      ref: "subject",
      dependsOn: [express, libc],
    },
    components,
  };
}

/** The same array in another order, the same on every run (a seeded Fisher-Yates shuffle). */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
