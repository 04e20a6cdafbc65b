import type { Digest } from "./digest.js";

/**
 * What long operations report as they go. Transports take an optional `onProgress`; the CLI turns
 * events into live lines on a terminal and one line per finished step otherwise.
 */
export type ProgressEvent =
  | { kind: "blob-start"; op: BlobOp; digest: Digest; total: number; what?: string }
  | { kind: "blob-progress"; op: BlobOp; digest: Digest; done: number; total: number }
  | {
      kind: "blob-done";
      op: BlobOp;
      digest: Digest;
      total: number;
      result: "transferred" | "exists" | "mounted";
      /** The step's own line is written elsewhere (a buildpack's log): a renderer only ends its live line. */
      logged?: boolean;
    }
  | { kind: "message"; text: string };

export type BlobOp = "upload" | "download" | "write" | "compress";

export type OnProgress = (e: ProgressEvent) => void;

export const noProgress: OnProgress = () => {};
