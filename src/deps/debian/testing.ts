// Test helpers for the Debian machinery: real .debs built with dpkg-deb, a real OpenPGP key made
// with gpg, and a small archive served over HTTP on 127.0.0.1. Never imported by product code.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";

function run(cmd: string, args: string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv } = {}): Buffer {
  const r = spawnSync(cmd, args, { input: opts.input, env: opts.env ?? process.env, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr?.toString()}`);
  return r.stdout;
}

export interface DebSpec {
  name: string;
  version: string;
  architecture?: string;
  depends?: string;
  extraControl?: string;
  files?: Record<string, string>;
  /** File modes other than 0644: path → mode. */
  modes?: Record<string, number>;
  /** Symbolic links: path → target. */
  links?: Record<string, string>;
  conffiles?: string[];
  postinst?: string;
  compression?: "xz" | "gzip" | "zstd" | "none";
}

/** Builds a .deb with dpkg-deb (md5sums included, root-owned) and returns its bytes. */
export function makeDeb(workDir: string, spec: DebSpec): Buffer {
  const root = join(workDir, `${spec.name}-${spec.version}-root`);
  mkdirSync(join(root, "DEBIAN"), { recursive: true });
  const control = [
    `Package: ${spec.name}`,
    `Version: ${spec.version}`,
    `Architecture: ${spec.architecture ?? "amd64"}`,
    "Maintainer: Test <test@example.invalid>",
    ...(spec.depends ? [`Depends: ${spec.depends}`] : []),
    ...(spec.extraControl ? [spec.extraControl] : []),
    `Description: test package ${spec.name}`,
    " A package built by the tests.",
  ].join("\n");
  writeFileSync(join(root, "DEBIAN/control"), control + "\n");
  const md5: string[] = [];
  for (const [p, content] of Object.entries(spec.files ?? {})) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), content, { mode: spec.modes?.[p] ?? 0o644 });
    if (!(spec.conffiles ?? []).includes(`/${p}`)) md5.push(`${createHash("md5").update(content).digest("hex")}  ${p}`);
  }
  for (const [p, target] of Object.entries(spec.links ?? {})) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    symlinkSync(target, join(root, p));
  }
  if (md5.length) writeFileSync(join(root, "DEBIAN/md5sums"), md5.join("\n") + "\n");
  if (spec.conffiles?.length) writeFileSync(join(root, "DEBIAN/conffiles"), spec.conffiles.join("\n") + "\n");
  if (spec.postinst) writeFileSync(join(root, "DEBIAN/postinst"), spec.postinst, { mode: 0o755 });
  const out = join(workDir, `${spec.name}_${spec.version}.deb`);
  run("dpkg-deb", ["--root-owner-group", `-Z${spec.compression ?? "xz"}`, "--build", root, out]);
  return readFileSync(out);
}

export interface TestKey {
  /** A keyring file gpgv accepts. */
  keyring: string;
  clearsign(text: string): Buffer;
  detachSign(data: Buffer): Buffer;
}

/** A fresh ed25519 signing key in its own GNUPGHOME. */
export function makeKey(dir: string): TestKey {
  const home = join(dir, "gnupg");
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const env = { ...process.env, GNUPGHOME: home };
  const gpg = (args: string[], input?: string | Buffer) =>
    run("gpg", ["--batch", "--quiet", "--pinentry-mode", "loopback", "--passphrase", "", ...args], { env, ...(input !== undefined ? { input } : {}) });
  gpg(["--quick-gen-key", "Paketo Test Archive <archive@example.invalid>", "ed25519", "sign", "never"]);
  const keyring = join(dir, "test-keyring.gpg");
  writeFileSync(keyring, gpg(["--export"]));
  return {
    keyring,
    clearsign: (text) => gpg(["--digest-algo", "SHA256", "--clearsign"], text),
    detachSign: (data) => gpg(["--detach-sign"], data),
  };
}

export interface ArchivePackage {
  deb: Buffer;
  /** The stanza without Filename/Size/SHA256, e.g. from the .deb's control file. */
  control: string;
  filename: string;
}

export interface SuiteSpec {
  suite: string;
  packages: ArchivePackage[];
  key?: TestKey;
  /** Write Release + Release.gpg instead of InRelease. */
  detached?: boolean;
  validUntil?: Date;
  /** Publish by-hash files. */
  byHash?: boolean;
  compression?: "xz" | "gz";
}

/** Writes pool files and dists/<suite>/{InRelease|Release,Release.gpg,main/binary-amd64/Packages*}. */
export function writeSuite(root: string, spec: SuiteSpec): void {
  const stanzas: string[] = [];
  for (const p of spec.packages) {
    mkdirSync(dirname(join(root, p.filename)), { recursive: true });
    writeFileSync(join(root, p.filename), p.deb);
    const sha = createHash("sha256").update(p.deb).digest("hex");
    stanzas.push(`${p.control.trimEnd()}\nFilename: ${p.filename}\nSize: ${p.deb.length}\nSHA256: ${sha}\n`);
  }
  const plain = Buffer.from(stanzas.join("\n"));
  const dist = join(root, "dists", spec.suite);
  const dir = join(dist, "main/binary-amd64");
  mkdirSync(dir, { recursive: true });
  const files = new Map<string, Buffer>([["main/binary-amd64/Packages", plain]]);
  if ((spec.compression ?? "xz") === "xz") files.set("main/binary-amd64/Packages.xz", run("xz", ["-c"], { input: plain }));
  else files.set("main/binary-amd64/Packages.gz", gzipSync(plain));
  const lines: string[] = [];
  for (const [rel, data] of files) {
    writeFileSync(join(dist, rel), data);
    const sha = createHash("sha256").update(data).digest("hex");
    if (spec.byHash) {
      mkdirSync(join(dir, "by-hash/SHA256"), { recursive: true });
      writeFileSync(join(dir, "by-hash/SHA256", sha), data);
    }
    lines.push(` ${sha} ${String(data.length).padStart(8)} ${rel}`);
  }
  const release = [
    "Origin: Test",
    `Suite: ${spec.suite}`,
    `Codename: ${spec.suite}`,
    `Date: ${new Date().toUTCString()}`,
    ...(spec.validUntil ? [`Valid-Until: ${spec.validUntil.toUTCString()}`] : []),
    ...(spec.byHash ? ["Acquire-By-Hash: yes"] : []),
    "Architectures: amd64",
    "Components: main",
    "SHA256:",
    ...lines,
    "",
  ].join("\n");
  if (spec.detached) {
    writeFileSync(join(dist, "Release"), release);
    if (spec.key) writeFileSync(join(dist, "Release.gpg"), spec.key.detachSign(Buffer.from(release)));
  } else if (spec.key) {
    writeFileSync(join(dist, "InRelease"), spec.key.clearsign(release));
  } else {
    writeFileSync(join(dist, "InRelease"), release);
  }
}

export interface TestServer {
  url: string;
  /** Paths requested, in order. */
  requests: string[];
  /** Bytes to serve instead of the file at a path. */
  override: Map<string, Buffer>;
  /** Paths whose next request gets its connection reset (a transient failure), once each. */
  resetOnce: Set<string>;
  /** Delay before each response, to make concurrency observable. */
  delayMs: number;
  /** Most requests served at the same time so far. */
  readonly maxInFlight: number;
  close(): Promise<void>;
}

/** Serves `root` read-only on 127.0.0.1 (a random port). */
export async function serveDir(root: string): Promise<TestServer> {
  const requests: string[] = [];
  const override = new Map<string, Buffer>();
  const resetOnce = new Set<string>();
  let inFlight = 0;
  const state = { delayMs: 0, maxInFlight: 0 };
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    requests.push(path);
    if (resetOnce.delete(path)) {
      req.socket.destroy();
      return;
    }
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    res.on("close", () => inFlight--);
    if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
    let body = override.get(path);
    if (!body) {
      try {
        if (path.includes("..")) throw new Error("no");
        body = readFileSync(join(root, path));
      } catch {
        res.writeHead(404).end("not found");
        return;
      }
    }
    const etag = `"${createHash("sha256").update(body).digest("hex").slice(0, 16)}"`;
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, { etag }).end();
      return;
    }
    res.writeHead(200, { "content-length": body.length, etag }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    override,
    resetOnce,
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(v: number) {
      state.delayMs = v;
    },
    get maxInFlight() {
      return state.maxInFlight;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const addr = s.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
