// `paketo key`: the work, loaded only when the command runs (the spec is ../key.ts).
import { link, unlink } from "node:fs/promises";
import { resolve } from "node:path";
import { writeFileAtomic } from "../../../fs/index.js";
import { generateKeyPair, type KeyAlgorithm, SignError } from "../../../sign/index.js";
import type { CliContext, Values } from "../../command.js";

/** Writes `data` at `path` only if nothing is there: written beside it, then hard-linked in (atomic, no overwrite). */
async function createNew(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFileAtomic(tmp, data, { mode });
  try {
    await link(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") throw new SignError("SIGN_KEY", `${path} exists; paketo never overwrites a key`, { hint: "choose another --output-prefix" });
    throw e;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

export async function run(ctx: CliContext, v: Values, [sub]: string[]): Promise<number | void> {
  if (sub !== "generate") throw new SignError("SIGN_KEY", `unknown key command ${JSON.stringify(sub)}`, { hint: "paketo key generate [--output-prefix PREFIX]" });
  const algorithm = ((v.algorithm as string | undefined) ?? "ecdsa-p256") as KeyAlgorithm;
  if (algorithm !== "ecdsa-p256" && algorithm !== "ed25519") {
    throw new SignError("SIGN_KEY", `--algorithm must be ecdsa-p256 or ed25519, not ${JSON.stringify(algorithm)}`);
  }
  const password = ctx.env.COSIGN_PASSWORD;
  if (password === undefined) {
    throw new SignError("SIGN_KEY", "COSIGN_PASSWORD is not set: the private key is encrypted with it", { hint: "export COSIGN_PASSWORD (it may be empty, as with cosign)" });
  }
  const prefix = resolve(ctx.cwd, (v["output-prefix"] as string | undefined) ?? "cosign");
  const pair = await generateKeyPair(algorithm, password);
  await createNew(`${prefix}.key`, pair.privateKeyPem, 0o600);
  try {
    await createNew(`${prefix}.pub`, pair.publicKeyPem, 0o644);
  } catch (e) {
    await unlink(`${prefix}.key`).catch(() => undefined);
    throw e;
  }
  ctx.reporter.info(`Private key written to ${prefix}.key, public key to ${prefix}.pub`);
  ctx.stdout.write(`${prefix}.key\n${prefix}.pub\n`);
}
