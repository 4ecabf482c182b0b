/** @typedef {"params" | "query" | "body"} ValidationPart */
/** @typedef {{ part: ValidationPart, path: readonly string[], message: string, code?: string }} ValidationIssue */
/** @typedef {{ validate(schema: unknown, input: unknown, part: ValidationPart): { ok: true, value: unknown } | { ok: false, issues: ValidationIssue[], error?: unknown } }} Validator */

/** @type {readonly ValidationPart[]} */
const PARTS = ["params", "query", "body"];

/**
 * Describes the validation outcome as `c.input` (ok with typed values, or not ok with issues); it never ends the request.
 * @param {{ params?: unknown, query?: unknown, body?: unknown } | undefined} schemas
 * @param {{ params: unknown, query: unknown, body: unknown, bodyState: "missing" | "parsed" | "invalid" }} raw
 * @param {Validator | undefined} validator
 */
export function buildInput(schemas, raw, validator) {
  /** @type {Record<ValidationPart, unknown>} */
  const values = { params: raw.params, query: raw.query, body: raw.body };
  /** @type {ValidationPart[]} */
  const failed = [];
  /** @type {ValidationIssue[]} */
  const issues = [];
  /** @type {Partial<Record<ValidationPart, unknown>>} */
  const received = {};
  /** @type {Partial<Record<ValidationPart, unknown>>} */
  const errors = {};
  const check = validator ?? schemaValidator;

  for (const part of PARTS) {
    const schema = schemas?.[part];
    if (schema === undefined || schema === null) continue;
    if (part === "body" && raw.bodyState === "invalid") {
      failed.push(part);
      issues.push({ part, path: [], message: "Invalid JSON", code: "invalid_json" });
      received.body = undefined;
      continue;
    }
    const result = check.validate(schema, values[part], part);
    if (result.ok) {
      values[part] = result.value;
      continue;
    }
    failed.push(part);
    for (const issue of result.issues ?? []) issues.push({ ...issue, part: issue.part ?? part });
    received[part] = values[part];
    if (result.error !== undefined) errors[part] = result.error;
  }

  if (failed.length === 0) return { ok: true, ...values, issues: [], failed: [] };
  return {
    ok: false,
    params: undefined,
    query: undefined,
    body: undefined,
    issues,
    failed,
    received,
    ...(Object.keys(errors).length > 0 ? { errors } : {}),
  };
}

/** Default validator adapter: calls the schema's own `safeParse` (Zod and compatible libraries) and normalizes issues. */
export const schemaValidator = {
  /**
   * Validates one request part with `schema.safeParse`.
   * @param {any} schema
   * @param {unknown} input
   * @param {ValidationPart} part
   * @returns {{ ok: true, value: unknown } | { ok: false, issues: ValidationIssue[], error?: unknown }}
   */
  validate(schema, input, part) {
    if (!schema || typeof schema.safeParse !== "function") {
      throw new TypeError(`The ${part} schema has no safeParse(); pass a validator to setup()`);
    }
    const result = schema.safeParse(input);
    if (result.success) return { ok: true, value: result.data };
    const list = Array.isArray(result.error?.issues) ? result.error.issues : [];
    return {
      ok: false,
      issues: list.map((/** @type {any} */ issue) => ({
        part,
        path: Array.isArray(issue.path) ? issue.path.map(String) : [],
        message: String(issue.message ?? "Invalid value"),
        ...(issue.code === undefined ? {} : { code: String(issue.code) }),
      })),
      error: result.error,
    };
  },
};
