// The CNB description of an image from literal labels (CNB-47): what `paketo inspect` shows.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { baseImageLabels, defaultProcessType, describeCnbImage, envValue, isCnbImage, processCommandLine } from "./index.js";

const TOP = `sha256:${"1".repeat(64)}`;
const RUN_DIGEST = `sha256:${"2".repeat(64)}`;
const LAUNCHER = `sha256:${"3".repeat(64)}`;
const SBOM = `sha256:${"4".repeat(64)}`;

// As the reference lifecycle (Platform API 0.12) writes them for a Paketo Node.js app.
const LIFECYCLE = JSON.stringify({
  app: [{ sha: `sha256:${"a".repeat(64)}` }],
  sbom: { sha: SBOM },
  buildpacks: [
    { key: "paketo-buildpacks/node-engine", version: "4.1.0", layers: { node: { sha: `sha256:${"b".repeat(64)}`, data: {}, build: false, launch: true, cache: false } } },
    { key: "paketo-buildpacks/npm-start", version: "2.0.1", layers: {} },
  ],
  config: { sha: `sha256:${"c".repeat(64)}` },
  launcher: { sha: LAUNCHER },
  "process-types": { sha: `sha256:${"d".repeat(64)}` },
  runImage: { topLayer: TOP, reference: `index.docker.io/paketobuildpacks/run-jammy-base@${RUN_DIGEST}`, image: "paketobuildpacks/run-jammy-base:latest", mirrors: ["gcr.io/paketo/run:latest"] },
  stack: { runImage: { image: "paketobuildpacks/run-jammy-base:latest", mirrors: ["gcr.io/paketo/run:latest"] } },
});

const BUILD = JSON.stringify({
  buildpacks: [
    { id: "paketo-buildpacks/node-engine", version: "4.1.0", homepage: "https://buildpacks.example/node-engine" },
    { id: "paketo-buildpacks/npm-start", version: "2.0.1" },
  ],
  launcher: { version: "0.20.0", source: { git: { repository: "vcs.example/lifecycle", commit: "abc1234" } } },
  processes: [
    { type: "web", command: ["node"], args: ["server.js"], direct: true, buildpackID: "paketo-buildpacks/npm-start" },
    { type: "worker", command: ["bash", "-c"], args: ["node worker.js --queue 'a b'"], direct: false, buildpackID: "paketo-buildpacks/npm-start", "working-dir": "/workspace/jobs" },
  ],
  "buildpack-default-process-type": "web",
});

const LABELS: Record<string, string> = {
  "io.buildpacks.lifecycle.metadata": LIFECYCLE,
  "io.buildpacks.build.metadata": BUILD,
  "io.buildpacks.project.metadata": JSON.stringify({ source: { type: "git", version: { commit: "f00d" }, metadata: { repository: "https://example.com/app.git", refs: ["main"] } } }),
  "io.buildpacks.stack.id": "io.buildpacks.stacks.jammy",
  "io.buildpacks.base.distro.name": "ubuntu",
  "io.buildpacks.base.distro.version": "22.04",
  "io.buildpacks.base.maintainer": "Paketo Buildpacks",
  "io.buildpacks.stack.mixins": "[]",
  "org.opencontainers.image.source": "https://example.com/app",
};
const ENV = ["PATH=/cnb/process:/cnb/lifecycle:/usr/bin", "CNB_LAYERS_DIR=/layers", "CNB_APP_DIR=/workspace", "CNB_PLATFORM_API=0.12"];

