// The deb822 control-file syntax shared by Release, control, status and .sources files.

/** One stanza: ordered fields, looked up case-insensitively, plus the raw text it came from. */
export class Paragraph {
  private readonly byName = new Map<string, string>();
  constructor(
    /** Fields in file order; multi-line values keep their continuation lines (without the leading space). */
    readonly fields: ReadonlyArray<readonly [name: string, value: string]>,
    readonly raw: string,
  ) {
    for (const [k, v] of fields) this.byName.set(k.toLowerCase(), v);
  }

  get(name: string): string | undefined {
    return this.byName.get(name.toLowerCase());
  }

  has(name: string): boolean {
    return this.byName.has(name.toLowerCase());
  }
}

/** Parses every stanza of a deb822 text. Lines starting with `#` are comments. */
export function parseDeb822(text: string): Paragraph[] {
  const out: Paragraph[] = [];
  let fields: Array<[string, string]> = [];
  let rawLines: string[] = [];
  const flush = () => {
    if (fields.length) out.push(new Paragraph(fields, rawLines.join("\n") + "\n"));
    fields = [];
    rawLines = [];
  };
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "") {
      flush();
      continue;
    }
    if (line.startsWith("#")) continue;
    rawLines.push(line);
    const last = fields[fields.length - 1];
    if ((line[0] === " " || line[0] === "\t") && last) {
      const cont = line.slice(1);
      last[1] = last[1] === "" ? cont : `${last[1]}\n${cont}`;
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue; // not a field: tolerated, as apt does for stray lines
    fields.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  flush();
  return out;
}

/** The one stanza of a control file (the first, if there are several). */
export function parseParagraph(text: string): Paragraph {
  return parseDeb822(text)[0] ?? new Paragraph([], "");
}
