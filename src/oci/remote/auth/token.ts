import type { Readable } from "node:stream";
import type { Redactor } from "../../../errors/index.js";
import { OciError } from "../../errors.js";
import { destroyBody, errorFromResponse, RegistryError } from "../errors.js";
import type { Challenge } from "./challenge.js";
import type { Credentials } from "./keychain.js";

export interface Token {
  value: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export interface TokenResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

/** Sends one token request (retries included, no registry auth added). */
export type TokenSend = (req: { method: "GET" | "POST"; url: URL; headers: Record<string, string>; body?: Uint8Array }) => Promise<TokenResponse>;

export function basicAuth(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username ?? ""}:${c.password ?? ""}`).toString("base64")}`;
}

function hasPassword(c: Credentials | undefined): c is Credentials & { username: string; password: string } {
  return !!c && c.username !== undefined && c.password !== undefined && !c.identityToken;
}

/**
 * The distribution token flow: with an identity (refresh) token, POST an OAuth2 refresh grant;
 * otherwise GET the realm with `service` and `scope`s, using basic auth when we have a password
 * (anonymous otherwise). The answer's `token` (or `access_token`) is sent as `Bearer` after that.
 */
export async function fetchToken(p: {
  challenge: Challenge;
  scopes: string[];
  credentials: Credentials | undefined;
  registry: string;
  send: TokenSend;
  now?: () => number;
  /** Takes credentials out of what the token endpoint says back. */
  redactor?: Redactor;
}): Promise<Token> {
  const now = p.now ?? Date.now;
  const realm = p.challenge.params.realm;
  let url: URL;
  try {
    url = new URL(realm ?? "");
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("not http(s)");
  } catch {
    throw new OciError("OCI_REGISTRY_AUTH", `${p.registry} sent a Bearer challenge without a usable realm URL`);
  }
  const service = p.challenge.params.service;
  const what = `authenticating to ${p.registry} (scope ${p.scopes.join(" ") || "none"})`;
  const sent = !!p.credentials;
  let res: TokenResponse | undefined;
  if (p.credentials?.identityToken) {
    const form = new URLSearchParams();
    form.set("grant_type", "refresh_token");
    form.set("refresh_token", p.credentials.identityToken);
    form.set("client_id", "paketo");
    if (service) form.set("service", service);
    if (p.scopes.length) form.set("scope", p.scopes.join(" "));
    res = await p.send({
      method: "POST",
      url,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: Buffer.from(form.toString()),
    });
    if (res.status === 404 || res.status === 405) {
      destroyBody(res.body);
      res = undefined;
    }
  }
  if (!res) {
    const get = new URL(url);
    if (service) get.searchParams.set("service", service);
    for (const s of p.scopes) get.searchParams.append("scope", s);
    const headers: Record<string, string> = {};
    if (hasPassword(p.credentials)) {
      headers.authorization = basicAuth(p.credentials);
      if (p.credentials.username) get.searchParams.set("account", p.credentials.username);
    }
    res = await p.send({ method: "GET", url: get, headers });
  }
  if (res.status !== 200) {
    const err = await errorFromResponse(res, what, { registry: p.registry, sentCredentials: sent, method: "GET", ...(p.redactor ? { redactor: p.redactor } : {}) });
    // A token endpoint that refuses is an authentication failure whatever status it picked.
    if (err.code === "OCI_REGISTRY" && (res.status === 400 || res.status === 404)) {
      throw new RegistryError("OCI_REGISTRY_AUTH", err.message, { status: res.status, diagnostics: err.diagnostics, registry: p.registry });
    }
    throw err;
  }
  let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
  const chunks: Buffer[] = [];
  for await (const c of res.body) chunks.push(c as Buffer);
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as typeof body;
  } catch {
    throw new RegistryError("OCI_REGISTRY_AUTH", `${what}: the token endpoint answered with something that is not JSON`, { registry: p.registry });
  }
  const value = typeof body.token === "string" && body.token ? body.token : typeof body.access_token === "string" ? body.access_token : "";
  if (!value) throw new RegistryError("OCI_REGISTRY_AUTH", `${what}: the token endpoint answered without a token`, { registry: p.registry });
  p.redactor?.add(value);
  const seconds = typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : 60;
  return { value, expiresAt: now() + seconds * 1000 };
}
