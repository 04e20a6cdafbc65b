// A .deb on disk: its control information (control, conffiles, md5sums, maintainer scripts) and
// its data.tar entries, streamed one by one to a caller who decides where they go.
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { posix } from "node:path";
import { Readable } from "node:stream";
import { extract as tarExtract, type Header } from "tar-stream";
import { extract, type OciError } from "../../oci/index.js";
import { DepsError } from "../errors.js";
import { readArMembers, type ArMember } from "./ar.js";
import { parseParagraph, type Paragraph } from "./deb822.js";
import { compressionOf, decompress, systemDecompressors, type Decompressors } from "./decompress.js";

export interface DebControl {
  /** The parsed `control` file. */
  fields: Paragraph;
  /** The `control` file as shipped. */
  control: string;
  /** Absolute paths from `conffiles`. */
  conffiles: string[];
  /** The `md5sums` file as shipped (`<md5>  <path>` lines), or "" when the package has none. */
  md5sums: string;
  /** Maintainer scripts present (preinst, postinst, prerm, postrm, config). */
  scripts: string[];
  /** Every file of control.tar (templates, triggers, shlibs, symbols, ...). */
  files: string[];
}

export type DataEntryType = "file" | "directory" | "symlink" | "link" | "character-device" | "block-device" | "fifo";

export interface DataEntry {
  /** Normalised relative path, e.g. `usr/share/zoneinfo/UTC` (no `./`, no trailing slash). */
  path: string;
  type: DataEntryType;
  mode: number;
  uid: number;
  gid: number;
  uname?: string;
  gname?: string;
  size: number;
  mtime: Date;
  /** Symlink target as written, or for hard links the normalised path of the linked entry. */
  linkname?: string;
  devmajor?: number;
  devminor?: number;
}

/**
 * Receives one data.tar entry. For files, read `body` to the end (e.g. `pipeline(body, file)`)
 * or not at all (it is then skipped); never stop halfway.
 */
export type OnDataEntry = (entry: DataEntry, body: AsyncIterable<Buffer>) => Promise<void> | void;

export interface DebFile {
  path: string;
  members: ArMember[];
  readControl(): Promise<DebControl>;
  /** Streams every data.tar entry to `onEntry`, in archive order. */
  unpackData(onEntry: OnDataEntry): Promise<void>;
  /** The decompressed data.tar as a stream (for `oci.extract.extractTar` or any tar reader). */
  dataTar(): Readable;
  /**
   * Unpacks data.tar into `targetDir` with oci's safe extractor (nothing lands outside it).
   * Defaults suited to a root filesystem: parent symlinks followed inside the target
   * (`lib -> usr/lib`), archive modes kept, devices refused.
   */
  extractData(targetDir: string, opts?: extract.ExtractOptions): Promise<extract.ExtractStats>;
}

const SCRIPTS = ["preinst", "postinst", "prerm", "postrm", "config"];
const CONTROL_LIMIT = 64 * 1024 * 1024;

