import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

/** The hex digest of a file's bytes. */
export async function hashFile(path: string, algorithm: string): Promise<string> {
  const h = createHash(algorithm);
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}
