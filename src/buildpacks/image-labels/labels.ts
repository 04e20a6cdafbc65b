// The labels asked for by BP_OCI_* (each its org.opencontainers.image.* key) and BP_IMAGE_LABELS
// (key=value pairs, shell quoting), as a pure function. BP_IMAGE_LABELS comes last, so a key it
// shares with a BP_OCI_* variable takes its value (Paketo appends them in that order, and the
// last label of a key wins).
import { splitWords } from "../procfile/shell-words.js";
import { LabelsError } from "./errors.js";

export const OCI_LABELS: Readonly<Record<string, string>> = {
  BP_OCI_AUTHORS: "org.opencontainers.image.authors",
  BP_OCI_CREATED: "org.opencontainers.image.created",
  BP_OCI_DESCRIPTION: "org.opencontainers.image.description",
  BP_OCI_DOCUMENTATION: "org.opencontainers.image.documentation",
  BP_OCI_LICENSES: "org.opencontainers.image.licenses",
  BP_OCI_REF_NAME: "org.opencontainers.image.ref.name",
  BP_OCI_REVISION: "org.opencontainers.image.revision",
  BP_OCI_SOURCE: "org.opencontainers.image.source",
  BP_OCI_TITLE: "org.opencontainers.image.title",
  BP_OCI_URL: "org.opencontainers.image.url",
  BP_OCI_VENDOR: "org.opencontainers.image.vendor",
  BP_OCI_VERSION: "org.opencontainers.image.version",
};

/** Whether any setting this buildpack reads is present (set, even to empty: Paketo's rule). */
export function hasSettings(env: Readonly<Record<string, string>>): boolean {
  return env.BP_IMAGE_LABELS !== undefined || Object.keys(OCI_LABELS).some((k) => env[k] !== undefined);
}

/** `a=b c="d e"` → { a: "b", c: "d e" }; a later pair of the same key wins. */
export function parseImageLabels(text: string): Record<string, string> {
  const r = splitWords(text, { operators: "literal" });
  if (!r.ok) throw new LabelsError("LABELS_SYNTAX", `BP_IMAGE_LABELS: ${r.problem}`, { hint: 'write key=value pairs separated by spaces; quote values with spaces: title="My App"' });
  const out: Record<string, string> = {};
  for (const w of r.words) {
    if (w.eq < 0) throw new LabelsError("LABELS_SYNTAX", `BP_IMAGE_LABELS: ${JSON.stringify(w.value)} is not key=value`, { hint: "an = inside quotes does not count; a value with spaces needs quotes" });
    const key = w.value.slice(0, w.eq);
    if (key === "") throw new LabelsError("LABELS_SYNTAX", `BP_IMAGE_LABELS: ${JSON.stringify(w.value)} has an empty key`);
    out[key] = w.value.slice(w.eq + 1);
  }
  return out;
}

/** Every label, BP_OCI_* first, then BP_IMAGE_LABELS. */
export function imageLabelsFrom(env: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, key] of Object.entries(OCI_LABELS)) {
    const v = env[name];
    if (v !== undefined) out[key] = v;
  }
  return { ...out, ...parseImageLabels(env.BP_IMAGE_LABELS ?? "") };
}
