// extension.toml (CNB-72). paketo does not run image extensions (CNB-73): this reads just enough
// to name an extension in a clear refusal or an "ignored" notice.
import { type ApiVersion } from "./api-version.js";
import { readApi } from "./buildpack-descriptor.js";
import { CnbError } from "./errors.js";
import { readToml } from "./fields.js";
import { type BuildpackId, type BuildpackVersion, parseBuildpackId, parseBuildpackVersion } from "./ids.js";
import { readTargets, type Target } from "./targets.js";

/** extension.toml. Written by the extension author; read by the detector and the extender (CNB-72). */
export interface ExtensionDescriptor {
  api: ApiVersion;
  extension: { id: BuildpackId; version: BuildpackVersion; name?: string };
  targets: Target[];
}

export function parseExtensionDescriptor(text: string, where = "extension.toml"): ExtensionDescriptor {
  const f = readToml(text, where);
  const e = f.sub("extension") ?? f.fail("extension", "table is required", "CNB_MISSING_FIELD");
  const name = e.optStr("name");
  return {
    api: readApi(f),
    extension: {
      id: e.parsed("id", parseBuildpackId),
      version: e.parsed("version", parseBuildpackVersion),
      ...(name === undefined ? {} : { name }),
    },
    targets: readTargets(f),
  };
}

/**
 * The error for an image extension that would have to run (CNB-73). A buildpack that requires
 * what only an extension provides then fails plan resolution, which is the correct outcome.
 */
export function extensionUnsupported(where: string, ext?: ExtensionDescriptor): CnbError {
  const what = ext === undefined ? "an image extension" : `image extension ${ext.extension.id}@${ext.extension.version}`;
  return new CnbError("CNB_EXTENSIONS_UNSUPPORTED", `${where}: ${what} is not supported: paketo does not run image extensions`, {
    hint: "use a builder order without [[order-extensions]], or a run image that already has what the extension adds",
  });
}

/** Reads an extension.toml only to refuse it, naming the extension when the file allows. */
export function refuseExtension(text: string, where = "extension.toml"): never {
  let ext: ExtensionDescriptor | undefined;
  try {
    ext = parseExtensionDescriptor(text, where);
  } catch {
    ext = undefined;
  }
  throw extensionUnsupported(where, ext);
}
