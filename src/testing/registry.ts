// A real registry for tests: Debian's docker-registry (distribution 2.x) on 127.0.0.1, optionally
// behind htpasswd basic auth or a bearer-token server, plus a counting, fault-injecting proxy.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createSign, randomBytes, X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { request as httpsRequest } from "node:https";
import { createServer as createNetServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  /** `http://127.0.0.1:PORT` (https with `tls`) */
  url: string;
  /** With `token: true`: every token request the token server answered. */
  tokenRequests: TokenRequest[];
  /** Output of the registry process so far (for diagnosing a failing test). */
  logs(): string;
  stop(): Promise<void>;
}

export interface TokenRequest {
  method: string;
  scopes: string[];
  /** The user who authenticated, or undefined for an anonymous token. */
  account: string | undefined;
  /** What was granted. */
  granted: string[];
  status: number;
}

export interface StartRegistryOptions {
  /** Require these credentials (htpasswd basic auth, or the token server's basic auth with `token`). */
  auth?: { username: string; password: string };
  /**
   * Use bearer-token auth: a token server (node:http) signs JWTs the registry trusts. Anonymous
   * token requests are granted pull only; authenticated ones everything they ask for.
   */
  token?: boolean;
  /** Serve https with a self-signed certificate for 127.0.0.1 (clients must skip verification). */
  tls?: boolean;
}

const REGISTRY_BIN = "/usr/bin/docker-registry";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function probe(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const send = url.startsWith("https:") ? httpsRequest : httpRequest;
    const req = send(url, { method: "GET", timeout: 1000, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(undefined));
    req.end();
  });
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const a = server.address();
      resolve(typeof a === "object" && a ? a.port : 0);
    });
  });
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

function b64url(b: Buffer | string): string {
  return Buffer.from(b).toString("base64url");
}

interface TokenServer {
  realm: string;
  certPath: string;
  requests: TokenRequest[];
  close(): Promise<void>;
}

const SERVICE = "paketo-test-registry";
const ISSUER = "paketo-test-issuer";

async function startTokenServer(dir: string, auth: StartRegistryOptions["auth"]): Promise<TokenServer> {
  const keyPath = join(dir, "token.key");
  const certPath = join(dir, "token.crt");
  const r = spawnSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyPath, "-out", certPath, "-days", "2", "-subj", "/CN=paketo-test-token"],
    { encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  const key = readFileSync(keyPath, "utf8");
  const der = new X509Certificate(readFileSync(certPath)).raw;
  const requests: TokenRequest[] = [];
  const sockets = new Set<Socket>();
  const sign = (account: string | undefined, access: Array<{ type: string; name: string; actions: string[] }>) => {
    const now = Math.floor(Date.now() / 1000);
    const head = b64url(JSON.stringify({ typ: "JWT", alg: "RS256", x5c: [der.toString("base64")] }));
    const claims = b64url(
      JSON.stringify({ iss: ISSUER, sub: account ?? "", aud: SERVICE, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString("hex"), access }),
    );
    const s = createSign("RSA-SHA256").update(`${head}.${claims}`).sign(key);
    return `${head}.${claims}.${b64url(s)}`;
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      let scopes = url.searchParams.getAll("scope").flatMap((s) => s.split(" ")).filter(Boolean);
      let account: string | undefined;
      let authenticated = false;
      if (req.method === "POST") {
        const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
        scopes = (form.get("scope") ?? "").split(" ").filter(Boolean);
        // An identity (refresh) token is accepted when it equals the password.
        if (auth && form.get("refresh_token") === auth.password) {
          authenticated = true;
          account = auth.username;
        } else if (form.get("refresh_token")) {
          requests.push({ method: "POST", scopes, account: undefined, granted: [], status: 401 });
          res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "invalid refresh token" }] }));
          return;
        }
      } else {
        const h = req.headers.authorization;
        if (h?.startsWith("Basic ")) {
          const [u, ...p] = Buffer.from(h.slice(6), "base64").toString("utf8").split(":");
          if (!auth || u !== auth.username || p.join(":") !== auth.password) {
            requests.push({ method: "GET", scopes, account: undefined, granted: [], status: 401 });
            res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "invalid username or password" }] }));
            return;
          }
          authenticated = true;
          account = u;
        }
      }
      const access: Array<{ type: string; name: string; actions: string[] }> = [];
      const granted: string[] = [];
      for (const s of scopes) {
        const [type, ...rest] = s.split(":");
        const actions = (rest.pop() ?? "").split(",").filter((a) => authenticated || !auth || a === "pull");
        const name = rest.join(":");
        if (!type || !name || !actions.length) continue;
        access.push({ type, name, actions });
        granted.push(`${type}:${name}:${actions.join(",")}`);
      }
      requests.push({ method: req.method ?? "GET", scopes, account, granted, status: 200 });
      const token = sign(account, access);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token, access_token: token, expires_in: 300 }));
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const port = await listen(server);
  return { realm: `http://127.0.0.1:${port}/token`, certPath, requests, close: () => closeServer(server, sockets) };
}

