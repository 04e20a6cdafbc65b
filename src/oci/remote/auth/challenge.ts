/** A parsed `WWW-Authenticate` challenge. */
export interface Challenge {
  /** Lowercase: "bearer", "basic", … */
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses `WWW-Authenticate` values (one header or several) into challenges, e.g.
 * `Bearer realm="https://auth.example/token",service="reg",scope="repository:a:pull"`.
 */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  const values = Array.isArray(header) ? header : [header];
  const out: Challenge[] = [];
  for (const v of values) out.push(...parseOne(v));
  return out;
}

function parseOne(s: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  let cur: Challenge | undefined;
  const skipWs = () => {
    while (i < s.length && /[\s,]/.test(s[i] as string)) i++;
  };
  while (i < s.length) {
    skipWs();
    const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)/.exec(s.slice(i));
    if (!m) break;
    const token = m[1] as string;
    i += token.length;
    while (i < s.length && s[i] === " ") i++;
    if (s[i] === "=") {
      i++;
      while (i < s.length && s[i] === " ") i++;
      let value = "";
      if (s[i] === '"') {
        i++;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === "\\" && i + 1 < s.length) i++;
          value += s[i];
          i++;
        }
        i++;
      } else {
        const vm = /^[^,\s]*/.exec(s.slice(i));
        value = vm ? vm[0] : "";
        i += value.length;
      }
      if (cur) cur.params[token.toLowerCase()] = value;
    } else {
      cur = { scheme: token.toLowerCase(), params: {} };
      out.push(cur);
    }
  }
  return out;
}

/** The challenge to answer: Bearer when offered, else Basic. */
export function pickChallenge(cs: Challenge[]): Challenge | undefined {
  return cs.find((c) => c.scheme === "bearer") ?? cs.find((c) => c.scheme === "basic");
}
