// Paketo's public Python samples, built with the default builder and served under podman, checked
// as Paketo's own sample tests check them ("Powered By Paketo Buildpacks" on PORT). The samples are
// not part of this project: PAKETO_SAMPLES names a checkout of the samples repository (its python/
// folder is read, and copied before each build); without it these tests are skipped and say so.
// The builds share one default builder and run two at a time.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, describe, test } from "node:test";
import { cli } from "../platform/creator/testing/e2e.js";
import { Podman } from "./testing/harness.js";

const SAMPLES = process.env.PAKETO_SAMPLES ? resolve(process.env.PAKETO_SAMPLES, "python") : undefined;
const skip = SAMPLES === undefined ? "PAKETO_SAMPLES does not name a checkout of Paketo's samples repository" : !existsSync(SAMPLES) ? `no python folder in ${SAMPLES}` : false;

const tmp = join(tmpdir(), `paketo-e2e-pys-${randomBytes(4).toString("hex")}`);
const env = () => ({ ...process.env, PAKETO_STORE: join(tmp, "store") });
const c = cli(env);
const podman = skip ? undefined : new Podman(join(tmp, "podman"));

async function buildAndServe(path: string, title: RegExp): Promise<string> {
  const dir = join(tmp, "apps", `${path}-${randomBytes(3).toString("hex")}`);
  cpSync(join(SAMPLES as string, path), dir, { recursive: true });
  const layout = join(tmp, "images", `${path.replaceAll("_", "-").toLowerCase()}-${randomBytes(3).toString("hex")}`);
  const r = await c.paketo(["build", `oci:${layout}`, "--path", dir]);
  assert.equal(r.code, 0, `build of ${path} failed:\n${r.stderr}`);
  assert.match(r.stderr, title);
  const body = await (podman as Podman).serve(`oci:${layout}`);
  assert.match(body, /Powered By Paketo Buildpacks/);
  return r.stderr;
}

after(() => rmSync(tmp, { recursive: true, force: true }));

describe("Paketo's Python samples", { concurrency: 2, skip }, () => {
  test("python/no_package_manager", async () => {
    await buildAndServe("no_package_manager", /Paketo Buildpack for CPython/);
  });
  test("python/pip", async () => {
    await buildAndServe("pip", /Paketo Buildpack for Pip Install/);
  });
  test("python/pipenv", async () => {
    await buildAndServe("pipenv", /Paketo Buildpack for Pipenv Install/);
  });
  test("python/poetry", async () => {
    await buildAndServe("poetry", /Paketo Buildpack for Poetry Install/);
  });
  test("python/poetry-run", async () => {
    const log = await buildAndServe("poetry-run", /Paketo Buildpack for Poetry Run/);
    assert.match(log, /web \(default\): my-script/);
  });
});