/**
 * Starts Debian's docker-registry on 127.0.0.1 with a free port and a temporary storage root,
 * and waits until it answers /v2/. `stop()` kills it by pid (SIGTERM, then SIGKILL) with bounded waits.
 */
export async function startRegistry(opts: StartRegistryOptions = {}): Promise<TestRegistry> {
  if (!existsSync(REGISTRY_BIN)) throw new Error(`${REGISTRY_BIN} is missing: apt-get install docker-registry`);
  const dir = mkdtempSync(join(tmpdir(), "paketo-registry-"));
  let tokenServer: TokenServer | undefined;
  try {
    let authYaml = "";
    if (opts.token) {
      tokenServer = await startTokenServer(dir, opts.auth);
      authYaml = `auth:\n  token:\n    realm: ${tokenServer.realm}\n    service: ${SERVICE}\n    issuer: ${ISSUER}\n    rootcertbundle: ${tokenServer.certPath}\n`;
    } else if (opts.auth) {
      const r = spawnSync("htpasswd", ["-Bbn", opts.auth.username, opts.auth.password], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`htpasswd failed (apt-get install apache2-utils): ${r.stderr ?? r.error}`);
      writeFileSync(join(dir, "htpasswd"), r.stdout);
      authYaml = `auth:\n  htpasswd:\n    realm: paketo-test\n    path: ${join(dir, "htpasswd")}\n`;
    }
    let tlsYaml = "";
    if (opts.tls) {
      const key = join(dir, "tls.key");
      const crt = join(dir, "tls.crt");
      const r = spawnSync(
        "openssl",
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        { encoding: "utf8" },
      );
      if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
      tlsYaml = `  tls:\n    certificate: ${crt}\n    key: ${key}\n`;
    }
    const scheme = opts.tls ? "https" : "http";
    for (let tries = 0; ; tries++) {
      const port = await freePort();
      const host = `127.0.0.1:${port}`;
      const config = join(dir, "config.yml");
      writeFileSync(
        config,
        `version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${join(dir, "data")}
  delete:
    enabled: true
http:
  addr: ${host}
  secret: paketo-test-secret
${tlsYaml}${authYaml}`,
      );
      const child = spawn(REGISTRY_BIN, ["serve", config], { stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      const keep = (c: Buffer) => {
        output = (output + c.toString("utf8")).slice(-64 * 1024);
      };
      child.stdout?.on("data", keep);
      child.stderr?.on("data", keep);
      let exited = false;
      child.on("exit", () => {
        exited = true;
      });
      const deadline = Date.now() + 15_000;
      let up = false;
      while (Date.now() < deadline && !exited) {
        const status = await probe(`${scheme}://${host}/v2/`);
        if (status === 200 || status === 401) {
          up = true;
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      if (!up) {
        if (!exited && child.pid) child.kill("SIGKILL");
        await waitExit(child, 2000);
        if (tries < 2 && /address already in use/.test(output)) continue;
        throw new Error(`docker-registry did not start on ${host}:\n${output}`);
      }
      const ts = tokenServer;
      let stopped = false;
      // If the test process dies without stop(), take the registry with it.
      const onExit = () => {
        if (child.pid && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      };
      process.once("exit", onExit);
      return {
        host,
        url: `${scheme}://${host}`,
        tokenRequests: ts?.requests ?? [],
        logs: () => output,
        stop: async () => {
          if (stopped) return;
          stopped = true;
          process.removeListener("exit", onExit);
          if (child.pid && child.exitCode === null && child.signalCode === null) {
            process.kill(child.pid, "SIGTERM");
            if (!(await waitExit(child, 5000))) {
              process.kill(child.pid, "SIGKILL");
              await waitExit(child, 2000);
            }
          }
          if (ts) await ts.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
  } catch (e) {
    if (tokenServer) await tokenServer.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** One request that went through the proxy. `path` includes the query string. */
export interface ProxiedRequest {
  method: string;
  path: string;
  status: number;
  /** When the request arrived and when its answer was finished (ms, monotonic). */
  start: number;
  end: number;
  /** The Range header the client sent, if any. */
  range?: string;
  /** The Authorization header the client sent, if any. */
  authorization?: string;
}

/** What the proxy does instead of (or to) a plain forward. */
export type ProxyFault =
  /**
   * Answer with this status without forwarding: a registry-style JSON error body, or `body(req)`
   * (a registry that echoes what it was sent, say).
   */
  | { status: number; headers?: Record<string, string>; body?: (req: IncomingMessage) => string }
  /** Forward, send the headers and the first `cutAfter` bytes of the body, then drop the connection. */
  | { cutAfter: number }
  /** Forward, send the headers and the first `stallAfter` bytes of the body, then send nothing more. */
  | { stallAfter: number }
  /** Forward without the client's Range header, as a registry that does not do ranges answers. */
  | { ignoreRange: true }
  /** Forward, but serve only the first `truncate` bytes of the response body (Content-Length adjusted). */
  | { truncate: number }
  /** Forward, but serve `replace(body)` instead of the body (Content-Length adjusted, other headers kept). */
  | { replace: (body: Buffer) => Buffer }
  /** Drop the connection without answering. */
  | { reset: true };

export interface ProxyRule {
  method?: string;
  /** Matched against the path with its query. */
  path?: RegExp;
  /** How many matching requests to hit (default: every one). */
  times?: number;
  /** Wait this long before acting (or forwarding). */
  delayMs?: number;
  fault?: ProxyFault;
}

export interface CountingProxy {
  host: string;
  url: string;
  requests: ProxiedRequest[];
  /** Adds a fault rule; rules are tried in order and the first match with hits left applies. */
  inject(rule: ProxyRule): void;
  /** Forgets recorded requests and rules. */
  reset(): void;
  stop(): Promise<void>;
}

/**
 * An HTTP proxy in front of a registry (`targetHost` = `127.0.0.1:PORT`) that records every
 * request and can inject faults. It forwards the Host header unchanged, so the registry's
 * Location headers point back at the proxy.
 */
export async function startCountingProxy(targetHost: string): Promise<CountingProxy> {
  const [targetName, targetPort] = [targetHost.replace(/:\d+$/, ""), Number(/:(\d+)$/.exec(targetHost)?.[1] ?? 80)];
  const requests: ProxiedRequest[] = [];
  let rules: Array<ProxyRule & { left: number }> = [];
  const sockets = new Set<Socket>();

  const pick = (method: string, path: string): ProxyRule | undefined => {
    for (const r of rules) {
      if (r.left <= 0) continue;
      if (r.method && r.method !== method) continue;
      if (r.path && !r.path.test(path)) continue;
      r.left--;
      return r;
    }
    return undefined;
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const start = performance.now();
    const rule = pick(req.method ?? "GET", req.url ?? "/");
    if (rule?.delayMs) {
      req.pause();
      setTimeout(() => answer(req, res, rule.fault, start), rule.delayMs);
    } else {
      answer(req, res, rule?.fault, start);
    }
  };

  const answer = (req: IncomingMessage, res: ServerResponse, fault: ProxyFault | undefined, start: number) => {
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    const record = (status: number) => {
      const r: ProxiedRequest = { method, path, status, start, end: start };
      if (typeof req.headers.range === "string") r.range = req.headers.range;
      if (typeof req.headers.authorization === "string") r.authorization = req.headers.authorization;
      requests.push(r);
      res.on("close", () => {
        r.end = performance.now();
      });
    };
    if (fault && "reset" in fault) {
      record(0);
      req.socket.destroy();
      return;
    }
    if (fault && "status" in fault) {
      req.resume();
      record(fault.status);
      const body = fault.body ? fault.body(req) : JSON.stringify({ errors: [{ code: "INJECTED", message: `injected ${fault.status}` }] });
      res.writeHead(fault.status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), ...fault.headers });
      res.end(method === "HEAD" ? undefined : body);
      return;
    }
    const headers = { ...req.headers };
    if (fault && "ignoreRange" in fault) delete headers.range;
    const up = httpRequest({ host: targetName, port: targetPort, method, path, headers }, (ur) => {
      const status = ur.statusCode ?? 502;
      record(status);
      if (fault && ("cutAfter" in fault || "stallAfter" in fault)) {
        const limit = "cutAfter" in fault ? fault.cutAfter : fault.stallAfter;
        res.writeHead(status, ur.headers);
        res.flushHeaders();
        let sent = 0;
        ur.on("data", (c: Buffer) => {
          if (sent >= limit) return;
          const part = c.subarray(0, limit - sent);
          sent += part.length;
          res.write(part);
          if (sent >= limit) {
            ur.destroy();
            // A reset drops the connection; a stall keeps it open and quiet until the client gives up.
            if ("cutAfter" in fault) setTimeout(() => req.socket.destroy(), 10);
          }
        });
        ur.on("end", () => {
          if (sent < limit) res.end(); // shorter than the cut: nothing to break
        });
        return;
      }
      if (fault && ("truncate" in fault || "replace" in fault)) {
        const chunks: Buffer[] = [];
        ur.on("data", (c: Buffer) => chunks.push(c));
        ur.on("end", () => {
          const full = Buffer.concat(chunks);
          const body = "truncate" in fault ? full.subarray(0, fault.truncate) : fault.replace(full);
          const headers = { ...ur.headers, "content-length": String(body.length) };
          delete headers["transfer-encoding"];
          res.writeHead(status, headers);
          res.end(body);
        });
        return;
      }
      res.writeHead(status, ur.headers);
      ur.pipe(res);
    });
    up.on("error", () => {
      record(502);
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(up);
  };

  const server = createServer(handle);
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const port = await listen(server);
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    requests,
    inject: (rule) => {
      rules.push({ ...rule, left: rule.times ?? Number.POSITIVE_INFINITY });
    },
    reset: () => {
      requests.length = 0;
      rules = [];
    },
    stop: () => closeServer(server, sockets),
  };
}

/** A tar archive of regular files (mtime 0, mode 0644), for building test layers. */
export async function tarOf(files: Record<string, string | Buffer>): Promise<Buffer> {
  const { pack } = await import("tar-stream");
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((resolve, reject) => {
    p.on("end", () => resolve());
    p.on("error", reject);
  });
  for (const [name, content] of Object.entries(files)) {
    const body = typeof content === "string" ? Buffer.from(content) : content;
    await new Promise<void>((resolve, reject) =>
      p.entry({ name, size: body.length, mode: 0o644, mtime: new Date(0) }, body, (e) => (e ? reject(e) : resolve())),
    );
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}
