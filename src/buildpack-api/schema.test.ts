import assert from "node:assert/strict";
import { test } from "node:test";
import { BuildpackError } from "./errors.js";
import { check, type Infer, parseWith, s, type Schema, type StandardSchemaV1 } from "./schema.js";

const Node = s.object({
  version: s.string(),
  flags: s.array(s.string()),
  lts: s.optional(s.boolean()),
  manager: s.literal("npm", "yarn"),
  sizes: s.record(s.integer()),
});
type Node = Infer<typeof Node>;

test("s: valid TOML-shaped data comes back typed, unknown keys dropped", () => {
  const v: Node = parseWith(Node, { version: "22.1.0", flags: ["a"], manager: "npm", sizes: { x: 1 }, extra: true }, "layer node");
  assert.deepEqual(v, { version: "22.1.0", flags: ["a"], manager: "npm", sizes: { x: 1 } });
  const version: string = v.version; // typed without a cast
  const lts: boolean | undefined = v.lts;
  assert.equal(version, "22.1.0");
  assert.equal(lts, undefined);
});

test("s: every issue is reported with its field path", () => {
  const r = check(Node, { version: 22, flags: ["a", 1], manager: "pnpm", sizes: { x: 1.5 } });
  assert.equal(r.ok, false);
  assert.ok(!r.ok);
  assert.equal(
    r.problem,
    'version: expected a string, got number 22; flags.1: expected a string, got number 1; manager: expected "npm" or "yarn", got the string "pnpm"; sizes.x: expected an integer, got number 1.5',
  );
  assert.throws(() => parseWith(Node, "x", "layer node"), (e: unknown) => e instanceof BuildpackError && e.code === "BUILDPACK_METADATA" && e.message === "layer node: expected a table, got the string \"x\"");
  assert.equal(check(s.object({ a: s.string() }), {}).ok, false);
});

test("any Standard Schema works (valibot, zod...): here a hand-written one", () => {
  const even: StandardSchemaV1<unknown, { n: number }> = {
    "~standard": {
      version: 1,
      vendor: "third-party",
      validate: (v) =>
        typeof v === "object" && v !== null && typeof (v as { n?: unknown }).n === "number" && (v as { n: number }).n % 2 === 0
          ? { value: { n: (v as { n: number }).n } }
          : { issues: [{ message: "must be even", path: [{ key: "n" }] }] },
    },
  };
  const schema: Schema<{ n: number }> = even;
  assert.deepEqual(check(schema, { n: 2 }), { ok: true, value: { n: 2 } });
  assert.deepEqual(check(schema, { n: 3 }), { ok: false, problem: "n: must be even" });
});

test("an asynchronous schema is refused with a clear message", () => {
  const slow: Schema<string> = { "~standard": { version: 1, vendor: "slow", validate: async () => ({ value: "x" }) } };
  assert.throws(() => check(slow, "x"), /validated asynchronously/);
});
