// Decompression of indexes and .deb members. gzip comes from node:zlib; xz, zstd and bzip2 run the
// system's reference decoders (xz-utils, zstd, bzip2) as child processes, streaming through pipes:
// Node 20's zlib has neither xz nor zstd, and the reference C decoders are faster and more
// complete than the JavaScript/WASM ports (multi-stream files, BCJ filters, integrity checks).
import { spawn, type ChildProcess } from "node:child_process";
import { Duplex, PassThrough, type Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { DepsError } from "../errors.js";

export type Compression = "none" | "gzip" | "xz" | "lzma" | "zstd" | "bzip2";

/** The compression a file name announces: `.gz`, `.xz`, `.lzma`, `.zst`, `.bz2`, or none. */
export function compressionOf(name: string): Compression {
  if (name.endsWith(".gz")) return "gzip";
  if (name.endsWith(".xz")) return "xz";
  if (name.endsWith(".lzma")) return "lzma";
  if (name.endsWith(".zst")) return "zstd";
  if (name.endsWith(".bz2")) return "bzip2";
  return "none";
}

export interface Decompressors {
  /** A transform from compressed to plain bytes; it errors (never ends early) on corrupt input. */
  open(c: Compression, what: string): Duplex;
  /** Can `c` be decoded here? (Used to choose between Packages.xz and Packages.gz.) */
  supports(c: Compression): Promise<boolean>;
}

const COMMANDS: Record<"xz" | "lzma" | "zstd" | "bzip2", { cmd: string; args: string[]; pkg: string }> = {
  xz: { cmd: "xz", args: ["--decompress", "--stdout", "--format=xz"], pkg: "xz-utils" },
  lzma: { cmd: "xz", args: ["--decompress", "--stdout", "--format=lzma"], pkg: "xz-utils" },
  zstd: { cmd: "zstd", args: ["--decompress", "--stdout", "-q"], pkg: "zstd" },
  bzip2: { cmd: "bzip2", args: ["--decompress", "--stdout"], pkg: "bzip2" },
};

export function systemDecompressors(): Decompressors {
  const available = new Map<string, Promise<boolean>>();
  return {
    open(c, what) {
      if (c === "none") return new PassThrough();
      if (c === "gzip") return createGunzip();
      const { cmd, args, pkg } = COMMANDS[c];
      return new ProcessStream(cmd, args, what, pkg);
    },
    supports(c) {
      if (c === "none" || c === "gzip") return Promise.resolve(true);
      const { cmd } = COMMANDS[c];
      let p = available.get(cmd);
      if (!p) {
        p = new Promise<boolean>((resolve) => {
          const child = spawn(cmd, ["--version"], { stdio: "ignore" });
          child.on("error", () => resolve(false));
          child.on("close", (code) => resolve(code === 0));
        });
        available.set(cmd, p);
      }
      return p;
    },
  };
}

/**
 * A child process as a Duplex: bytes written go to its stdin, its stdout is the readable side.
 * The readable side ends only once the process has exited 0, so a decoder that fails midway can
 * never look like a short, valid stream.
 */
class ProcessStream extends Duplex {
  private readonly child: ChildProcess;
  private stderr = "";
  private stdinGone = false;
  private pendingWrite: (() => void) | undefined;

  constructor(cmd: string, args: string[], what: string, pkg: string) {
    super();
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    this.child = child;
    const stdin = child.stdin!;
    const stdout = child.stdout!;
    child.stderr!.on("data", (d: Buffer) => {
      if (this.stderr.length < 4096) this.stderr += d.toString();
    });
    stdin.on("error", () => this.stdinClosed());
    stdin.on("close", () => this.stdinClosed());
    stdin.on("drain", () => this.releaseWrite());
    stdout.on("data", (d: Buffer) => {
      if (!this.push(d)) stdout.pause();
    });
    child.on("error", (e: NodeJS.ErrnoException) => {
      this.destroy(
        e.code === "ENOENT"
          ? new DepsError("DEBIAN_DECOMPRESS", `${cmd} is not installed: cannot decompress ${what}`, {
              hint: `install ${pkg} (apt-get install ${pkg})`,
              cause: e,
            })
          : new DepsError("DEBIAN_DECOMPRESS", `running ${cmd} to decompress ${what} failed`, { cause: e }),
      );
    });
    child.on("close", (code, signal) => {
      this.stdinClosed();
      if (code === 0) this.push(null);
      else if (!this.destroyed) {
        this.destroy(
          new DepsError("DEBIAN_DECOMPRESS", `${cmd} could not decompress ${what}: ${this.stderr.trim() || `exit ${code ?? signal}`}`, {
            hint: "the file is corrupt or truncated",
          }),
        );
      }
    });
  }

  override _read(): void {
    this.child.stdout?.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.stdinGone) return cb(); // the process stopped reading; its exit status tells why
    if (this.child.stdin!.write(chunk)) cb();
    else this.pendingWrite = () => cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (!this.stdinGone) this.child.stdin!.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.releaseWrite();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
    cb(err);
  }

  private stdinClosed(): void {
    this.stdinGone = true;
    this.releaseWrite();
  }

  private releaseWrite(): void {
    const w = this.pendingWrite;
    this.pendingWrite = undefined;
    w?.();
  }
}

/** Pipes `source` through a decompressor, returning the plain stream (errors propagate). */
export function decompress(source: Readable, d: Duplex): Duplex {
  source.on("error", (e) => d.destroy(e));
  d.on("close", () => source.destroy());
  source.pipe(d);
  return d;
}
