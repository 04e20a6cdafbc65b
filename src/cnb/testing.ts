// Test helper for this module's tests: asserts a CnbError with a code and message fragments.
import assert from "node:assert/strict";
import { CnbError, type CnbErrorCode } from "./errors.js";

/** Asserts that `fn` throws a CnbError with `code` whose message contains every fragment (file, field...). */
export function expectCnbError(fn: () => unknown, code: CnbErrorCode, ...fragments: string[]): CnbError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof CnbError, `expected a CnbError ${code}, got ${caught === undefined ? "no error" : String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  for (const f of fragments) assert.ok(caught.message.includes(f), `message ${JSON.stringify(caught.message)} lacks ${JSON.stringify(f)}`);
  return caught;
}
