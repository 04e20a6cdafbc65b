// Typed metadata through schemas. The contract is Standard Schema v1
// (standardschema.dev), so valibot ≥1, zod ≥3.24 and arktype schemas work as they are; `s` is a
// tiny built-in for the TOML-shaped data buildpacks keep (strings, numbers, booleans, arrays, tables)
// so a buildpack bundle needs no validation library. Validation is synchronous: metadata is data.
import type { Table } from "../cnb/index.js";
import { BuildpackError } from "./errors.js";

/** The Standard Schema v1 interface, declared here so no package is needed for it. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

export type StandardResult<Output> = { readonly value: Output; readonly issues?: undefined } | { readonly issues: ReadonlyArray<StandardIssue> };

export interface StandardIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** A schema whose valid values are `T`. */
export type Schema<T> = StandardSchemaV1<unknown, T>;

/** The type a schema validates to: `type NodeMeta = Infer<typeof NodeMeta>`. */
export type Infer<S> = S extends Schema<infer T> ? T : never;

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

function pathText(path: StandardIssue["path"]): string {
  if (path === undefined || path.length === 0) return "";
  return path.map((p) => String(typeof p === "object" ? p.key : p)).join(".");
}

/** Checks `value` against `schema`; `problem` lists every issue as `field: message`. */
export function check<T>(schema: Schema<T>, value: unknown): Checked<T> {
  const result = schema["~standard"].validate(value);
  if (result instanceof Promise) {
    throw new BuildpackError("BUILDPACK_METADATA", `a ${schema["~standard"].vendor} schema validated asynchronously`, {
      hint: "metadata schemas must validate synchronously (no async refinements)",
    });
  }
  if (result.issues === undefined) return { ok: true, value: result.value };
  const problem = result.issues.map((i) => (pathText(i.path) === "" ? i.message : `${pathText(i.path)}: ${i.message}`)).join("; ");
  return { ok: false, problem };
}

/** The value when valid; otherwise a BUILDPACK_METADATA error naming `where` and the fields. */
export function parseWith<T>(schema: Schema<T>, value: unknown, where: string): T {
  const r = check(schema, value);
  if (!r.ok) throw new BuildpackError("BUILDPACK_METADATA", `${where}: ${r.problem}`);
  return r.value;
}

// ---- the built-in `s` -------------------------------------------------------------------------

type Issue = { message: string; path: PropertyKey[] };
type Run<T> = (value: unknown, path: PropertyKey[], issues: Issue[]) => T;

/** A schema made by `s`: a Standard Schema with an internal runner. */
export interface BuiltinSchema<T> extends Schema<T> {
  readonly run: Run<T>;
  /** true for `s.optional`: the key may be absent from an object. */
  readonly optional: boolean;
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return "an array";
  if (v === null) return "null";
  if (v instanceof Date) return "a date";
  if (typeof v === "object") return "a table";
  if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
}

function make<T>(run: Run<T>, optional = false): BuiltinSchema<T> {
  return {
    run,
    optional,
    "~standard": {
      version: 1,
      vendor: "paketo",
      validate: (value) => {
        const issues: Issue[] = [];
        const out = run(value, [], issues);
        return issues.length === 0 ? { value: out } : { issues };
      },
    },
  };
}

function primitive<T>(expected: string, ok: (v: unknown) => v is T): BuiltinSchema<T> {
  return make((v, path, issues) => {
    if (!ok(v)) issues.push({ message: `expected ${expected}, got ${describe(v)}`, path });
    return v as T;
  });
}

function isTable(v: unknown): v is Table {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

type Shape = Record<string, BuiltinSchema<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends { optional: true } ? K : never }[keyof S];
type ObjectOf<S extends Shape> = { -readonly [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & {
  -readonly [K in OptionalKeys<S>]?: Infer<S[K]>;
};
type Flat<T> = { [K in keyof T]: T[K] } & {};

/**
 * Schema builders for TOML-shaped metadata. Objects keep only the keys they declare, so metadata
 * written by another version of a buildpack is read without its unknown keys.
 *
 *     const NodeLayer = s.object({ version: s.string(), flags: s.array(s.string()), lts: s.optional(s.boolean()) });
 *     type NodeLayer = Infer<typeof NodeLayer>;
 */
export const s = {
  string: (): BuiltinSchema<string> => primitive("a string", (v): v is string => typeof v === "string"),
  number: (): BuiltinSchema<number> => primitive("a number", (v): v is number => typeof v === "number" && Number.isFinite(v)),
  integer: (): BuiltinSchema<number> => primitive("an integer", (v): v is number => Number.isSafeInteger(v)),
  boolean: (): BuiltinSchema<boolean> => primitive("true or false", (v): v is boolean => typeof v === "boolean"),
  /** One of the given values: `s.literal("npm", "yarn", "pnpm")`. */
  literal: <const L extends readonly (string | number | boolean)[]>(...values: L): BuiltinSchema<L[number]> =>
    primitive(values.map((v) => JSON.stringify(v)).join(" or "), (v): v is L[number] => values.includes(v as L[number])),
  array: <T>(item: BuiltinSchema<T>): BuiltinSchema<T[]> =>
    make((v, path, issues) => {
      if (!Array.isArray(v)) {
        issues.push({ message: `expected an array, got ${describe(v)}`, path });
        return [];
      }
      return v.map((x, i) => item.run(x, [...path, i], issues));
    }),
  object: <S extends Shape>(shape: S): BuiltinSchema<Flat<ObjectOf<S>>> =>
    make((v, path, issues) => {
      const out: Table = {};
      if (!isTable(v)) {
        issues.push({ message: `expected a table, got ${describe(v)}`, path });
        return out as Flat<ObjectOf<S>>;
      }
      for (const [key, field] of Object.entries(shape)) {
        if (v[key] === undefined) {
          if (!field.optional) issues.push({ message: "is required", path: [...path, key] });
          continue;
        }
        out[key] = field.run(v[key], [...path, key], issues);
      }
      return out as Flat<ObjectOf<S>>;
    }),
  /** A table with any keys whose values all match `value`. */
  record: <T>(value: BuiltinSchema<T>): BuiltinSchema<Record<string, T>> =>
    make((v, path, issues) => {
      const out: Record<string, T> = {};
      if (!isTable(v)) {
        issues.push({ message: `expected a table, got ${describe(v)}`, path });
        return out;
      }
      for (const [k, x] of Object.entries(v)) out[k] = value.run(x, [...path, k], issues);
      return out;
    }),
  /** Any table, unchecked inside. */
  table: (): BuiltinSchema<Table> => primitive("a table", isTable),
  /** May be absent (undefined) in an object. */
  optional: <T>(inner: BuiltinSchema<T>): BuiltinSchema<T | undefined> =>
    make((v, path, issues) => (v === undefined ? undefined : inner.run(v, path, issues)), true),
};
