// One front door to every transport: parse a name in containers/image syntax, then read an
// artifact from it or write one to it. The CLI and the platform go through here; each transport
// stays its own module with its own options.
import type { Redactor } from "../../errors/index.js";
import type { Digest } from "../digest.js";
import type { Artifact, Image } from "../image.js";
import { OciError } from "../errors.js";
import { readDockerArchive, readOciArchive, writeDockerArchive, writeOciArchive } from "../archive/index.js";
import { readLayout, writeLayout } from "../layout/index.js";
import { withManifestFormat } from "../mutate/index.js";
import type { OnProgress } from "../progress.js";
import * as remote from "../remote/index.js";
import { defaultStoreRoot, openStore } from "../store/index.js";
import { formatImageName, type ImageName, parseImageName } from "./name.js";

export { formatCnbImageName, formatImageName, hasTransport, parseCnbImageName, parseImageName, type ImageName } from "./name.js";
export { defaultStoreRoot };

export interface TransportOptions {
  /** Root of the local store (`NAME[:TAG]` names). */
  storeRoot: string;
  /** Where credential files are looked up (DOCKER_CONFIG, REGISTRY_AUTH_FILE, HOME, ...). */
  env: NodeJS.ProcessEnv;
  /** `USER:PASS` for the registry named in the reference. */
  creds?: string;
  insecureRegistries?: readonly string[];
  onProgress?: OnProgress;
  /** Write the manifest in this format (changes the digest when it differs from the source's). */
  format?: "oci" | "docker";
  signal?: AbortSignal;
  /** Learns every credential sent to a registry, and takes them out of what registries say back. */
  redactor?: Redactor;
}

function remoteOptions(o: TransportOptions): remote.RemoteOptions {
  const r: remote.RemoteOptions = {
    keychain: remote.configKeychain({ env: o.env }),
    insecureRegistries: o.insecureRegistries ?? [],
  };
  if (o.creds !== undefined) r.auth = remote.parseCredentials(o.creds);
  if (o.onProgress) r.onProgress = o.onProgress;
  if (o.signal) r.signal = o.signal;
  if (o.redactor) {
    r.redactor = o.redactor;
    if (r.auth) o.redactor.add(r.auth.password);
  }
  return r;
}

/** Reads the image or index a name points at. */
export async function read(name: ImageName | string, o: TransportOptions): Promise<Artifact> {
  const n = typeof name === "string" ? parseImageName(name) : name;
  switch (n.transport) {
    case "store":
      return (await openStore(o.storeRoot)).read(n.name);
    case "oci":
      return readLayout(n.dir, n.tag ? { tag: n.tag } : {});
    case "oci-archive":
      return readOciArchive(n.file, n.tag ? { tag: n.tag } : {});
    case "docker-archive": {
      const ref = n.ref;
      const opts = ref?.startsWith("@") ? { index: Number(ref.slice(1)) } : ref ? { name: ref } : {};
      return { kind: "image", image: await readDockerArchive(n.file, opts) };
    }
    case "docker":
      return remote.read(n.ref, remoteOptions(o));
  }
}

/** The one image of an artifact that a single-image sink can hold (an index's image for this machine). */
async function singleImage(a: Artifact, dest: ImageName): Promise<Image> {
  if (a.kind === "image") return a.image;
  const img = await remote.selectPlatform(a.index, remote.defaultPlatform(), formatImageName(dest));
  if (!img) {
    throw new OciError("OCI_TRANSPORT", `${formatImageName(dest)} holds one image, and the source index has none for this platform`, {
      hint: "copy the index to oci:, oci-archive:, docker:// or the local store instead",
    });
  }
  return img;
}

/** Writes an artifact to a name; returns the digest of what was written at the top. */
export async function write(name: ImageName | string, artifact: Artifact, o: TransportOptions): Promise<{ digest: Digest }> {
  const n = typeof name === "string" ? parseImageName(name) : name;
  let a = artifact;
  if (o.format && a.kind === "image") a = { kind: "image", image: withManifestFormat(a.image, o.format) };
  const progress = o.onProgress ? { onProgress: o.onProgress } : {};
  switch (n.transport) {
    case "store": {
      const r = await (await openStore(o.storeRoot)).write(n.name, a, progress);
      return { digest: r.descriptor.digest };
    }
    case "oci":
      return { digest: (await writeLayout(n.dir, a, { ...(n.tag ? { tag: n.tag } : {}), ...progress })).digest };
    case "oci-archive":
      return { digest: (await writeOciArchive(n.file, a, { ...(n.tag ? { tag: n.tag } : {}), ...progress })).digest };
    case "docker-archive": {
      const img = await singleImage(a, n);
      const d = await writeDockerArchive(n.file, img, { repoTags: n.ref ? [n.ref] : [], ...progress });
      return { digest: d.digest };
    }
    case "docker":
      return { digest: (await remote.write(n.ref, a, remoteOptions(o))).digest };
  }
}

/** Reads from one name and writes to another. */
export async function copy(src: ImageName | string, dest: ImageName | string, o: TransportOptions): Promise<{ digest: Digest }> {
  return write(dest, await read(src, o), o);
}
