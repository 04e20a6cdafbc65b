// `paketo inspect`: the work, loaded only when the command runs (the spec is ../inspect.ts).
import { type Artifact, formatPlatform, transport } from "../../../oci/index.js";
import { type CnbImageDescription, describeCnbImage, processCommandLine } from "../../../platform/index.js";
import { transportOptions } from "../../context.js";
import { humanBytes } from "../../reporter.js";
import type { CliContext, Values } from "../../command.js";

/** Everything `inspect` shows, as one value: printed as JSON or as text. */
async function describe(name: string, a: Artifact): Promise<Record<string, unknown>> {
  if (a.kind === "index") {
    const m = await a.index.indexManifest();
    return {
      name,
      kind: "index",
      digest: await a.index.digest(),
      mediaType: m.mediaType,
      manifests: m.manifests.map((d) => ({
        digest: d.digest,
        mediaType: d.mediaType,
        size: d.size,
        platform: d.platform ? formatPlatform(d.platform) : undefined,
      })),
      annotations: m.annotations,
    };
  }
  const img = a.image;
  const [m, c, digest] = await Promise.all([img.manifest(), img.configFile(), img.digest()]);
  const history = (c.history ?? []).filter((h) => !h.empty_layer);
  const layers = m.layers.map((d, i) => ({
    digest: d.digest,
    diffId: c.rootfs.diff_ids[i],
    size: d.size,
    mediaType: d.mediaType,
    createdBy: history[i]?.created_by,
    annotations: d.annotations,
  }));
  const layerBytes = m.layers.reduce((n, d) => n + d.size, 0);
  const manifestBytes = (await img.rawManifest()).length;
  const cnb = describeCnbImage(c.config);
  return {
    name,
    kind: "image",
    digest,
    mediaType: m.mediaType,
    platform: formatPlatform({ os: c.os, architecture: c.architecture, ...(c.variant ? { variant: c.variant } : {}) }),
    created: c.created,
    config: c.config,
    layers,
    size: { manifest: manifestBytes, config: m.config.size, layers: layerBytes, total: manifestBytes + m.config.size + layerBytes },
    annotations: m.annotations,
    ...(cnb ? { cnb } : {}),
  };
}

/** The CNB app image part of the text output: buildpacks, processes, run image, base image, launcher. */
function cnbText(d: CnbImageDescription): string[] {
  const out: string[] = [];
  const kv = (k: string, v: string | undefined) => v !== undefined && v !== "" && out.push(`  ${`${k}:`.padEnd(12)}${v}`);
  const table = (rows: string[][]) => {
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
    for (const r of rows) out.push(`  ${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 2))).join("")}`.trimEnd());
  };
  out.push("Buildpacks:");
  if (d.buildpacks.length === 0) out.push("  (none)");
  else table(d.buildpacks.map((b) => [`${b.id}@${b.version}`, b.homepage ?? ""]));
  if (d.extensions?.length) {
    out.push("Extensions:");
    table(d.extensions.map((b) => [`${b.id}@${b.version}`, b.homepage ?? ""]));
  }
  out.push("Processes:");
  if (d.processes.length === 0) out.push("  (none)");
  else
    table([
      ["TYPE", "SHELL", "COMMAND", "WORK DIR"],
      ...d.processes.map((p) => [`${p.type}${p.default ? " (default)" : ""}`, p.direct ? "" : "bash", processCommandLine(p), p.workingDir ?? ""]),
    ]);
  out.push("Run image:");
  kv("Name", d.runImage?.image ?? "(not recorded)");
  if (d.runImage?.mirrors?.length) kv("Mirrors", d.runImage.mirrors.join(", "));
  kv("Reference", d.runImage?.reference);
  kv("Top layer", d.runImage?.topLayer);
  out.push("Base image:");
  kv("Stack", d.base.stackId);
  for (const [k, v] of Object.entries(d.base.labels)) if (k !== "io.buildpacks.stack.id") out.push(`  ${k}=${v}`);
  if (!d.rebasable) out.push("  (not rebasable: io.buildpacks.rebasable=false)");
  if (d.launcher) {
    const src = d.launcher.source;
    const from = src ? `${src.repository}${src.commit ? `@${src.commit}` : ""}` : "";
    out.push(`${"Launcher:".padEnd(12)}${[d.launcher.version, from && `(${from})`, d.launcher.layer && `layer ${d.launcher.layer}`].filter(Boolean).join(" ")}`);
  }
  if (d.sbomLayer) out.push(`${"SBOM:".padEnd(12)}layer ${d.sbomLayer}`);
  for (const p of d.problems) out.push(`Warning: ${p}`);
  return out;
}

function text(d: Record<string, unknown>): string {
  const out: string[] = [];
  const kv = (k: string, v: unknown) => v !== undefined && v !== "" && out.push(`${`${k}:`.padEnd(12)}${String(v)}`);
  kv("Name", d.name);
  kv("Digest", d.digest);
  kv("Media type", d.mediaType);
  if (d.kind === "index") {
    out.push("Manifests:");
    for (const m of d.manifests as Array<Record<string, unknown>>) out.push(`  ${m.digest}  ${m.platform ?? "-"}  ${humanBytes(m.size as number)}`);
    return out.join("\n");
  }
  kv("Platform", d.platform);
  kv("Created", d.created);
  const c = (d.config ?? {}) as Record<string, unknown>;
  kv("User", c.User);
  kv("WorkingDir", c.WorkingDir);
  if (c.Entrypoint) kv("Entrypoint", JSON.stringify(c.Entrypoint));
  if (c.Cmd) kv("Cmd", JSON.stringify(c.Cmd));
  const env = (c.Env as string[] | undefined) ?? [];
  if (env.length) out.push("Env:", ...env.map((e) => `  ${e}`));
  const cnb = d.cnb as CnbImageDescription | undefined;
  if (cnb) out.push(...cnbText(cnb));
  const labels = Object.entries((c.Labels as Record<string, string> | undefined) ?? {});
  if (labels.length) {
    out.push("Labels:");
    for (const [k, v] of labels) out.push(`  ${k}=${v.length > 100 ? `${v.slice(0, 97)}...` : v}`);
  }
  const layers = d.layers as Array<Record<string, unknown>>;
  const size = d.size as Record<string, number>;
  out.push(`Layers (${layers.length}, ${humanBytes(size.layers ?? 0)} compressed):`);
  layers.forEach((l, i) => {
    out.push(`  ${String(i + 1).padStart(2)}  ${String(l.digest).slice(0, 19)}  ${humanBytes(l.size as number).padStart(9)}  ${l.createdBy ?? ""}`.trimEnd());
  });
  out.push(`Total size: ${humanBytes(size.total ?? 0)} (${size.total} bytes, compressed)`);
  return out.join("\n");
}

export async function run(ctx: CliContext, v: Values, [name]: string[]): Promise<number | void> {
  const a = await transport.read(transport.parseImageName(name as string), transportOptions(ctx, v, "src"));
  if (v.raw === "manifest") {
    ctx.stdout.write(Buffer.from(a.kind === "image" ? await a.image.rawManifest() : await a.index.rawManifest()));
    return;
  }
  if (v.raw === "config" && a.kind === "image") {
    ctx.stdout.write(Buffer.from(await a.image.rawConfigFile()));
    return;
  }
  const d = await describe(name as string, a);
  ctx.stdout.write(v.json ? `${JSON.stringify(d, null, 2)}\n` : `${text(d)}\n`);
}
