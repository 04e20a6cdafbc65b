// dpkg status entries, written the distroless way: one file per package under
// /var/lib/dpkg/status.d/, plus <name>.md5sums beside it. Trivy, Grype and Syft read this layout
// to know which Debian packages (and, from md5sums, which files) an image holds. And read back:
// which packages a status database says are installed.
import { parseDeb822 } from "./deb822.js";
import type { InstalledPackage } from "./resolver.js";

/** Fields that exist only in archive indexes, never in an installed package's status. */
const INDEX_ONLY = new Set(["filename", "size", "md5sum", "sha1", "sha256", "sha512", "description-md5", "tag", "task", "phased-update-percentage", "status"]);

/**
 * The text of a dpkg status entry: the package's control fields (from the .deb's control file,
 * or an index stanza with its archive-only fields dropped), with `Status: install ok installed`
 * right after `Package:` as dpkg writes it. Field order and continuation lines are kept.
 */
export function writeStatusEntry(pkg: { control: string }): string {
  const out: string[] = [];
  let keep = true;
  for (const line of pkg.control.replace(/\r\n/g, "\n").split("\n")) {
    if (line.trim() === "") continue;
    if (line[0] === " " || line[0] === "\t") {
      if (keep) out.push(line);
      continue;
    }
    const name = line.slice(0, line.indexOf(":")).trim().toLowerCase();
    keep = !INDEX_ONLY.has(name);
    if (!keep) continue;
    out.push(line);
    if (name === "package") out.push("Status: install ok installed");
  }
  return out.join("\n") + "\n";
}

export interface StatusFile {
  /** Path relative to the image root. */
  path: string;
  content: string;
  mode: number;
}

/**
 * The files that record one installed package: `var/lib/dpkg/status.d/<name>` and, when the
 * package ships md5sums, `var/lib/dpkg/status.d/<name>.md5sums` (where Syft looks for the file
 * list of a distroless status.d entry).
 */
export function statusFiles(pkg: { control: string; md5sums?: string }): StatusFile[] {
  const name = /^Package:\s*(\S+)/m.exec(pkg.control)?.[1];
  if (!name) throw new Error("statusFiles: the control text has no Package field");
  const files: StatusFile[] = [{ path: `var/lib/dpkg/status.d/${name}`, content: writeStatusEntry(pkg), mode: 0o644 }];
  if (pkg.md5sums) files.push({ path: `var/lib/dpkg/status.d/${name}.md5sums`, content: pkg.md5sums, mode: 0o644 });
  return files;
}

/**
 * The installed packages a dpkg status database lists (`/var/lib/dpkg/status`, or the entries of
 * `status.d/` concatenated): those whose Status says installed. Half-installed or removed entries
 * and paragraphs without Package, Version or Architecture are left out.
 */
export function parseStatus(text: string): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  for (const p of parseDeb822(text)) {
    const name = p.get("Package");
    const version = p.get("Version");
    const architecture = p.get("Architecture");
    const status = p.get("Status") ?? "install ok installed";
    if (!name || !version || !architecture || !/\binstalled$/.test(status.trim())) continue;
    const provides = p.get("Provides");
    const multiArch = p.get("Multi-Arch");
    out.push({ name, version, architecture, ...(provides ? { provides } : {}), ...(multiArch ? { multiArch } : {}) });
  }
  return out;
}

/** A dpkg status database for `pkgs` (what parseStatus reads back). */
export function formatStatus(pkgs: readonly InstalledPackage[]): string {
  return pkgs
    .map((p) =>
      [
        `Package: ${p.name}`,
        "Status: install ok installed",
        `Architecture: ${p.architecture}`,
        ...(p.multiArch ? [`Multi-Arch: ${p.multiArch}`] : []),
        `Version: ${p.version}`,
        ...(p.provides ? [`Provides: ${p.provides}`] : []),
      ].join("\n"),
    )
    .join("\n\n")
    .concat(pkgs.length ? "\n" : "");
}
