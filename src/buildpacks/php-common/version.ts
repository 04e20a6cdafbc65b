// Composer version constraints (composer.json `require.php`) as the semver ranges the Debian helper
// matches: `|`/`||` alternatives, `,` or space conjunctions, and Composer's `~8.1` (>=8.1 <9),
// which differs from npm's. `^`, `*`, comparisons and hyphen ranges mean the same in both.
export function composerToSemver(constraint: string): string {
  return constraint
    .split(/\s*\|\|?\s*/)
    .map((alt) =>
      alt
        .replace(/([<>=!^~]+)\s+/g, "$1")
        .split(/[\s,]+/)
        .filter(Boolean)
        .map(tilde)
        .join(" "),
    )
    .join(" || ");
}

function tilde(part: string): string {
  const m = /^~\s*(\d+)\.(\d+)$/.exec(part);
  if (m) return `>=${m[1]}.${m[2]} <${Number(m[1]) + 1}`;
  return part.replace(/@\w+$/, "");
}