export async function openDeb(path: string, deps: { decompressors?: Decompressors; what?: string } = {}): Promise<DebFile> {
  const what = deps.what ?? path;
  const decompressors = deps.decompressors ?? systemDecompressors();
  const fh = await open(path, "r");
  let members: ArMember[];
  try {
    members = await readArMembers(fh, what);
  } finally {
    await fh.close();
  }
  const first = members[0];
  if (!first || first.name !== "debian-binary") throw new DepsError("DEBIAN_DEB", `${what}: the first member is not debian-binary`);
  const control = members.find((m) => m.name.startsWith("control.tar"));
  const data = members.find((m) => m.name.startsWith("data.tar"));
  if (!control || !data) throw new DepsError("DEBIAN_DEB", `${what}: missing ${control ? "data.tar" : "control.tar"}`);

  const plain = (m: ArMember): Readable => {
    const raw = m.size === 0 ? Readable.from([]) : createReadStream(path, { start: m.offset, end: m.offset + m.size - 1 });
    return decompress(raw, decompressors.open(compressionOf(m.name), `${m.name} of ${what}`));
  };

  const entries = async (m: ArMember, onEntry: (h: Header, body: AsyncIterable<Buffer>) => Promise<void>) => {
    const input = plain(m);
    const ex = tarExtract();
    let streamError: unknown;
    const fail = (e: unknown) => {
      streamError ??= e;
      ex.destroy(e as Error);
    };
    input.once("error", fail);
    input.pipe(ex as unknown as NodeJS.WritableStream);
    let callerError: { e: unknown } | undefined;
    try {
      for await (const entry of ex) {
        const body = entry as unknown as AsyncIterable<Buffer>;
        try {
          await onEntry(entry.header, body);
        } catch (e) {
          callerError = { e };
          throw e;
        }
        for await (const _ of body) {
          // skip what the callback did not read
        }
      }
    } catch (e) {
      input.destroy();
      throw callerError ? callerError.e : wrap(streamError ?? e, `${m.name} of ${what}`);
    }
    if (streamError) throw wrap(streamError, `${m.name} of ${what}`);
  };

  return {
    path,
    members,
    async readControl() {
      const files = new Map<string, Buffer>();
      let total = 0;
      await entries(control, async (h, body) => {
        if (h.type !== "file") return;
        const chunks: Buffer[] = [];
        for await (const c of body) {
          total += (c as Buffer).length;
          if (total > CONTROL_LIMIT) throw new DepsError("DEBIAN_DEB", `${what}: control.tar is unreasonably large`);
          chunks.push(c as Buffer);
        }
        files.set(normalise(h.name, what), Buffer.concat(chunks));
      });
      const text = (n: string) => files.get(n)?.toString("utf8") ?? "";
      const controlText = text("control");
      if (!controlText) throw new DepsError("DEBIAN_DEB", `${what}: control.tar has no control file`);
      return {
        fields: parseParagraph(controlText),
        control: controlText,
        conffiles: text("conffiles").split("\n").map((l) => l.trim()).filter(Boolean),
        md5sums: text("md5sums"),
        scripts: SCRIPTS.filter((s) => files.has(s)),
        files: [...files.keys()].sort(),
      };
    },
    dataTar() {
      return plain(data);
    },
    extractData(targetDir, opts = {}) {
      return extract.extractTar(plain(data), targetDir, { what, parentSymlinks: "inside", ...opts });
    },
    async unpackData(onEntry) {
      await entries(data, async (h, body) => {
        const p = normalise(h.name, what);
        if (p === "") return; // the "./" root entry
        const type = (h.type ?? "file") === "contiguous-file" ? "file" : (h.type ?? "file");
        if (!ENTRY_TYPES.has(type)) return; // pax/gnu meta headers never reach here; anything else is skipped
        const e: DataEntry = {
          path: p,
          type: type as DataEntryType,
          mode: h.mode ?? 0o644,
          uid: h.uid ?? 0,
          gid: h.gid ?? 0,
          size: type === "file" ? (h.size ?? 0) : 0,
          mtime: h.mtime ?? new Date(0),
        };
        if (h.uname) e.uname = h.uname;
        if (h.gname) e.gname = h.gname;
        if (h.linkname) e.linkname = type === "link" ? normalise(h.linkname, what) : h.linkname;
        if (h.devmajor !== undefined && (type === "character-device" || type === "block-device")) {
          e.devmajor = h.devmajor;
          e.devminor = h.devminor ?? 0;
        }
        await onEntry(e, body);
      });
    },
  };
}

const ENTRY_TYPES = new Set(["file", "directory", "symlink", "link", "character-device", "block-device", "fifo"]);

/** `./usr/bin/` → `usr/bin`; refuses paths that climb out of the root. */
function normalise(name: string, what: string): string {
  if (name.split("/").includes("..")) throw new DepsError("DEBIAN_DEB", `${what}: entry ${JSON.stringify(name)} escapes the root`);
  const n = posix.normalize(`/${name}`).replace(/^\/+/, "").replace(/\/+$/, "");
  if (n === "." || n === "") return "";
  return n;
}

function wrap(e: unknown, what: string): unknown {
  if (e instanceof DepsError || (e as OciError | undefined)?.name === "OciError") return e;
  return new DepsError("DEBIAN_DEB", `cannot read ${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}
