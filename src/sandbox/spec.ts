/**
 * A sandbox's network. "on": a network namespace of its own with outbound access only (through
 * slirp4netns, as rootless podman does): the host's loopback services are out of reach. "off": no
 * network at all, only its own loopback. "host": the host's network, loopback included (an
 * explicit opt-in).
 */
export type SandboxNetwork = "on" | "off" | "host";

/** What one sandboxed process gets: nothing of the host but what is listed here. */
export interface SandboxSpec {
  /** The root filesystem (an extracted build image), mounted read-only at `/`. */
  rootfs: string;
  /** Host paths made visible inside, at the same paths the image will have. */
  binds: readonly Bind[];
  uid: number;
  gid: number;
  /** Working directory inside the sandbox. */
  cwd: string;
  /** The complete environment: nothing is inherited. */
  env: Readonly<Record<string, string>>;
  /** The process's network (default "on"). */
  network?: SandboxNetwork;
  argv: readonly string[];
  hostname?: string;
}

export interface Bind {
  /** Path on the host. */
  source: string;
  /** Path inside the sandbox. */
  target: string;
  readOnly?: boolean;
}

/** How a process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Where output goes, chunk by chunk, as it arrives. */
export interface ProcessIo {
  stdout?: (chunk: Buffer) => void;
  stderr?: (chunk: Buffer) => void;
  signal?: AbortSignal;
}