describe("describeCnbImage", () => {
  test("a CNB app image: buildpacks, processes, run image, base image labels, launcher, SBOM and project", () => {
    const d = describeCnbImage({ Labels: LABELS, Entrypoint: ["/cnb/process/web"], Env: ENV });
    assert.deepEqual(d, {
      buildpacks: [
        { id: "paketo-buildpacks/node-engine", version: "4.1.0", homepage: "https://buildpacks.example/node-engine" },
        { id: "paketo-buildpacks/npm-start", version: "2.0.1" },
      ],
      processes: [
        { type: "web", command: ["node"], args: ["server.js"], direct: true, default: true, buildpackId: "paketo-buildpacks/npm-start" },
        {
          type: "worker",
          command: ["bash", "-c"],
          args: ["node worker.js --queue 'a b'"],
          direct: false,
          default: false,
          buildpackId: "paketo-buildpacks/npm-start",
          workingDir: "/workspace/jobs",
        },
      ],
      defaultProcess: "web",
      runImage: {
        image: "paketobuildpacks/run-jammy-base:latest",
        mirrors: ["gcr.io/paketo/run:latest"],
        reference: `index.docker.io/paketobuildpacks/run-jammy-base@${RUN_DIGEST}`,
        topLayer: TOP,
      },
      base: {
        stackId: "io.buildpacks.stacks.jammy",
        labels: {
          "io.buildpacks.base.distro.name": "ubuntu",
          "io.buildpacks.base.distro.version": "22.04",
          "io.buildpacks.base.maintainer": "Paketo Buildpacks",
          "io.buildpacks.stack.id": "io.buildpacks.stacks.jammy",
          "io.buildpacks.stack.mixins": "[]",
        },
      },
      launcher: { version: "0.20.0", source: { repository: "vcs.example/lifecycle", commit: "abc1234" }, layer: LAUNCHER },
      rebasable: true,
      platformApi: "0.12",
      sbomLayer: SBOM,
      project: { type: "git", version: { commit: "f00d" }, metadata: { repository: "https://example.com/app.git", refs: ["main"] } },
      problems: [],
    });
  });

  test("the default process is the one the Entrypoint starts; the bare launcher means none", () => {
    const worker = describeCnbImage({ Labels: LABELS, Entrypoint: ["/cnb/process/worker"], Env: ENV });
    assert.equal(worker?.defaultProcess, "worker");
    assert.deepEqual(
      worker?.processes.map((p) => [p.type, p.default]),
      [
        ["web", false],
        ["worker", true],
      ],
    );
    const none = describeCnbImage({ Labels: LABELS, Entrypoint: ["/cnb/lifecycle/launcher"], Env: ENV });
    assert.equal(none?.defaultProcess, undefined);
    assert.ok(none?.processes.every((p) => !p.default));
    // An Entrypoint naming a type the image does not have is no default either.
    assert.equal(describeCnbImage({ Labels: LABELS, Entrypoint: ["/cnb/process/gone"], Env: ENV })?.defaultProcess, undefined);
  });

  test("older images: command as a string (Platform API <0.10), CNB_PROCESS_TYPE, only the deprecated stack run image", () => {
    const lifecycle = JSON.stringify({ app: [{ sha: `sha256:${"a".repeat(64)}` }], buildpacks: [], stack: { runImage: { image: "cnbs/sample-stack-run:bionic", mirrors: [] } } });
    const build = JSON.stringify({
      buildpacks: [{ id: "samples/hello-world", version: "0.0.1" }],
      launcher: { version: "0.9.0", source: { git: { repository: "vcs.example/lifecycle", commit: "" } } },
      processes: [{ type: "web", command: "echo hello", args: ["world"], direct: false, buildpackID: "samples/hello-world" }],
    });
    const d = describeCnbImage({
      Labels: { "io.buildpacks.lifecycle.metadata": lifecycle, "io.buildpacks.build.metadata": build, "io.buildpacks.stack.id": "io.buildpacks.samples.stacks.bionic" },
      Entrypoint: ["/cnb/lifecycle/launcher"],
      Env: ["CNB_PROCESS_TYPE=web", "CNB_PLATFORM_API=0.4"],
    });
    assert.ok(d);
    assert.deepEqual(d.processes, [{ type: "web", command: ["echo hello"], args: ["world"], direct: false, default: true, buildpackId: "samples/hello-world" }]);
    assert.equal(d.defaultProcess, "web");
    assert.deepEqual(d.runImage, { image: "cnbs/sample-stack-run:bionic" });
    assert.deepEqual(d.base, { stackId: "io.buildpacks.samples.stacks.bionic", labels: { "io.buildpacks.stack.id": "io.buildpacks.samples.stacks.bionic" } });
    assert.deepEqual(d.launcher, { version: "0.9.0", source: { repository: "vcs.example/lifecycle", commit: "" } });
    assert.equal(d.sbomLayer, undefined);
    assert.equal(d.project, undefined);
  });

  test("only the lifecycle label: buildpacks from its layer entries, no processes", () => {
    const d = describeCnbImage({ Labels: { "io.buildpacks.lifecycle.metadata": LIFECYCLE } });
    assert.deepEqual(d?.buildpacks, [
      { id: "paketo-buildpacks/node-engine", version: "4.1.0" },
      { id: "paketo-buildpacks/npm-start", version: "2.0.1" },
    ]);
    assert.deepEqual(d?.processes, []);
    assert.deepEqual(d?.launcher, { layer: LAUNCHER });
    assert.deepEqual(d?.base, { labels: {} });
  });

  test("malformed labels are problems, not failures: everything else is still described", () => {
    const d = describeCnbImage({
      Labels: { ...LABELS, "io.buildpacks.build.metadata": "{not json", "io.buildpacks.rebasable": "false" },
      Entrypoint: ["/cnb/process/web"],
    });
    assert.ok(d);
    assert.equal(d.problems.length, 1);
    assert.match(d.problems[0] as string, /^io\.buildpacks\.build\.metadata: /);
    assert.deepEqual(d.processes, []);
    assert.equal(d.defaultProcess, undefined);
    assert.equal(d.runImage?.topLayer, TOP);
    assert.equal(d.rebasable, false);
    // The buildpacks then come from the lifecycle label.
    assert.deepEqual(
      d.buildpacks.map((b) => b.id),
      ["paketo-buildpacks/node-engine", "paketo-buildpacks/npm-start"],
    );
  });

  test("a plain image is no CNB image", () => {
    const plain = { Labels: { "io.buildpacks.base.distro.name": "debian", maintainer: "x" }, Entrypoint: ["/bin/sh"], Env: ["PATH=/bin"] };
    assert.equal(isCnbImage(plain), false);
    assert.equal(describeCnbImage(plain), undefined);
    assert.equal(describeCnbImage({}), undefined);
  });
});

