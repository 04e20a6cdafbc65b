// The registry transport (OCI distribution spec): read images and indexes from a registry and
// push them to one. Modelled on go-containerregistry's pkg/v1/remote.
//
// Decisions, in one place:
// - Scheme: https. Loopback hosts (127.0.0.0/8, localhost, [::1]) and `insecureRegistries` are
//   pinged over plain http first; if that port answers like a TLS port (400, dropped connection),
//   https follows (certificate verified for loopback, not verified for insecure hosts).
// - Auth: `GET /v2/` learns the challenge once per operation. Basic: credentials are checked right
//   there. Bearer: one token per registry + scope set (`repository:dst:pull,push` plus
//   `repository:src:pull` for every mount source), refreshed on expiry or on a 401 that asks for
//   more scope. Credentials come from `auth` (--creds) or the keychain (docker/podman files,
//   credential helpers). No credential ever appears in an error.
// - Retries: 429 (Retry-After honoured, capped), 408/500/502/503/504 and connection resets or
//   timeouts, `maxAttempts` tries (5) with exponential backoff and jitter (250 ms doubling to 8 s).
//   Refused connections and unknown hosts fail at once. A streamed upload is never replayed: the
//   whole upload restarts with a new session.
// - Push: HEAD each blob, mount from the layer's origin() repository on the same registry, else
//   upload with POST + one streamed PUT, or PATCH chunks of 16 MiB (or the registry's
//   OCI-Chunk-Min-Length) for blobs over 64 MiB. `jobs` (4) blobs at a time; manifests last.
//   (Single-request `POST ?digest=` uploads are not used: distribution 2.x ignores them.)
// - Pull: manifests are verified (by digest always, by tag against Docker-Content-Digest) and
//   refused over MAX_MANIFEST_BYTES; blobs stream through a digest-and-size check.
export { deleteManifest, exists, head, image, index, listTags, read, selectPlatform, defaultPlatform, MANIFEST_ACCEPT, type RefInput } from "./read.js";
export { write, type Pushable } from "./write.js";
export { DEFAULT_CHUNK_SIZE, DEFAULT_CHUNK_THRESHOLD, type RemoteOptions } from "./options.js";
export { RegistryError, redactUrl, type Diagnostic } from "./errors.js";
export {
  anonymousKeychain,
  authFiles,
  configKeychain,
  parseCredentials,
  type Credentials,
  type Keychain,
} from "./auth/keychain.js";
