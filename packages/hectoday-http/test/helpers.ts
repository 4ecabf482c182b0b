/** Builds a Request against http://localhost for tests. */
export function req(path: string, init?: RequestInit): Request {
  return new Request(`http://localhost${path}`, init);
}

/** Builds a JSON POST-like Request (method defaults to POST). */
export function jsonReq(path: string, body: unknown, method = "POST"): Request {
  return req(path, {
    method,
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}