describe("helpers", () => {
  test("baseImageLabels keeps io.buildpacks.base.* and io.buildpacks.stack.*, sorted", () => {
    assert.deepEqual(Object.keys(baseImageLabels(LABELS)), [
      "io.buildpacks.base.distro.name",
      "io.buildpacks.base.distro.version",
      "io.buildpacks.base.maintainer",
      "io.buildpacks.stack.id",
      "io.buildpacks.stack.mixins",
    ]);
  });

  test("defaultProcessType and envValue", () => {
    assert.equal(defaultProcessType({ Entrypoint: ["/cnb/process/web"] }), "web");
    assert.equal(defaultProcessType({ Entrypoint: ["/cnb/process/"] }), undefined);
    assert.equal(defaultProcessType({ Entrypoint: ["/cnb/process/a/b"] }), undefined);
    assert.equal(defaultProcessType({ Entrypoint: null, Env: ["CNB_PROCESS_TYPE=worker"] }), "worker");
    assert.equal(defaultProcessType({ Env: ["CNB_PROCESS_TYPE="] }), undefined);
    assert.equal(envValue(["A=1", "AB=2", "A=3"], "A"), "3");
    assert.equal(envValue(null, "A"), undefined);
  });

  test("processCommandLine quotes what a reader would misread", () => {
    assert.equal(processCommandLine({ command: ["node"], args: ["server.js"] }), "node server.js");
    assert.equal(processCommandLine({ command: ["bash", "-c"], args: ["echo $HOME"] }), 'bash -c "echo $HOME"');
    assert.equal(processCommandLine({ command: ["x"], args: [""] }), 'x ""');
  });
});
