// Where each image of a stack goes when one destination names them all: the flavor's tag
// (build, run, run-tiny) on the destination's repository, or appended to its tag.
import { transport } from "../oci/index.js";
import { StackError } from "./errors.js";
import { FLAVOR_TAGS } from "./image.js";
import type { FlavorName, StackDefinition } from "./stack-file.js";

/** The default destination: `paketo/<stack name>` in the local store. */
export function defaultDestination(def: StackDefinition): string {
  return `paketo/${def.name}`;
}

/**
 * `paketo/trixie` → `paketo/trixie:build`, `:run`, `:run-tiny`; a tag is kept as a prefix
 * (`paketo/trixie:2025.1` → `:2025.1-build`); `oci:DIR` gets tags in one layout (blobs shared);
 * archives get one file per image (`stack.tar` → `stack-build.tar`).
 */
export function flavorDestination(dest: transport.ImageName, flavor: FlavorName): transport.ImageName {
  const t = FLAVOR_TAGS[flavor];
  const tagged = (tag: string | undefined) => (tag ? `${tag}-${t}` : t);
  switch (dest.transport) {
    case "store":
    case "docker": {
      const ref = dest.transport === "store" ? dest.name : dest.ref;
      if (ref.includes("@")) {
        throw new StackError("STACK_DESTINATION", `${transport.formatImageName(dest)} names a digest; the stack's images need tags`, {
          hint: "name a repository (paketo/trixie) and let the flavors be tags, or pass --flavor to write one image",
        });
      }
      const [repo, tag] = splitTag(ref);
      const out = `${repo}:${tagged(tag)}`;
      return dest.transport === "store" ? { transport: "store", name: out } : { transport: "docker", ref: out };
    }
    case "oci":
      return { transport: "oci", dir: dest.dir, tag: tagged(dest.tag) };
    case "oci-archive":
      return { transport: "oci-archive", file: suffixed(dest.file, t), ...(dest.tag ? { tag: dest.tag } : {}) };
    case "docker-archive":
      return { transport: "docker-archive", file: suffixed(dest.file, t), ...(dest.ref ? { ref: `${splitTag(dest.ref)[0]}:${tagged(splitTag(dest.ref)[1])}` } : {}) };
  }
}

/** `host:5000/repo:tag` → [`host:5000/repo`, `tag`]. */
function splitTag(ref: string): [string, string | undefined] {
  const slash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  return colon > slash ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, undefined];
}

/** `out/stack.tar` → `out/stack-build.tar`; `stack` → `stack-build`. */
function suffixed(file: string, suffix: string): string {
  const slash = file.lastIndexOf("/");
  const dot = file.lastIndexOf(".");
  return dot > slash + 1 ? `${file.slice(0, dot)}-${suffix}${file.slice(dot)}` : `${file}-${suffix}`;
}
