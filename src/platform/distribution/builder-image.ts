// The builder image (CNB-68): the build image plus, in pack's order,
//   1. default folders: /workspace and /layers owned by the CNB user; /cnb, /cnb/buildpacks,
//      /cnb/extensions, /platform, /platform/env, /cnb/build-config(/env) owned by root
//   2. the lifecycle: our launcher at /cnb/lifecycle/launcher (the phases run in-process), and
//      the compat link /lifecycle → /cnb/lifecycle
//   3. one layer per buildpack, sorted by id@version, each diffID once (reused, never re-tarred)
//   4. /cnb/order.toml   5. /cnb/system.toml (when there are system buildpacks)
//   6. /cnb/stack.toml (legacy)   7. /cnb/run.toml   8. /cnb/build-config/env/* (with [[build.env]])
// and the labels io.buildpacks.builder.metadata, io.buildpacks.buildpack.layers,
// io.buildpacks.buildpack.order (and .system). The build image's Env, User and labels are kept;
// WorkingDir becomes /layers.
import { lstat } from "node:fs/promises";
import { join } from "node:path";
import {
  BUILDER_METADATA_LABEL,
  type BuildConfigEnv,
  type BuilderMetadata,
  BUILDPACK_APIS,
  BUILDPACK_LAYERS_LABEL,
  BUILDPACK_ORDER_LABEL,
  buildConfigEnvFiles,
  type ModuleInfo,
  type Order,
  PLATFORM_APIS,
  type RunImageRef,
  stringifyBuilderMetadataLabel,
  stringifyBuildpackLayersLabel,
  stringifyBuildpackOrderLabel,
  stringifyOrderToml,
  stringifyRunToml,
  stringifyStackToml,
  stringifySystemToml,
  type SystemFile,
} from "../../cnb/index.js";
import { type Image, layer, mutate, type OnProgress, reproducibleDate } from "../../oci/index.js";

type LayerEntry = layer.LayerEntry;
import { buildImageUser } from "./build-image.js";
import { DistributionError } from "./errors.js";
import { buildpackLayersOf, byFullName, distinctLayers, fullName, type PackagedBuildpack } from "./module.js";

export const SYSTEM_LABEL = "io.buildpacks.buildpack.system";
export const STACK_ID_LABEL = "io.buildpacks.stack.id";
export const LAUNCHER_IN_BUILDER = "/cnb/lifecycle/launcher";

export interface BuilderSpec {
  buildImage: Image;
  /** Names the build image in messages. */
  buildImageName: string;
  /** The buildpacks, one per id@version. */
  buildpacks: readonly PackagedBuildpack[];
  /** What builder metadata lists, in order (default: the buildpacks sorted by id@version). */
  listed?: readonly ModuleInfo[];
  /** The resolved order (every entry with a version). */
  order: Order;
  system?: SystemFile;
  /** The run images; the first is the default (pack writes it to stack.toml too). */
  runImages: ReadonlyArray<{ image: string; mirrors: string[] }>;
  description?: string;
  /** The launcher binary to place at /cnb/lifecycle/launcher. */
  launcher: string;
  /**
   * The platform lifecycle bundle (dist/cnb-lifecycle/lifecycle.mjs), placed at
   * /cnb/lifecycle/lifecycle.mjs with a stub per phase (/cnb/lifecycle/creator, analyzer, ...)
   * that starts it with the build image's Node.js. Without it the builder has only the launcher.
   */
  lifecycle?: string;
  buildEnv?: readonly BuildConfigEnv[];
  /** Legacy `[stack] id`: set as io.buildpacks.stack.id when the build image has none. */
  stackId?: string;
  createdBy: { name: string; version: string };
  /** Where layers are written; must outlive the image's use. */
  workDir: string;
  sourceDateEpoch?: number;
  onProgress?: OnProgress;
  signal?: AbortSignal;
}

