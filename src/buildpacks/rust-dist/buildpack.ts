// rust-dist: rustc and cargo from Debian's packages into a build-only layer (D10). BP_RUST_TOOLCHAIN
// `stable` is the release's rustc-web/cargo-web; a version is looked for in rustc-web/cargo-web
// (the release, then backports) and then rustc/cargo. The layer is resolved against the build
// image (gcc, binutils and the C library headers rustc links with are there) and kept while the
// resolution is the same. Provides `rust`.
import { defineBuildpack, pass } from "../../buildpack-api/index.js";
import type { DebianLayer, installDebianPackages } from "../../buildpack-api/debian/index.js";
import { debian } from "../../deps/index.js";
import { PaketoError } from "../../errors/index.js";
import { RustError } from "../rust-common/errors.js";
import { PACKAGE_PAIRS, parseToolchain } from "./toolchain.js";

export interface RustDistDeps {
  install: typeof installDebianPackages;
}

/** Documentation, Debian's packaging helpers and the rust-analyzer server: not needed to compile. */
const EXCLUDE_PATHS = ["usr/share/cargo/**", "usr/share/rustc/**", "usr/libexec/rust-analyzer-proc-macro-srv", "usr/lib/rustlib/etc/**", "usr/share/zsh/**", "usr/share/bash-completion/**"];

export const rustDist = (deps: RustDistDeps) =>
  defineBuildpack({
    detect: () => pass({ provides: [{ name: "rust" }] }),

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const toolchain = parseToolchain(ctx.env.BP_RUST_TOOLCHAIN);
      const codename = (ctx.target.distro && debian.codenameOf(ctx.target.distro.version)) || debian.DEFAULT_CODENAME;
      const backports = `${codename}-backports`;
      log.process("Resolving Rust version");
      log.subprocess(toolchain.kind === "stable" ? "BP_RUST_TOOLCHAIN stable: the newest Rust of the Debian release (rustc-web, cargo-web)" : `BP_RUST_TOOLCHAIN ${toolchain.version}`);

      let debs: DebianLayer | undefined;
      const misses: string[] = [];
      for (const pair of toolchain.kind === "stable" ? PACKAGE_PAIRS.slice(0, 1) : PACKAGE_PAIRS) {
        const version = toolchain.kind === "version" ? { version: toolchain.version, source: "BP_RUST_TOOLCHAIN" } : {};
        try {
          debs = await deps.install(ctx, {
            layer: "rust",
            build: true,
            launch: false,
            packages: [
              { name: pair.rustc, ...version },
              { name: pair.cargo, ...version },
            ],
            suites: [backports],
            excludePaths: EXCLUDE_PATHS,
          });
          break;
        } catch (e) {
          // a version this pair lacks: try the next, and list what each has if none does
          if (toolchain.kind === "version" && e instanceof PaketoError && e.code === "BUILDPACK_DEBIAN" && /BP_RUST_TOOLCHAIN/.test(e.message)) {
            misses.push(`${e.message}; ${e.hint ?? ""}`);
            continue;
          }
          throw e;
        }
      }
      if (!debs) {
        throw new RustError("RUST_TOOLCHAIN", `BP_RUST_TOOLCHAIN=${ctx.env.BP_RUST_TOOLCHAIN}: no Debian Rust package has that version.\n${misses.join("\n")}`, {
          hint: "give stable or one of the versions listed",
        });
      }
      const rustc = debs.packages.find((p) => p.name.startsWith("rustc"));
      log.subprocess(`Rust ${rustc?.version ?? "?"} (${debs.packages.filter((p) => /^(rustc|cargo)(-web)?$/.test(p.name)).map((p) => p.name).join(", ")})`);
      log.break();
      return {};
    },
  });
