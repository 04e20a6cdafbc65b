// Internal: reading parsed TOML/JSON documents field by field, with errors that name the file and
// the field path (`order[1].group[0].id`). Not part of the public surface.
import { parse as parseTomlText, stringify as stringifyTomlText, TomlError } from "smol-toml";
import { CnbError, type CnbErrorCode } from "./errors.js";

/** A TOML table or JSON object. Free-form `[metadata]` tables are typed as this. */
export type Table = Record<string, unknown>;

export function isTable(v: unknown): v is Table {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** A short description of a value's type for error messages. */
export function describe(v: unknown): string {
  if (Array.isArray(v)) return "an array";
  if (v instanceof Date) return "a date";
  if (isTable(v)) return "a table";
  if (typeof v === "string") return `a string (${JSON.stringify(v)})`;
  return `a ${typeof v} (${String(v)})`;
}

/** A parser for one field value: gets the value and a `file: field` prefix for its errors. */
export type ValueParser<T> = (value: string, where: string) => T;

/** One table of a document, read field by field. Keys read are remembered for `rejectUnknown`. */
export class Fields {
  private readonly seen = new Set<string>();
  constructor(
    readonly file: string,
    readonly path: string,
    readonly table: Table,
  ) {}

  at(key: string): string {
    return this.path === "" ? key : `${this.path}.${key}`;
  }

  where(key?: string): string {
    const field = key === undefined ? this.path : this.at(key);
    return field === "" ? this.file : `${this.file}: ${field}`;
  }

  fail(key: string | undefined, problem: string, code: CnbErrorCode = "CNB_INVALID_FIELD", hint?: string): never {
    throw new CnbError(code, `${this.where(key)}: ${problem}`, hint === undefined ? {} : { hint });
  }

  has(key: string): boolean {
    return this.table[key] !== undefined && this.table[key] !== null;
  }

  /** The value of `key`; JSON `null` (Go's encoding of a nil slice or map) reads as absent. */
  raw(key: string): unknown {
    this.seen.add(key);
    const v = this.table[key];
    return v === null ? undefined : v;
  }

  /** Marks keys as known without reading them (for `rejectUnknown`). */
  allow(...keys: string[]): void {
    for (const k of keys) this.seen.add(k);
  }

  optStr(key: string): string | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (typeof v !== "string") this.fail(key, `must be a string, got ${describe(v)}`);
    return v;
  }

  str(key: string): string {
    const v = this.optStr(key);
    if (v === undefined || v === "") this.fail(key, "is required", "CNB_MISSING_FIELD");
    return v;
  }

  /** A required string passed through a value parser (ids, versions, API versions...). */
  parsed<T>(key: string, parse: ValueParser<T>): T {
    return parse(this.str(key), this.where(key));
  }

  optParsed<T>(key: string, parse: ValueParser<T>): T | undefined {
    const v = this.optStr(key);
    return v === undefined || v === "" ? undefined : parse(v, this.where(key));
  }

  optBool(key: string): boolean | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (typeof v !== "boolean") this.fail(key, `must be true or false, got ${describe(v)}`);
    return v;
  }

  bool(key: string): boolean {
    return this.optBool(key) ?? false;
  }

  optInt(key: string): number | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !Number.isSafeInteger(v)) this.fail(key, `must be an integer, got ${describe(v)}`);
    return v;
  }

  optStrs(key: string): string[] | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) this.fail(key, `must be an array of strings, got ${describe(v)}`);
    return v.map((s, i) => {
      if (typeof s !== "string") this.fail(`${key}[${i}]`, `must be a string, got ${describe(s)}`);
      return s;
    });
  }

  strs(key: string): string[] {
    return this.optStrs(key) ?? [];
  }

  /** A sub-table, or undefined when the key is absent. */
  sub(key: string): Fields | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (!isTable(v)) this.fail(key, `must be a table, got ${describe(v)}`);
    return new Fields(this.file, this.at(key), v);
  }

  /** An array of tables (`[[key]]`); empty when absent. */
  tables(key: string): Fields[] {
    const v = this.raw(key);
    if (v === undefined) return [];
    if (!Array.isArray(v)) this.fail(key, `must be an array of tables ([[${this.at(key)}]]), got ${describe(v)}`);
    return v.map((t, i) => {
      if (!isTable(t)) this.fail(`${key}[${i}]`, `must be a table, got ${describe(t)}`);
      return new Fields(this.file, `${this.at(key)}[${i}]`, t);
    });
  }

  /** A free-form table (`[metadata]`), copied; empty when absent. */
  freeform(key: string): Table {
    const t = this.sub(key);
    return t === undefined ? {} : structuredClone(t.table);
  }

  /** Fails on keys of this table that were never read nor allowed. */
  rejectUnknown(): void {
    for (const k of Object.keys(this.table)) {
      if (!this.seen.has(k)) this.fail(k, "is not a known key", "CNB_UNKNOWN_FIELD");
    }
  }
}

/** Parses TOML text into the root Fields of `file`. */
export function readToml(text: string, file: string): Fields {
  let doc: Table;
  try {
    doc = parseTomlText(text) as Table;
  } catch (e) {
    const at = e instanceof TomlError ? ` at line ${e.line}, column ${e.column}` : "";
    const first = (e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "";
    throw new CnbError("CNB_INVALID_TOML", `${file}: not valid TOML${at}: ${first}`, { cause: e });
  }
  return new Fields(file, "", doc);
}

/** Parses JSON text (a label value) into the root Fields; the document must be an object. */
export function readJson(text: string, file: string): Fields {
  const v = parseJsonValue(text, file);
  if (!isTable(v)) throw new CnbError("CNB_INVALID_JSON", `${file}: must be a JSON object, got ${describe(v)}`);
  return new Fields(file, "", v);
}

export function parseJsonValue(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new CnbError("CNB_INVALID_JSON", `${file}: not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}

/** TOML text of a document ending in one newline; undefined values are left out. */
export function writeToml(doc: Table): string {
  const text = stringifyTomlText(doc).replace(/\s+$/, "");
  return text === "" ? "" : `${text}\n`;
}

/** A copy with object keys sorted at every depth, for free-form data in reproducible JSON. */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isTable(v)) return v;
  const out: Table = {};
  for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]);
  return out;
}

/** Drops undefined properties so parsed values compare cleanly with literals. */
export function strip<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
