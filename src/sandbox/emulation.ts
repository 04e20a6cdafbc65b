// Running another architecture's programs here (docs/multiarch.md): the kernel's binfmt_misc hands
// foreign ELF files to qemu's user-mode emulator. The registration must carry the F flag ("fix
// binary": the kernel opens the emulator when it is registered), because inside bubblewrap the
// host's emulator path does not exist. Checked by reading /proc, never by running anything.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { SandboxError } from "./errors.js";

/** ELF e_machine of each OCI architecture (64-bit little-endian ones). */
const ELF_MACHINE: Record<string, number> = { amd64: 0x3e, arm64: 0xb7, riscv64: 0xf3 };
/** qemu's name for each OCI architecture, as Debian's qemu-user-static registers it. */
const QEMU_NAME: Record<string, string> = { amd64: "x86_64", arm64: "aarch64", riscv64: "riscv64" };

export interface EmulationOptions {
  /** The binfmt_misc mount (default /proc/sys/fs/binfmt_misc). */
  binfmtDir?: string;
  /** The host's OCI architecture (default: this process's). */
  hostArch?: string;
}

/** Node's process.arch in OCI's words. */
function hostOciArch(): string {
  return process.arch === "x64" ? "amd64" : process.arch;
}

/** The first 20 bytes of a 64-bit little-endian executable ELF header for `machine`. */
function elfHeader(machine: number): Buffer {
  const b = Buffer.alloc(20);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(b);
  b.writeUInt16LE(2, 16); // ET_EXEC (binfmt masks usually let ET_DYN match too)
  b.writeUInt16LE(machine, 18);
  return b;
}

interface Registration {
  name: string;
  enabled: boolean;
  interpreter: string;
  flags: string;
  offset: number;
  magic: Buffer;
  mask: Buffer | undefined;
}

function parseRegistration(name: string, text: string): Registration | undefined {
  const field = (k: string) => text.split("\n").find((l) => l.startsWith(`${k} `))?.slice(k.length + 1).trim();
  const magic = field("magic");
  if (!magic) return undefined; // an extension-based entry
  const mask = field("mask");
  return {
    name,
    enabled: text.split("\n")[0]?.trim() === "enabled",
    interpreter: field("interpreter") ?? "",
    flags: field("flags:") ?? "",
    offset: Number(field("offset") ?? "0"),
    magic: Buffer.from(magic, "hex"),
    mask: mask ? Buffer.from(mask, "hex") : undefined,
  };
}

function matches(r: Registration, header: Buffer): boolean {
  if (r.offset + r.magic.length > header.length) return false;
  for (let i = 0; i < r.magic.length; i++) {
    const m = r.mask?.[i] ?? 0xff;
    if (((header[r.offset + i] as number) & m) !== ((r.magic[i] as number) & m)) return false;
  }
  return true;
}

/**
 * Checks that programs built for `arch` (OCI name: arm64, amd64) run on this machine, natively or
 * under user-mode emulation usable inside the sandbox. Throws SANDBOX_EMULATION naming what is
 * missing: the architecture, the binfmt_misc mount, the registration, or its F flag.
 */
export async function checkEmulation(arch: string, o: EmulationOptions = {}): Promise<"native" | "emulated"> {
  const host = o.hostArch ?? hostOciArch();
  if (arch === host) return "native";
  const machine = ELF_MACHINE[arch];
  const qemu = QEMU_NAME[arch];
  if (machine === undefined || qemu === undefined) {
    throw new SandboxError("SANDBOX_EMULATION", `cannot run linux/${arch} programs on this linux/${host} machine: no emulation is known for ${arch}`, {
      hint: `the architectures paketo can emulate are ${Object.keys(ELF_MACHINE).join(", ")}`,
    });
  }
  const dir = o.binfmtDir ?? "/proc/sys/fs/binfmt_misc";
  const setup = `apt-get install qemu-user-static binfmt-support, then update-binfmts --enable qemu-${qemu} (scripts/setup.sh --platform linux/${arch} does both)`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    names = [];
  }
  if (!names.includes("status")) {
    throw new SandboxError("SANDBOX_EMULATION", `cannot run linux/${arch} programs on this linux/${host} machine: binfmt_misc is not mounted at ${dir}`, {
      hint: `mount -t binfmt_misc binfmt_misc ${dir}, then ${setup}`,
    });
  }
  const header = elfHeader(machine);
  const regs: Registration[] = [];
  for (const n of names.filter((x) => x !== "status" && x !== "register").sort()) {
    const r = await readFile(join(dir, n), "utf8").then((t) => parseRegistration(n, t), () => undefined);
    if (r && matches(r, header)) regs.push(r);
  }
  const enabled = regs.filter((r) => r.enabled);
  if (enabled.length === 0) {
    throw new SandboxError(
      "SANDBOX_EMULATION",
      regs.length > 0
        ? `cannot run linux/${arch} programs on this linux/${host} machine: the binfmt_misc entry ${regs[0]!.name} is disabled`
        : `cannot run linux/${arch} programs on this linux/${host} machine: no emulator is registered for ${arch} ELF files (qemu-user-static is not installed or not registered)`,
      { hint: regs.length > 0 ? `update-binfmts --enable ${regs[0]!.name}` : setup },
    );
  }
  const usable = enabled.find((r) => r.flags.includes("F"));
  if (!usable) {
    throw new SandboxError(
      "SANDBOX_EMULATION",
      `cannot run linux/${arch} programs inside the build sandbox: the binfmt_misc entry ${enabled[0]!.name} (${enabled[0]!.interpreter}) lacks the F flag, so the emulator is not found inside a root filesystem`,
      { hint: `install Debian's qemu-user-static, which registers qemu-${qemu} with the F flag, and run update-binfmts --enable qemu-${qemu}` },
    );
  }
  return "emulated";
}