/** `io.buildpacks.builder.metadata` lifecycle section: paketo's lifecycle runs in-process, so its version is paketo's. */
export function lifecycleMetadata(version: string): BuilderMetadata["lifecycle"] {
  const apis = (vs: readonly string[]) => ({ deprecated: [], supported: [...vs] });
  return {
    version,
    api: { buildpack: BUILDPACK_APIS[0] ?? "", platform: PLATFORM_APIS[0] ?? "" },
    apis: { buildpack: apis(BUILDPACK_APIS), platform: apis(PLATFORM_APIS) },
  };
}

function runImageJson(r: RunImageRef | { image: string; mirrors: string[] }): { image: string; mirrors: string[] } {
  return { image: r.image ?? "", mirrors: [...r.mirrors] };
}

async function launcherEntry(path: string): Promise<LayerEntry> {
  let ok = false;
  try {
    ok = (await lstat(path)).isFile();
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new DistributionError("DIST_BUILDER", `the launcher ${path} is not a file`, {
      hint: "build it with the launcher module (buildLauncher) or pass --launcher FILE",
    });
  }
  return { path: LAUNCHER_IN_BUILDER, source: path, mode: 0o755 };
}

/** The phases a CNB platform starts as /cnb/lifecycle/<phase> (docs/platform.md). */
export const PLATFORM_PHASES = ["creator", "analyzer", "detector", "restorer", "builder", "exporter", "rebaser"] as const;

function platformLifecycleEntries(bundle: string): LayerEntry[] {
  const stub = (phase: string) =>
    `#!/bin/sh\n# The CNB ${phase} phase: paketo's lifecycle (lifecycle.mjs) on the build image's Node.js (docs/platform.md).\nexec node /cnb/lifecycle/lifecycle.mjs ${phase} "$@"\n`;
  return [
    { path: "cnb/lifecycle/lifecycle.mjs", source: bundle, mode: 0o644 },
    ...PLATFORM_PHASES.map((phase) => ({ path: `cnb/lifecycle/${phase}`, content: stub(phase), mode: 0o755 })),
  ];
}

