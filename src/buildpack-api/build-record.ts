// What a bin/build depended on beyond its files (cnb/build-record.ts), seen through observe.ts:
// the dependency metadata its sources published, and whether it started a process (whose own
// inputs, a package manager's registry queries say, nobody can check again: such a build is not
// memoisable). Reading and writing files, and downloads verified by checksum, need no record.
import type { BuildRecord, MetadataUse } from "../cnb/index.js";
import { type Observed, type Observer, observe } from "./observe.js";

class BuildRecorder implements Observer {
  readonly metadata: MetadataUse[] = [];
  reason: string | undefined;

  on(e: Observed): void {
    if (e.type === "process" && !e.pure) this.reason ??= "it started a process";
    if (e.type === "metadata") {
      const m = e.message as MetadataUse;
      if (typeof m === "object" && m !== null && typeof m.source === "string") this.metadata.push(m);
      else this.reason ??= "a dependency source published metadata in an unknown form";
    }
  }
}

/** Runs `build` and says what it depended on. */
export async function recordBuild<T>(build: () => Promise<T>): Promise<{ value: T; record: BuildRecord }> {
  const r = new BuildRecorder();
  const value = await observe(r, build);
  return { value, record: r.reason !== undefined ? { memoisable: false, reason: r.reason, metadata: r.metadata } : { memoisable: true, metadata: r.metadata } };
}
