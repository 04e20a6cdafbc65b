// Relationship fields (Depends, Pre-Depends, Provides): `a (>= 1) | b:any, c`.
import { DepsError } from "../errors.js";
import { parseOp, type VersionOp } from "./version.js";

export interface Relation {
  name: string;
  /** The architecture qualifier after `:` (`any`, `native`, `amd64`, ...), if any. */
  arch?: string;
  op?: VersionOp;
  version?: string;
  /** A source-style architecture restriction list (`[amd64 !i386]`); rare in binary indexes. */
  archRestriction?: string[];
}

/** A conjunction of disjunctions: every group must be satisfied by one of its alternatives. */
export type RelationGroup = Relation[];

const ALT =
  /^([A-Za-z0-9][A-Za-z0-9+.-]*)(?::([A-Za-z0-9-]+))?\s*(?:\(\s*(<<|<=|>=|>>|=|<|>)\s*([^)\s]+)\s*\))?\s*(?:\[([^\]]*)\])?\s*(?:<[^>]*>\s*)*$/;

export function parseRelations(field: string | undefined, where = "a relationship field"): RelationGroup[] {
  if (!field) return [];
  const groups: RelationGroup[] = [];
  for (const part of field.split(",")) {
    const trimmed = part.trim();
    if (trimmed === "") continue;
    groups.push(trimmed.split("|").map((alt) => parseAlternative(alt.trim(), where)));
  }
  return groups;
}

function parseAlternative(s: string, where: string): Relation {
  const m = ALT.exec(s);
  if (!m) {
    throw new DepsError("DEBIAN_INDEX", `malformed relation ${JSON.stringify(s)} in ${where}`);
  }
  const rel: Relation = { name: m[1]! };
  if (m[2]) rel.arch = m[2];
  if (m[3]) {
    rel.op = parseOp(m[3]);
    rel.version = m[4];
  }
  if (m[5] !== undefined) rel.archRestriction = m[5].trim().split(/\s+/).filter(Boolean);
  return rel;
}

/** `name:arch (op version)`, as dpkg prints a relation. */
export function formatRelation(r: Relation): string {
  return `${r.name}${r.arch ? `:${r.arch}` : ""}${r.op ? ` (${r.op} ${r.version})` : ""}`;
}

export function formatGroup(g: RelationGroup): string {
  return g.map(formatRelation).join(" | ");
}
