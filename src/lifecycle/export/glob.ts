// Go's filepath.Match on Linux, for slice globs (CNB-20): `*` is any run of characters but `/`,
// `?` one character but `/`, `[...]` / `[^...]` a class of characters and ranges (which, as in
// Go, may match `/`), `\` escapes the next character. A malformed pattern is an error.

/** A compiled pattern: `match(name)` for `/`-separated relative paths. */
export interface Glob {
  pattern: string;
  match(name: string): boolean;
}

export class GlobError extends Error {}

export function compileGlob(pattern: string): Glob {
  const chars = [...pattern];
  let re = "^";
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "\\") {
      const next = chars[++i];
      if (next === undefined) throw new GlobError(`pattern ${JSON.stringify(pattern)} ends with a lone backslash`);
      re += escapeRegExp(next);
    } else if (c === "[") {
      i++;
      let negated = false;
      if (chars[i] === "^") {
        negated = true;
        i++;
      }
      const ranges: string[] = [];
      for (;;) {
        if (i >= chars.length) throw new GlobError(`pattern ${JSON.stringify(pattern)} has an unclosed [`);
        if (chars[i] === "]" && ranges.length > 0) break;
        const [lo, afterLo] = classChar(chars, i, pattern);
        i = afterLo;
        let hi = lo;
        if (chars[i] === "-") {
          [hi, i] = classChar(chars, i + 1, pattern);
          if ((hi.codePointAt(0) as number) < (lo.codePointAt(0) as number)) {
            throw new GlobError(`pattern ${JSON.stringify(pattern)} has an empty range ${lo}-${hi}`);
          }
        }
        ranges.push(lo === hi ? escapeClass(lo) : `${escapeClass(lo)}-${escapeClass(hi)}`);
      }
      re += `[${negated ? "^" : ""}${ranges.join("")}]`;
    } else re += escapeRegExp(c);
  }
  const rx = new RegExp(`${re}$`, "su");
  return { pattern, match: (name) => rx.test(name) };
}

/** One character of a class: not `-` or `]` unescaped, `\x` for x. Returns it and the next index. */
function classChar(chars: string[], i: number, pattern: string): [string, number] {
  const c = chars[i];
  if (c === undefined || c === "-" || c === "]") throw new GlobError(`pattern ${JSON.stringify(pattern)} has a malformed character class`);
  if (c === "\\") {
    const next = chars[i + 1];
    if (next === undefined) throw new GlobError(`pattern ${JSON.stringify(pattern)} ends with a lone backslash`);
    return [next, i + 2];
  }
  return [c, i + 1];
}

function escapeRegExp(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

function escapeClass(c: string): string {
  return /[\\\]^-]/.test(c) ? `\\${c}` : c;
}

/** Go's filepath.Clean for a `/`-separated path. */
export function cleanPath(p: string): string {
  if (p === "") return ".";
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
    } else out.push(seg);
  }
  const s = out.join("/");
  return rooted ? `/${s}` : s || ".";
}
