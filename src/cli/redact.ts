import type { Redactor } from "../errors/index.js";

/**
 * Makes every write to `stream` go through the redactor: whatever prints (a command, the build
 * log, an error, a buildpack's output), a credential paketo sent never reaches the terminal or a
 * log file. Text without secrets passes unchanged, bytes included.
 */
export function redactWrites(stream: NodeJS.WriteStream, redactor: Redactor): void {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]): boolean => {
    if (redactor.size === 0) return write(chunk, ...rest);
    if (typeof chunk === "string") return write(redactor.redact(chunk), ...rest);
    if (chunk instanceof Uint8Array) {
      const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString("utf8");
      const clean = redactor.redact(text);
      return write(clean === text ? chunk : Buffer.from(clean, "utf8"), ...rest);
    }
    return write(chunk, ...rest);
  }) as typeof stream.write;
}
