/**
 * Builds the default reply for a request no route matched: `{"error":"Not Found"}` with status 404.
 */
export function notFoundResponse() {
  return Response.json({ error: "Not Found" }, { status: 404 });
}

/**
 * Builds the default reply for an unexpected error: `{"error":"Internal Server Error"}` with status 500.
 */
export function internalErrorResponse() {
  return Response.json({ error: "Internal Server Error" }, { status: 500 });
}

/**
 * Returns the value when it is a Response, otherwise throws a TypeError naming the offending step.
 * @param {unknown} value
 * @param {string} step
 * @returns {Response}
 */
export function expectResponse(value, step) {
  if (value instanceof Response) return value;
  const got = value === null ? "null" : typeof value;
  throw new TypeError(`${step} must return a Response, got ${got}`);
}

/**
 * Drops the body of a response to a HEAD request, keeping status and headers (the body stream is cancelled).
 * @param {Request} request
 * @param {Response} response
 */
export function stripHeadBody(request, response) {
  if (request.method !== "HEAD" || response.body === null) return response;
  response.body.cancel().catch(() => {});
  return new Response(null, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
