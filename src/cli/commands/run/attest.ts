// `paketo attest`: the work, loaded only when the command runs (the spec is ../attest.ts).
import { resolve } from "node:path";
import { transport } from "../../../oci/index.js";
import { gitCommit, type ProvenanceInputs, signAndAttest } from "../../../platform/index.js";
import { transportOptions } from "../../context.js";
import { signingKey } from "../../keys.js";
import type { CliContext, Values } from "../../command.js";

export async function run(ctx: CliContext, v: Values, [name]: string[]): Promise<number | void> {
  const key = await signingKey(ctx, v, "paketo attest");
  const inputs: ProvenanceInputs = { envNames: ((v.env as string[] | undefined) ?? []).map((e) => e.split("=")[0] as string) };
  if (typeof v.builder === "string") inputs.builder = v.builder;
  if (typeof v.source === "string") {
    const commit = await gitCommit(resolve(ctx.cwd, v.source));
    if (commit) inputs.source = { gitCommit: commit };
    else ctx.reporter.info(`warning: ${v.source} is no git work tree; the provenance names no source`);
  }
  const r = await signAndAttest(transport.parseImageName(name as string), key, transportOptions(ctx, v), inputs);
  if (r.noSbom) ctx.reporter.info(`warning: no SBOM attested: ${r.noSbom}`);
  for (const a of r.attestations) ctx.reporter.info(`Attested ${name} (${a.subject.digest})${a.written ? "" : " (already there)"}`);
  ctx.stdout.write(`${[...new Set(r.attestations.map((a) => a.tag))].join("\n")}${r.attestations.length ? "\n" : ""}${r.signature.tag}\n`);
}
