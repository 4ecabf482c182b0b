/** @typedef {{ method?: string, body?: unknown, headers?: Record<string, string>, query?: Record<string, string | string[]> }} RequestOptions */

/**
 * Builds a Request against `http://localhost` from a path and options, JSON-encoding `body` when given.
 * @param {string} path
 * @param {RequestOptions} [options]
 */
export function buildRequest(path, options = {}) {
  const url = new URL(path, "http://localhost");
  for (const [key, value] of Object.entries(options.query ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, item);
  }
  const headers = new Headers(options.headers);
  /** @type {RequestInit} */
  const init = { method: (options.method ?? "GET").toUpperCase(), headers };
  if (options.body !== undefined) {
    init.body = JSON.stringify(options.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  return new Request(url, init);
}
