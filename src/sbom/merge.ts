// Combines SBOMs: an app's components plus its run image's OS packages.
import { SbomError } from "./errors.js";
import type { Component, SbomDocument } from "./model.js";
import { componentRef } from "./normalize.js";
import { canonicalPurl } from "./purl.js";

/**
 * One document with the components of all of `docs`. The first document gives the name,
 * timestamp, tool and subject; the other documents' subjects are left out (a run image's SBOM
 * describes the run image, the merged one describes the app image).
 *
 * Components with the same purl (compared canonically) are one component: the first one seen
 * is kept and the `dependsOn` of all of them are joined. Components without a purl are one when
 * type, name and version are equal. Refs in `dependsOn` are rewritten to the kept component's
 * ref; a ref that an earlier document already uses for something else gets a `#<document index>`
 * suffix.
 */
export function merge(docs: readonly SbomDocument[]): SbomDocument {
  const first = docs[0];
  if (first === undefined) throw new SbomError("SBOM_INVALID", "merge needs at least one SBOM");

  const kept = new Map<string, Entry>(); // by key: canonical purl, else type/name@version
  const keyOfRef = new Map<string, string>(); // merged ref -> key of the component holding it
  const subjectRef = first.subject && componentRef(first.subject);
  if (subjectRef !== undefined) keyOfRef.set(subjectRef, "subject");
  const pending: Array<{ entry: Entry; deps: readonly string[]; refMap: Map<string, string | null> }> = [];

  docs.forEach((doc, index) => {
    // This document's refs -> merged refs; null for another document's subject, which is left out.
    const refMap = new Map<string, string | null>();
    if (index > 0 && doc.subject !== undefined) refMap.set(componentRef(doc.subject), null);
    for (const c of doc.components) {
      const ownRef = componentRef(c);
      const key = c.purl === undefined ? `id:${c.type}/${c.name}@${c.version ?? ""}` : `purl:${canonicalPurl(c.purl)}`;
      let entry = kept.get(key);
      if (entry === undefined) {
        const taken = keyOfRef.get(ownRef);
        const ref = taken !== undefined && taken !== key ? `${ownRef}#${index}` : ownRef;
        entry = { c, ref, deps: new Set(), depsKnown: false };
        kept.set(key, entry);
        keyOfRef.set(ref, key);
      }
      refMap.set(ownRef, entry.ref);
      if (c.dependsOn !== undefined) {
        entry.depsKnown = true;
        pending.push({ entry, deps: c.dependsOn, refMap });
      }
    }
  });
  for (const { entry, deps, refMap } of pending) {
    for (const d of deps) {
      const mapped = refMap.get(d);
      // An unknown ref stays as written, so writing the merged document reports it.
      if (mapped !== null) entry.deps.add(mapped ?? d);
    }
  }

  const components = [...kept.values()].map(({ c, ref, deps, depsKnown }): Component => {
    const { dependsOn: _, ...rest } = c;
    return depsKnown ? { ...rest, ref, dependsOn: [...deps] } : { ...rest, ref };
  });
  return { ...first, components };
}

interface Entry {
  c: Component;
  ref: string;
  deps: Set<string>;
  depsKnown: boolean;
}
