// Key files for the signing commands: the private key's password comes from COSIGN_PASSWORD, as
// cosign reads it, so one key pair and one environment serve both tools.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { loadPrivateKey, loadPublicKey, publicKeyOf, SignError, type SigningKey, type VerifyingKey } from "../sign/index.js";
import type { CliContext, Values } from "./command.js";

async function keyText(ctx: CliContext, v: Values, what: string): Promise<{ text: string; where: string }> {
  const arg = v.key;
  if (typeof arg !== "string") throw new SignError("SIGN_KEY", `${what} needs --key FILE`, { hint: "create a key pair with `paketo key generate`" });
  const where = resolve(ctx.cwd, arg);
  try {
    return { text: await readFile(where, "utf8"), where };
  } catch (e) {
    throw new SignError("SIGN_KEY", `cannot read the key ${where}`, { cause: e });
  }
}

export async function signingKey(ctx: CliContext, v: Values, what: string): Promise<SigningKey> {
  const { text, where } = await keyText(ctx, v, what);
  return loadPrivateKey(text, ctx.env.COSIGN_PASSWORD, where);
}

/** The public key to verify with; a private key file (cosign.key) gives its public half. */
export async function verifyingKey(ctx: CliContext, v: Values, what: string): Promise<VerifyingKey> {
  const { text, where } = await keyText(ctx, v, what);
  if (/-----BEGIN ENCRYPTED (SIGSTORE|COSIGN) PRIVATE KEY-----/.test(text)) return publicKeyOf(await loadPrivateKey(text, ctx.env.COSIGN_PASSWORD, where));
  return loadPublicKey(text, where);
}
