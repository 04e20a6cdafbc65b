// Test helpers for the Go module proxy source: module zips written here, a checksum database with
// its own Ed25519 key (real signed notes, real tiles), and a module proxy on 127.0.0.1 that serves
// both, the way the real ones do, so the go command itself can use them too.
import { createHash, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { createServer, type Server } from "node:http";
import { dirname, join } from "node:path";
import { crc32, deflateRawSync } from "node:zlib";
import { hash1, hash1Mod } from "./zip.js";
import { escapePath } from "./proxy.js";
import { nodeHash, recordHash, TILE_HEIGHT } from "./tlog.js";

/**
 * A zip of `files` under `module@version/`, the way module zips are made (deflated, sorted names,
 * a fixed time). Extra raw entry names (`rawNames`) allow broken zips for tests.
 */
export function moduleZip(module: string, version: string, files: Record<string, string | Buffer>, o: { rawNames?: string[]; store?: boolean } = {}): Buffer {
  const names = [...Object.keys(files).sort().map((f) => `${module}@${version}/${f}`), ...(o.rawNames ?? [])];
  const bodies = [...Object.keys(files).sort().map((f) => Buffer.from(files[f]!)), ...(o.rawNames ?? []).map(() => Buffer.from("x"))];
  const local: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  names.forEach((name, i) => {
    const data = bodies[i]!;
    const packed = o.store ? data : deflateRawSync(data);
    const nameBuf = Buffer.from(name);
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(0x0800, 6); // UTF-8 names
    h.writeUInt16LE(o.store ? 0 : 8, 8);
    h.writeUInt16LE(0, 10);
    h.writeUInt16LE(0x21, 12); // 1980-01-01
    h.writeUInt32LE(crc32(data), 14);
    h.writeUInt32LE(packed.length, 18);
    h.writeUInt32LE(data.length, 22);
    h.writeUInt16LE(nameBuf.length, 26);
    h.writeUInt16LE(0, 28);
    local.push(h, nameBuf, packed);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(0x0800, 8);
    c.writeUInt16LE(o.store ? 0 : 8, 10);
    c.writeUInt16LE(0, 12);
    c.writeUInt16LE(0x21, 14);
    c.writeUInt32LE(crc32(data), 16);
    c.writeUInt32LE(packed.length, 20);
    c.writeUInt32LE(data.length, 24);
    c.writeUInt16LE(nameBuf.length, 28);
    c.writeUInt32LE(offset, 42);
    central.push(c, nameBuf);
    offset += 30 + nameBuf.length + packed.length;
  });
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(names.length, 8);
  end.writeUInt16LE(names.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...local, cd, end]);
}

/** The h1 of a zip made by moduleZip (without raw names). */
export function moduleZipHash(module: string, version: string, files: Record<string, string | Buffer>): string {
  return hash1(Object.entries(files).map(([f, b]) => ({ name: `${module}@${version}/${f}`, sha256: createHash("sha256").update(b).digest("hex") })));
}

/** A checksum database: records appended in order, tiles and signed tree heads made on demand. */
export class FakeSumdb {
  readonly vkey: string;
  private readonly skey: KeyObject;
  private readonly hash: number;
  readonly records: Buffer[] = [];
  private readonly ids = new Map<string, number>();
  /** Tamper hooks for tests. */
  tamper: { lookup?: (body: Buffer) => Buffer; tile?: (path: string, data: Buffer) => Buffer } = {};