/** Assembles the builder image. Reads the build image's config; writes small layers to `workDir`. */
export async function builderImage(spec: BuilderSpec): Promise<Image> {
  const config = await spec.buildImage.configFile();
  const user = buildImageUser(config, spec.buildImageName);
  const labels = config.config.Labels ?? {};
  if (spec.stackId && labels[STACK_ID_LABEL] && labels[STACK_ID_LABEL] !== spec.stackId) {
    throw new DistributionError("DIST_BUILD_IMAGE", `stack ${spec.stackId} of the builder config does not match stack ${labels[STACK_ID_LABEL]} of build image ${spec.buildImageName}`);
  }
  if (spec.runImages.length === 0) throw new DistributionError("DIST_BUILDER_CONFIG", "a builder needs at least one run image");

  const buildpacks = [...spec.buildpacks].sort(byFullName);
  const seen = new Set<string>();
  for (const bp of buildpacks) {
    if (seen.has(fullName(bp))) throw new DistributionError("DIST_BUILDER", `buildpack ${fullName(bp)} is given twice`);
    seen.add(fullName(bp));
  }
  const runImages = spec.runImages.map(runImageJson);
  const files = (entries: LayerEntry[], label: string): layer.LayerSpec => ({
    files: entries,
    outputDir: join(spec.workDir, "layers"),
    uid: 0,
    gid: 0,
    label,
    ...(spec.sourceDateEpoch !== undefined ? { sourceDateEpoch: spec.sourceDateEpoch } : {}),
    ...(spec.onProgress ? { onProgress: spec.onProgress } : {}),
  });
  const cnbUser = { uid: user.uid, gid: user.gid };
  const specs: Array<{ spec: layer.LayerSpec; what: string }> = [
    {
      what: "default folders",
      spec: files(
        [
          { path: "workspace", dir: true, ...cnbUser },
          { path: "layers", dir: true, ...cnbUser },
          ...["cnb", "cnb/buildpacks", "cnb/extensions", "platform", "platform/env", "cnb/build-config", "cnb/build-config/env"].map((p) => ({ path: p, dir: true as const })),
        ],
        "default folders",
      ),
    },
    {
      what: "lifecycle (launcher)",
      spec: files(
        [
          { path: "cnb/lifecycle", dir: true },
          await launcherEntry(spec.launcher),
          ...(spec.lifecycle ? platformLifecycleEntries(spec.lifecycle) : []),
          { path: "lifecycle", symlink: "/cnb/lifecycle" },
        ],
        "lifecycle",
      ),
    },
  ];
  const after: Array<{ spec: layer.LayerSpec; what: string }> = [
    { what: "order.toml", spec: files([{ path: "cnb/order.toml", content: stringifyOrderToml({ order: spec.order, orderExtensions: [] }) }], "order.toml") },
  ];
  const system = spec.system && spec.system.pre.length + spec.system.post.length > 0 ? spec.system : undefined;
  if (system) after.push({ what: "system.toml", spec: files([{ path: "cnb/system.toml", content: stringifySystemToml(system) }], "system.toml") });
  after.push(
    { what: "stack.toml", spec: files([{ path: "cnb/stack.toml", content: stringifyStackToml({ runImage: runImages[0] as RunImageRef }) }], "stack.toml") },
    { what: "run.toml", spec: files([{ path: "cnb/run.toml", content: stringifyRunToml({ images: runImages }) }], "run.toml") },
  );
  const envFiles = buildConfigEnvFiles(spec.buildEnv ?? []);
  if (Object.keys(envFiles).length > 0) {
    after.push({
      what: "build-config env",
      spec: files(Object.entries(envFiles).map(([name, value]) => ({ path: `cnb/build-config/env/${name}`, content: value })), "build-config env"),
    });
  }
  const built = await layer.buildLayers([...specs, ...after].map((s) => s.spec), spec.signal ? { signal: spec.signal } : {});
  const builtBefore = built.slice(0, specs.length);
  const builtAfter = built.slice(specs.length);
  const bpLayers = await distinctLayers(buildpacks);

  const listed = spec.listed ?? buildpacks.map((b) => b.info);
  const metadata: BuilderMetadata = {
    description: spec.description ?? "",
    buildpacks: [...listed],
    extensions: [],
    stack: { runImage: runImages[0] as { image: string; mirrors: string[] } },
    lifecycle: lifecycleMetadata(spec.createdBy.version),
    createdBy: spec.createdBy,
    images: runImages,
  };
  const created = reproducibleDate(spec.sourceDateEpoch);
  let img = mutate.withCreatedAt(spec.buildImage, created);
  img = mutate.appendLayers(
    img,
    ...builtBefore.map((l, i) => ({ layer: l, history: { created_by: `paketo builder create: ${specs[i]?.what}` } })),
    ...bpLayers.map((l) => ({ layer: l.layer, history: { created_by: `paketo builder create: buildpack ${l.buildpacks.map(fullName).join(", ")}` } })),
    ...builtAfter.map((l, i) => ({ layer: l, history: { created_by: `paketo builder create: ${after[i]?.what}` } })),
  );
  img = mutate.withWorkingDir(img, "/layers");
  const newLabels: Record<string, string> = {
    [BUILDER_METADATA_LABEL]: stringifyBuilderMetadataLabel(metadata),
    [BUILDPACK_LAYERS_LABEL]: stringifyBuildpackLayersLabel(await buildpackLayersOf(buildpacks)),
    [BUILDPACK_ORDER_LABEL]: stringifyBuildpackOrderLabel(spec.order),
  };
  if (system) newLabels[SYSTEM_LABEL] = systemLabel(system);
  if (spec.stackId && !labels[STACK_ID_LABEL]) newLabels[STACK_ID_LABEL] = spec.stackId;
  return mutate.withLabels(img, newLabels);
}

/** `io.buildpacks.buildpack.system` in pack's JSON shape (`dist.System`). */
export function systemLabel(s: SystemFile): string {
  const refs = (es: SystemFile["pre"]) => es.map((e) => (e.optional ? { id: e.id, version: e.version, optional: true } : { id: e.id, version: e.version }));
  const side = (es: SystemFile["pre"]) => (es.length === 0 ? undefined : { buildpacks: refs(es) });
  return JSON.stringify({ pre: side(s.pre), post: side(s.post) });
}
