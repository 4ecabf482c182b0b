/**
 * Turns a URL search string into a plain object; repeated keys become arrays of strings.
 * @param {URLSearchParams} searchParams
 * @returns {Record<string, string | string[]>}
 */
export function parseQuery(searchParams) {
  /** @type {Record<string, string | string[]>} */
  const query = {};
  for (const [key, value] of searchParams) {
    const existing = query[key];
    if (existing === undefined) query[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else query[key] = [existing, value];
  }
  return query;
}

/**
 * Reads a request body once as JSON and reports whether it was missing, parsed, or not valid JSON.
 * @param {Request} request
 * @returns {Promise<{ state: "missing" | "invalid", value: undefined } | { state: "parsed", value: unknown }>}
 */
export async function readJsonBody(request) {
  const declaredEmpty =
    request.headers.get("content-length") === "0" && !request.headers.has("transfer-encoding");
  if (request.body === null || declaredEmpty) return { state: "missing", value: undefined };
  let text;
  try {
    text = await request.text();
  } catch {
    return { state: "invalid", value: undefined };
  }
  if (text === "") return { state: "missing", value: undefined };
  try {
    return { state: "parsed", value: JSON.parse(text) };
  } catch {
    return { state: "invalid", value: undefined };
  }
}
