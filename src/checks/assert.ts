import { CheckFailure } from "../errors.ts";
import { excerpt } from "./transcript.ts";
import type { HttpResult } from "./types.ts";

/** What a failure says beyond its message: expected and received words, and whose expectation it was. */
export type FailureWords = { expected?: string; received?: string; actor?: string };

/** Throws a CheckFailure with `message` and optional expected/received words. */
export function fail(message: string, opts: FailureWords = {}): never {
  throw new CheckFailure(message, opts);
}

/** Fails unless `condition` holds. */
export function check(
  condition: unknown,
  message: string,
  opts: FailureWords = {},
): asserts condition {
  if (!condition) fail(message, opts);
}

/** Shows a value for a failure message: JSON, cut to a readable length. */
export function show(value: unknown, max = 300): string {
  if (value === undefined) return "undefined";
  const text = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Fails unless `received` deep-equals `expected`; `what` names the value. */
export function checkEqual(received: unknown, expected: unknown, what: string): void {
  if (!deepEqual(received, expected)) {
    fail(`${what} is not what was expected.`, {
      expected: show(expected),
      received: show(received),
    });
  }
}

/** Fails unless the response status is one of `allowed`. */
export function checkStatus(res: HttpResult, ...allowed: number[]): void {
  if (!allowed.includes(res.status)) {
    fail(`${res.method} ${new URL(res.url).pathname} answered ${res.status}.`, {
      expected: `status ${allowed.join(" or ")}`,
      received: `status ${res.status}, body ${excerpt(res.text, 200) || "(empty)"}`,
    });
  }
}

/** Structural equality for JSON-like values. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) =>
    deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}
