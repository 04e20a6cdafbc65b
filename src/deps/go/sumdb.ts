// The checksum database client: `lookup(module, version)` gives the h1 hashes of the module's zip
// and go.mod, trusted only after the signed tree head verifies with GOSUMDB's key and the record
// is proven to be in that tree (tiles). Asked through the proxy (`<proxy>/sumdb/<name>/...`, when
// the proxy says `supported`), else at GOSUMDB's own URL. Answers and tiles are cached under
// `<cacheDir>/sumdb/<name>/` and verified again on every read, so the cache needs no trust and a
// warm or offline lookup costs no request.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../fs/index.js";
import type { SumdbConfig } from "./config.js";
import { GoProxyError } from "./errors.js";
import { escapePath, isNotFound, ProxyClient } from "./proxy.js";
import { openNote, parseLookup, parseTree, parseVerifierKey, proofTiles, tilePath, verifyInclusion, type Verifier } from "./tlog.js";

export interface ModuleHashes {
  /** h1 of the module zip (`h1:<base64>`). */
  zip: string;
  /** h1 of its go.mod. */
  mod: string;
}

export interface SumdbOptions {
  /** The database (from GOSUMDB). */
  db: SumdbConfig;
  /** The proxies, asked first for `sumdb/<name>/supported`. */
  proxy: ProxyClient;
  cacheDir: string;
  offline?: boolean;
}

export class SumdbClient {
  private readonly verifier: Verifier;
  private readonly dir: string;
  private base: Promise<{ client: ProxyClient; prefix: string }> | undefined;

  constructor(private readonly o: SumdbOptions) {
    if (!o.db.key) {
      throw new GoProxyError("GOPROXY_CONFIG", `GOSUMDB names the checksum database ${o.db.name} without its public key, and no Go installation here knows it`, {
        hint: "give GOSUMDB as name+key (the key the go command has for it), or install Go where paketo runs so its configuration is read",
      });
    }
    this.verifier = parseVerifierKey(o.db.key);
    if (this.verifier.name !== o.db.name) throw new GoProxyError("GOPROXY_CONFIG", `GOSUMDB: the key is for ${this.verifier.name}, not ${o.db.name}`);
    this.dir = join(o.cacheDir, "sumdb", escapePath(o.db.name, "checksum database name"));
  }

  get name(): string {
    return this.o.db.name;
  }

  /** Where requests go: the first proxy that supports this database, else its own URL. */
  private where(): Promise<{ client: ProxyClient; prefix: string }> {
    this.base ??= (async () => {
      const prefix = `sumdb/${this.o.db.name}`;
      try {
        await this.o.proxy.text(`${prefix}/supported`);
        return { client: this.o.proxy, prefix };
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      const url = this.o.db.url ?? `https://${this.o.db.name}`;
      return { client: new ProxyClient([{ kind: "url", url, fallbackOnError: false }], this.o.proxy.http), prefix: "" };
    })();
    return this.base;
  }

  /** A file of the database, from the cache or fetched (and then cached); `fresh` skips the cache. */
  private async file(rel: string, fresh = false): Promise<Buffer> {
    const path = join(this.dir, rel);
    const cached = fresh ? undefined : await readFile(path).catch(() => undefined);
    if (cached) return cached;
    if (this.o.offline) {
      throw new GoProxyError("GOPROXY_OFFLINE", `offline: the checksum database's ${rel} is not cached`, { hint: `run once with the network to fill the cache (${this.o.cacheDir})` });
    }
    const { client, prefix } = await this.where();
    const { bytes } = await client.bytes(prefix ? `${prefix}/${rel}` : rel);
    await writeFileAtomic(path, bytes);
    return bytes;
  }

  /**
   * The verified hashes of `module@version`. Cached answers and tiles are verified again (signature
   * and inclusion proof); when they fail, everything is asked for afresh, once.
   */
  async lookup(module: string, version: string): Promise<ModuleHashes> {
    try {
      return await this.verified(module, version, false);
    } catch (e) {
      if (!(e instanceof GoProxyError) || e.code !== "GOPROXY_SUMDB" || this.o.offline) throw e;
      return this.verified(module, version, true);
    }
  }

  private async verified(module: string, version: string, fresh: boolean): Promise<ModuleHashes> {
    const body = await this.file(`lookup/${escapePath(module)}@${escapePath(version, "version")}`, fresh);
    const { id, record, note } = parseLookup(body);
    const tree = parseTree(openNote(note, this.verifier));
    const tiles = new Map<string, Buffer>();
    await Promise.all(proofTiles(id, tree.size).map(async (t) => tiles.set(tilePath(t), await this.file(tilePath(t), fresh))));
    if (!verifyInclusion(record, id, tree.size, tree.root, tiles)) {
      throw new GoProxyError("GOPROXY_SUMDB", `the checksum database's record for ${module}@${version} is not in its signed tree (record ${id} of ${tree.size})`, {
        hint: "the proxy (or something between) altered the checksum database's answer",
      });
    }
    return recordHashes(record.toString("utf8"), module, version);
  }
}

/** The zip and go.mod h1 hashes a record gives for exactly `module@version`. */
export function recordHashes(text: string, module: string, version: string): ModuleHashes {
  let zip: string | undefined;
  let mod: string | undefined;
  for (const line of text.split("\n")) {
    const [m, v, h] = line.split(" ");
    if (m !== module || !h?.startsWith("h1:")) continue;
    if (v === version) zip = h;
    else if (v === `${version}/go.mod`) mod = h;
  }
  if (!zip || !mod) {
    throw new GoProxyError("GOPROXY_SUMDB", `the checksum database's record does not name ${module}@${version}`, { hint: "the proxy answered a lookup with another module's record" });
  }
  return { zip, mod };
}
