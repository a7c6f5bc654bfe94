/** Assertions on the PulsarError a call throws. */
import assert from "node:assert/strict";
import { PulsarError } from "../../nodes/lib/protocol/errors";

/** The PulsarError `fn` throws; fails when it returns or throws anything else. */
export function errorOf(fn: () => unknown): PulsarError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PulsarError, `expected a PulsarError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected an error");
}

/** The code of the PulsarError `fn` throws. */
export function codeOf(fn: () => unknown): string {
  return errorOf(fn).code;
}
