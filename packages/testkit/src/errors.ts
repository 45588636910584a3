// The one check for a bad-input error: its exact class and the fragments its message must hold.

import { expect } from "vitest";

type ErrorClass = typeof Error | typeof TypeError | typeof RangeError;

/** fn throws exactly `type` and the message contains every fragment; returns the error. Example: `expectError(() => zeros([-1]), TypeError, "zeros: shape")`. */
export function expectError(fn: () => unknown, type: ErrorClass, ...fragments: string[]): Error {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, "expected an error").toBeInstanceOf(Error);
  const err = caught as Error;
  expect(err.constructor, `${err.name}: ${err.message}`).toBe(type);
  for (const f of fragments) expect(err.message).toContain(f);
  return err;
}
