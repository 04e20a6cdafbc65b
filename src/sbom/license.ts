// License strings: which are SPDX license expressions (checked against the SPDX license list
// shipped in spdx-license-ids / spdx-exceptions, parsed by spdx-expression-parse) and which are
// free names such as Debian's "GPL-2+".
import { createHash } from "node:crypto";
import parseSpdx from "spdx-expression-parse";
// Static JSON imports, not createRequire: a bundler (our buildpacks are esbuild bundles) inlines them.
import exceptionIds from "spdx-exceptions/index.json" with { type: "json" };
import deprecatedIds from "spdx-license-ids/deprecated.json" with { type: "json" };
import licenseIds from "spdx-license-ids/index.json" with { type: "json" };

export type LicenseNode = parseSpdx.Info;

/** A license string, classified. */
export type License =
  | {
      kind: "expression";
      /** The canonical text: list casing, single spaces, only the parentheses precedence needs. */
      expression: string;
      node: LicenseNode;
      /** True for a bare license-list id (`MIT`): no `+`, no `WITH`, no operator, no LicenseRef. */
      singleId: boolean;
      /** The `LicenseRef-...` ids it uses. */
      licenseRefs: string[];
    }
  | { kind: "name"; name: string };

// Identifiers are case-insensitive (SPDX 2.3 annex D); the parser is not, so fold them first.
const CANONICAL_ID: ReadonlyMap<string, string> = (() => {
  const ids: string[] = [...licenseIds, ...deprecatedIds, ...exceptionIds];
  return new Map(ids.map((id) => [id.toLowerCase(), id]));
})();

export function classifyLicense(text: string): License {
  const source = text
    .trim()
    .replace(/\s+/g, " ")
    .replace(/[A-Za-z0-9.-]+/g, (tok) => CANONICAL_ID.get(tok.toLowerCase()) ?? tok);
  let node: LicenseNode;
  try {
    node = parseSpdx(source);
  } catch {
    return { kind: "name", name: text.trim() };
  }
  const leaves = leavesOf(node);
  // A DocumentRef points into another SPDX document, which we would have to name: keep it as text.
  if (leaves.some((l) => l.license.startsWith("DocumentRef-"))) return { kind: "name", name: text.trim() };
  const licenseRefs = leaves.map((l) => l.license).filter((id) => id.startsWith("LicenseRef-"));
  const singleId = "license" in node && !node.plus && !node.exception && licenseRefs.length === 0;
  return { kind: "expression", expression: renderExpression(node), node, singleId, licenseRefs };
}

/** The canonical SPDX expression for `text`, or undefined when it is not one. */
export function licenseExpression(text: string): string | undefined {
  const l = classifyLicense(text);
  return l.kind === "expression" ? l.expression : undefined;
}

function leavesOf(node: LicenseNode): parseSpdx.LicenseInfo[] {
  return "license" in node ? [node] : [...leavesOf(node.left), ...leavesOf(node.right)];
}

export function renderExpression(node: LicenseNode): string {
  if ("license" in node) {
    return `${node.license}${node.plus ? "+" : ""}${node.exception ? ` WITH ${node.exception}` : ""}`;
  }
  const side = (child: LicenseNode): string => {
    const s = renderExpression(child);
    return "conjunction" in child && child.conjunction !== node.conjunction ? `(${s})` : s;
  };
  return `${side(node.left)} ${node.conjunction.toUpperCase()} ${side(node.right)}`;
}

/** Every node joined with AND (all of a component's licenses apply). */
export function andAll(nodes: readonly LicenseNode[]): LicenseNode | undefined {
  let acc: LicenseNode | undefined;
  for (const n of nodes) acc = acc === undefined ? n : { conjunction: "and", left: acc, right: n };
  return acc;
}

/**
 * A stable `LicenseRef-` id for a license name: the name with every run of characters SPDX does
 * not allow replaced by "-", plus a short hash of the name when that replacement changed it (so
 * "GPL 2" and "GPL-2" stay apart).
 */
export function licenseRefFor(name: string): string {
  const id = name.replace(/[^A-Za-z0-9.-]+/g, "-").replace(/^-+|-+$/g, "");
  if (id === name) return `LicenseRef-${id}`;
  const h = createHash("sha256").update(name, "utf8").digest("hex").slice(0, 8);
  return `LicenseRef-${id === "" ? "" : `${id}-`}${h}`;
}
