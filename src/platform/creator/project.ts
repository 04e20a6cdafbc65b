// project.toml for `paketo build` (CNB-70): the build env, the source filter, the buildpacks, the
// default builder and the project metadata the image records. Parsing is `cnb`'s; this file reads
// the file and turns the descriptor into build inputs, naming the file and field in every error.
import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { parseProjectDescriptor, type ProjectDescriptor, type ProjectMetadata } from "../../cnb/index.js";
import { PaketoError } from "../../errors/index.js";

export interface Project {
  /** The descriptor file. */
  path: string;
  /** Its folder: relative buildpack uris are resolved from here. */
  dir: string;
  descriptor: ProjectDescriptor;
  /** Schema 0.1 assumed because the file has no `[_] schema-version` (pack warns about it too). */
  legacy: boolean;
}

/** Reads and parses a project descriptor. */
export async function readProject(path: string): Promise<Project> {
  const text = await readFile(path, "utf8").catch((e: unknown) => {
    throw new PaketoError("PLATFORM_PROJECT", `the project descriptor ${path} cannot be read`, { cause: e });
  });
  const descriptor = parseProjectDescriptor(text, path);
  const legacy = descriptor.schemaVersion === "0.1" && !/^\s*\[\s*_\s*\]/m.test(text);
  for (const [i, e] of descriptor.env.entries()) checkEnvName(e.name, `${path}: ${envField(descriptor)}[${i}].name`);
  return { path, dir: dirname(path), descriptor, legacy };
}

function envField(d: ProjectDescriptor): string {
  return d.schemaVersion === "0.1" ? "build.env" : "io.buildpacks.build.env";
}

/** Where buildpack entries of a group are, for messages. */
export function groupField(d: ProjectDescriptor, which: "group" | "pre" | "post", i: number): string {
  if (d.schemaVersion === "0.1") return `build.buildpacks[${i}]`;
  return which === "group" ? `io.buildpacks.group[${i}]` : `io.buildpacks.${which}.group[${i}]`;
}

/**
 * An env var name as a `<platform>/env/<NAME>` file name: not empty, no `=`, `/` or NUL, not `.` or
 * `..` (so it can neither escape the env dir nor be unreadable as a variable).
 */
export function checkEnvName(name: string, where: string): void {
  if (name === "" || name === "." || name === ".." || /[=/\0]/.test(name)) {
    throw new PaketoError("PLATFORM_ENV", `${where}: ${JSON.stringify(name)} is not an environment variable name`, {
      hint: "a name has no =, / or NUL characters",
    });
  }
}

/** The build env the descriptor sets (`[[io.buildpacks.build.env]]`); later entries win. */
export function projectEnv(d: ProjectDescriptor): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of d.env) out[e.name] = e.value;
  return out;
}

/**
 * project-metadata.toml from the descriptor, as pack writes it: `[source] type = "project"`,
 * `[source.version] declared = <version>`, `[source.metadata] url = <source-url>`; paketo also
 * records the project's `id` and `name` there. Nothing when the descriptor names none of them.
 */
export function projectMetadataOf(d: ProjectDescriptor): ProjectMetadata {
  const p = d.project;
  if (p.id === undefined && p.name === undefined && p.version === undefined && p.sourceUrl === undefined) return {};
  const metadata: Record<string, string> = {};
  if (p.id !== undefined) metadata.id = p.id;
  if (p.name !== undefined) metadata.name = p.name;
  if (p.sourceUrl !== undefined) metadata.url = p.sourceUrl;
  const source: NonNullable<ProjectMetadata["source"]> = { type: "project" };
  if (p.version !== undefined) source.version = { declared: p.version };
  if (Object.keys(metadata).length > 0) source.metadata = metadata;
  return { source };
}
