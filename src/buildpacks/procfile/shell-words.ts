// Splitting a string into words the way a POSIX shell quotes them, without running anything:
// blanks separate words; '...' is literal; "..." keeps blanks, and a backslash in it escapes only
// \ " $ ` and a newline; a backslash outside quotes escapes the next character. Nothing is
// expanded ($VAR stays as written). Used for Procfile entries run without a shell
// (BP_DIRECT_PROCESS) and for BP_IMAGE_LABELS.

export interface Word {
  value: string;
  /** Index in `value` of the first `=` that was not quoted or escaped, or -1. */
  eq: number;
}

export type WordsResult = { ok: true; words: Word[] } | { ok: false; problem: string };

/** Operators a shell would act on; `error` refuses them unquoted, `literal` keeps them as characters. */
export type Operators = "error" | "literal";

const OPERATOR = /[;&|<>()`]/;

export function splitWords(text: string, opts: { operators: Operators }): WordsResult {
  const words: Word[] = [];
  let cur: Word | undefined;
  const add = (s: string) => {
    cur ??= { value: "", eq: -1 };
    cur.value += s;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      if (cur !== undefined) words.push(cur);
      cur = undefined;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return { ok: false, problem: `the single quote at character ${i + 1} is not closed` };
      add(text.slice(i + 1, end));
      i = end;
    } else if (c === '"') {
      add("");
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        const d = text[j] as string;
        const next = text[j + 1];
        if (d === "\\" && next !== undefined && '\\"$`\n'.includes(next)) {
          if (next !== "\n") add(next);
          j++;
        } else add(d);
      }
      if (j >= text.length) return { ok: false, problem: `the double quote at character ${i + 1} is not closed` };
      i = j;
    } else if (c === "\\") {
      const next = text[i + 1];
      if (next === undefined) return { ok: false, problem: "it ends with a lone backslash" };
      if (next !== "\n") add(next);
      i++;
    } else if (opts.operators === "error" && OPERATOR.test(c)) {
      return { ok: false, problem: `'${c}' at character ${i + 1} is shell syntax; quote it, or let a shell run the command` };
    } else {
      if (c === "=" && (cur === undefined || cur.eq < 0)) {
        cur ??= { value: "", eq: -1 };
        cur.eq = cur.value.length;
      }
      add(c);
    }
  }
  if (cur !== undefined) words.push(cur);
  return { ok: true, words };
}