  constructor(readonly name = "sum.test.example") {
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const raw = Buffer.concat([Buffer.from([1]), Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url")]);
    this.hash = createHash("sha256").update(`${name}\n`).update(raw).digest().readUInt32BE(0);
    this.vkey = `${name}+${this.hash.toString(16).padStart(8, "0")}+${raw.toString("base64")}`;
    this.skey = privateKey;
  }

  /** Records `module version` with its zip and go.mod hashes. */
  add(module: string, version: string, zipH1: string, modH1: string): void {
    this.ids.set(`${module}@${version}`, this.records.length);
    this.records.push(Buffer.from(`${module} ${version} ${zipH1}\n${module} ${version}/go.mod ${modH1}\n`));
  }

  /** Filler records, so the tree has more levels (tiles above level 0). */
  pad(n: number): void {
    for (let i = 0; i < n; i++) this.records.push(Buffer.from(`example.com/filler${this.records.length} v1.0.0 h1:${Buffer.alloc(32, i % 256).toString("base64")}\n`));
  }

  private memo = new Map<string, Buffer>();
  /** Hash of leaves [lo, hi) of the current tree. */
  private subtree(lo: number, hi: number): Buffer {
    const key = `${lo}:${hi}`;
    let h = this.memo.get(key);
    if (h) return h;
    if (hi - lo === 1) h = recordHash(this.records[lo]!);
    else {
      let k = 1;
      while (k * 2 < hi - lo) k *= 2;
      h = nodeHash(this.subtree(lo, lo + k), this.subtree(lo + k, hi));
    }
    this.memo.set(key, h);
    return h;
  }

  /** The signed tree head for the current size. */
  note(size = this.records.length): Buffer {
    const text = `go.sum database tree\n${size}\n${this.subtree(0, size).toString("base64")}\n`;
    const sig = Buffer.concat([Buffer.alloc(4), sign(null, Buffer.from(text), this.skey)]);
    sig.writeUInt32BE(this.hash, 0);
    return Buffer.from(`${text}\n\u2014 ${this.name} ${sig.toString("base64")}\n`);
  }

  /** Answers `lookup/...`, `tile/...` (the path after `sumdb/<name>/`); undefined: 404. */
  serve(path: string): Buffer | undefined {
    if (path === "supported") return Buffer.alloc(0);
    const look = /^lookup\/(.+)@([^@]+)$/.exec(path);
    if (look) {
      const unescape = (s: string) => s.replace(/!([a-z])/g, (_, c: string) => c.toUpperCase());
      const id = this.ids.get(`${unescape(look[1]!)}@${unescape(look[2]!)}`);
      if (id === undefined) return undefined;
      const body = Buffer.concat([Buffer.from(`${id}\n`), this.records[id]!, Buffer.from("\n"), this.note()]);
      return this.tamper.lookup ? this.tamper.lookup(body) : body;
    }
    const tile = /^tile\/(\d+)\/(\d+)\/((?:x\d{3}\/)*\d{3})(?:\.p\/(\d+))?$/.exec(path);
    if (tile && Number(tile[1]) === TILE_HEIGHT) {
      const level = Number(tile[2]);
      const index = Number(tile[3]!.replace(/x/g, "").replace(/\//g, ""));
      const width = tile[4] ? Number(tile[4]) : 1 << TILE_HEIGHT;
      const span = 2 ** (level * TILE_HEIGHT);
      const size = this.records.length;
      const hashes: Buffer[] = [];
      for (let i = 0; i < width; i++) {
        const lo = (index * 256 + i) * span;
        if (lo + span > size) return undefined;
        hashes.push(this.subtree(lo, lo + span));
      }
      const data = Buffer.concat(hashes);
      return this.tamper.tile ? this.tamper.tile(path, data) : data;
    }
    return undefined;
  }
}

export interface FakeModule {
  module: string;
  version: string;
  files: Record<string, string | Buffer>;
  /** Left out of `@v/list` (the real proxy's gaps). */
  unlisted?: boolean;
  /** Served instead of the real zip (a tampered proxy). */
  zip?: Buffer;
  time?: string;
}

export interface FakeProxy {
  /** `http://127.0.0.1:<port>` */
  url: string;
  requests: string[];
  /** Status to answer for a path (e.g. 503 for retries, 403 for "not available"). */
  fail: Map<string, number[]>;
  sumdb: FakeSumdb | undefined;
  add(m: FakeModule): void;
  stop(): Promise<void>;
}

/** A module proxy on 127.0.0.1 serving `modules` (and `sumdb` under `/sumdb/<name>/`). */
export async function startFakeProxy(modules: FakeModule[], o: { sumdb?: FakeSumdb; notFoundStatus?: number } = {}): Promise<FakeProxy> {
  const byPath = new Map<string, { m: FakeModule; zip: Buffer; mod: string }>();
  const requests: string[] = [];
  const fail = new Map<string, number[]>();
  const add = (m: FakeModule) => {
    const zip = m.zip ?? moduleZip(m.module, m.version, m.files);
    const mod = typeof m.files["go.mod"] === "string" ? (m.files["go.mod"] as string) : `module ${m.module}\n`;
    byPath.set(`${escapePath(m.module)}@${escapePath(m.version)}`, { m, zip, mod });
    o.sumdb?.add(m.module, m.version, moduleZipHash(m.module, m.version, m.files), hash1Mod(Buffer.from(mod)));
  };
  for (const m of modules) add(m);
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? "/").slice(1));
    requests.push(path);
    const statuses = fail.get(path);
    if (statuses && statuses.length > 0) {
      res.writeHead(statuses.shift()!).end("failing on purpose\n");
      return;
    }
    const send = (body: Buffer | string | undefined, type = "text/plain") => {
      if (body === undefined) res.writeHead(o.notFoundStatus ?? 404).end("not found\n");
      else res.writeHead(200, { "content-type": type, "content-length": Buffer.byteLength(body) }).end(body);
    };
    if (o.sumdb && path.startsWith(`sumdb/${o.sumdb.name}/`)) return send(o.sumdb.serve(path.slice(`sumdb/${o.sumdb.name}/`.length)));
    const list = /^(.+)\/@v\/list$/.exec(path);
    if (list) {
      const vs = [...byPath.values()].filter((e) => escapePath(e.m.module) === list[1] && !e.m.unlisted).map((e) => e.m.version);
      return send(vs.length ? `${vs.join("\n")}\n` : undefined);
    }
    const file = /^(.+)\/@v\/(.+)\.(info|mod|zip)$/.exec(path);
    const e = file ? byPath.get(`${file[1]}@${file[2]}`) : undefined;
    if (!file || !e) return send(undefined);
    if (file[3] === "info") return send(JSON.stringify({ Version: e.m.version, Time: e.m.time ?? "2026-01-02T03:04:05Z" }), "application/json");
    if (file[3] === "mod") return send(e.mod);
    return send(e.zip, "application/zip");
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    fail,
    sumdb: o.sumdb,
    add,
    stop: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/**
 * A Go installation for tests that run the real go command: the one on PATH, else the newest
 * toolchain from the configured module proxy, installed once per machine under
 * `$PAKETO_CACHE/test-go/` by this source itself.
 */
export async function testGoroot(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const { findGoroot } = await import("./config.js");
  const onPath = await findGoroot({ PATH: env.PATH });
  if (onPath && (await import("node:fs")).existsSync(join(onPath, "bin", "go"))) return onPath;
  const { GoModuleSource, defaultCacheDir } = await import("./source.js");
  const { resolveToolchain } = await import("./toolchain.js");
  const { existsSync, renameSync, rmSync } = await import("node:fs");
  const source = await GoModuleSource.open({ env });
  const arch = process.arch === "arm64" ? "arm64" : "amd64";
  const r = await resolveToolchain(source, { arch, spec: undefined, where: "tests" });
  const dir = join(dirname(defaultCacheDir(env)), "test-go", r.moduleVersion);
  if (existsSync(join(dir, "bin", "go"))) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  await source.install("golang.org/toolchain", r.moduleVersion, tmp, { exec: (p) => p.startsWith("bin/") || p.startsWith("pkg/tool/") });
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return dir;
}
