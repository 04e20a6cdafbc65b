// Debian's names for releases and architectures.

const CODENAMES: Readonly<Record<string, string>> = { "10": "buster", "11": "bullseye", "12": "bookworm", "13": "trixie", "14": "forky", "15": "duke" };

/** `13` → `trixie` (the VERSION_ID of /etc/os-release, as CNB target data carries it); undefined when unknown. */
export function codenameOf(version: string): string | undefined {
  return CODENAMES[version.split(".")[0] ?? ""];
}

const TRIPLETS: Readonly<Record<string, string>> = {
  amd64: "x86_64-linux-gnu",
  arm64: "aarch64-linux-gnu",
  armhf: "arm-linux-gnueabihf",
  armel: "arm-linux-gnueabi",
  i386: "i386-linux-gnu",
  ppc64el: "powerpc64le-linux-gnu",
  riscv64: "riscv64-linux-gnu",
  s390x: "s390x-linux-gnu",
};

/** The multiarch directory of a Debian architecture: `amd64` → `x86_64-linux-gnu` (as in /usr/lib/x86_64-linux-gnu). */
export function multiarchOf(arch: string): string | undefined {
  return TRIPLETS[arch];
}
