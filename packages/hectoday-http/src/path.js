/**
 * @typedef {{ kind: "static", value: string } | { kind: "param", name: string }
 *   | { kind: "star", name: string } | { kind: "globstar", name: string, named: boolean }} Segment
 */

/**
 * Compiles a route path into a matcher: `:name` is one segment, `*` is one unnamed segment (`_0`, `_1`, …),
 * `**` is any number of trailing segments (param `_`), and `**:name` is one or more trailing segments.
 * @param {string} pattern
 */
export function compilePath(pattern) {
  const segments = parsePattern(pattern);
  const last = segments[segments.length - 1];
  const tail = last?.kind === "globstar" ? last : undefined;
  const fixed = tail ? segments.slice(0, -1) : segments;

  /**
   * Returns the decoded params when the pathname fits the pattern, otherwise null.
   * @param {string} pathname
   * @returns {Record<string, string> | null}
   */
  function match(pathname) {
    const parts = splitPath(pathname);
    if (tail ? parts.length < fixed.length : parts.length !== fixed.length) return null;
    if (tail?.named && parts.length === fixed.length) return null;
    /** @type {Record<string, string>} */
    const params = {};
    for (let i = 0; i < fixed.length; i++) {
      const segment = fixed[i];
      const part = parts[i];
      if (segment.kind === "static") {
        if (segment.value !== part) return null;
        continue;
      }
      const value = decode(part);
      if (value === null || value === "") return null;
      params[segment.name] = value;
    }
    if (tail) {
      const rest = parts.slice(fixed.length);
      if (rest.length > 0) params[tail.name] = rest.map((p) => decode(p) ?? p).join("/");
    }
    return params;
  }

  return { match, rank: segments.map(rankOf) };
}

/**
 * Orders two compiled paths so that static segments beat params, params beat `*`, and `*` beats `**`.
 * @param {number[]} a
 * @param {number[]} b
 */
export function compareRank(a, b) {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return b.length - a.length;
}

/**
 * Parses a route pattern into typed segments and rejects malformed wildcards.
 * @param {string} pattern
 * @returns {Segment[]}
 */
function parsePattern(pattern) {
  let stars = 0;
  return splitPath(pattern).map((raw, index, all) => {
    if (raw === "**" || raw.startsWith("**:")) {
      if (index !== all.length - 1) {
        throw new TypeError(`"**" must be the last segment of a route path: ${pattern}`);
      }
      const named = raw.length > 2;
      return { kind: "globstar", name: named ? raw.slice(3) : "_", named };
    }
    if (raw === "*") return { kind: "star", name: `_${stars++}` };
    if (raw.startsWith(":") && raw.length > 1) return { kind: "param", name: raw.slice(1) };
    if (raw.includes("*"))
      throw new TypeError(`Unsupported wildcard segment "${raw}" in ${pattern}`);
    return { kind: "static", value: raw };
  });
}

/**
 * Splits a path into segments, ignoring a trailing slash so `/tasks/` matches `/tasks`.
 * @param {string} path
 */
function splitPath(path) {
  const trimmed = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  if (trimmed === "/" || trimmed === "") return [];
  return (trimmed.startsWith("/") ? trimmed.slice(1) : trimmed).split("/");
}

/**
 * Gives a segment its precedence weight (lower wins).
 * @param {Segment} segment
 */
function rankOf(segment) {
  return { static: 0, param: 1, star: 2, globstar: 3 }[segment.kind];
}

/**
 * Percent-decodes a path segment, returning null when the encoding is malformed.
 * @param {string} segment
 */
function decode(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
