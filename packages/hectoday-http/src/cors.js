/**
 * @typedef {{ origin: string | string[], methods?: string[], allowHeaders?: string[],
 *   exposeHeaders?: string[], credentials?: boolean, maxAge?: number }} CorsOptions
 */

const DEFAULT_METHODS = ["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"];

/**
 * The 0.2 CORS helper: `preflight(route)` is an `OPTIONS /**` route answering 204 with the CORS
 * headers, and `headers(request, response)` returns the response with them added (for onResponse).
 * An allowed origin is echoed back (`*` only for an any-origin policy without credentials), with
 * `Vary: Origin`; an origin that is not allowed gets no CORS headers, so the browser blocks it.
 * @param {CorsOptions} options
 */
export function cors(options) {
  if (!options || (typeof options.origin !== "string" && !Array.isArray(options.origin))) {
    throw new TypeError(
      'cors() needs an origin: a string such as "https://app.example", or a list',
    );
  }
  const allowed = new Set([options.origin].flat());
  const anyOrigin = allowed.has("*");
  const credentials = options.credentials === true;
  // A literal `*` cannot be sent with credentials, so such a policy echoes the origin instead.
  const wildcardReply = anyOrigin && !credentials;
  const methods = (options.methods ?? DEFAULT_METHODS).join(", ");
  const allowHeaders = (options.allowHeaders ?? []).join(", ");
  const exposeHeaders = (options.exposeHeaders ?? []).join(", ");

  /**
   * Sets the origin headers for a request's Origin; returns whether the origin is allowed.
   * @param {Headers} headers
   * @param {string | null} origin
   */
  function allowOrigin(headers, origin) {
    // The answer depends on Origin unless it is the same `*` for everyone: tell caches so.
    if (!wildcardReply) headers.append("vary", "Origin");
    if (!origin) return false;
    if (wildcardReply) headers.set("access-control-allow-origin", "*");
    else if (anyOrigin || allowed.has(origin)) headers.set("access-control-allow-origin", origin);
    else return false;
    if (credentials) headers.set("access-control-allow-credentials", "true");
    return true;
  }

  /**
   * Adds the preflight answer: methods, request headers (the configured ones, else those asked
   * for) and how long the browser may cache it.
   * @param {Headers} headers
   * @param {Request} request
   */
  function allowPreflight(headers, request) {
    headers.set("access-control-allow-methods", methods);
    const asked = request.headers.get("access-control-request-headers");
    if (allowHeaders) headers.set("access-control-allow-headers", allowHeaders);
    else if (asked) {
      headers.set("access-control-allow-headers", asked);
      headers.append("vary", "Access-Control-Request-Headers");
    }
    if (options.maxAge !== undefined) headers.set("access-control-max-age", String(options.maxAge));
  }

  return {
    /**
     * The catch-all preflight route, built with the `route` object passed in.
     * @param {{ options: (path: string, config: { resolve: (c: { request: Request }) => Response }) => any }} route
     */
    preflight: (route) =>
      route.options("/**", {
        resolve: (c) => {
          const headers = new Headers();
          if (allowOrigin(headers, c.request.headers.get("origin"))) {
            allowPreflight(headers, c.request);
          }
          return new Response(null, { status: 204, headers });
        },
      }),
    /**
     * The response with CORS headers for the request's origin (a new Response; the body is passed on).
     * @param {Request} request
     * @param {Response} response
     */
    headers: (request, response) => {
      const headers = new Headers(response.headers);
      if (allowOrigin(headers, request.headers.get("origin")) && exposeHeaders) {
        headers.set("access-control-expose-headers", exposeHeaders);
      }
      return new Response(response.body, {
        status: response.status,
        statusText: response.statusText,
        headers,
      });
    },
  };
}
