/**
 * Route paths follow the published package's matcher (rou3, @hectoday/http 0.2):
 * `/tasks`, `/tasks/:id`, `/files/:name.:ext`, `*` (one segment, param `_0`), `**` (any depth,
 * param `_`) and `**:name` (one or more segments, param `name`). The 0.1 generation matched with
 * URLPattern, whose richer syntax (`:id(\d+)`, `:id?`, `{…}`, `*` inside a segment) rou3 does not
 * read as syntax: it takes `:id(\d+)` as a parameter literally named "id(\d+)" and `*.txt` as a
 * literal segment, so such a route quietly never matches what was meant. Those paths are refused
 * here, with the reason, instead of being accepted silently.
 */

const GENERATION =
  "@hectoday/http 0.2 matches paths with rou3; the URLPattern syntax of 0.1 is not read";

/**
 * Throws a TypeError naming the route when its path uses syntax the matcher would not read as meant.
 * @param {string} path
 * @param {string} label how the route is named in the message, e.g. `GET /tasks/:id(\d+)`
 */
export function assertRoutePath(path, label) {
  const problem = findProblem(path);
  if (problem) throw new TypeError(`Route ${label}: ${problem}. (${GENERATION}.)`);
}

/**
 * Describes the first unsupported construct in a route path, or returns undefined when it is fine.
 * @param {string} path
 */
function findProblem(path) {
  const segments = path.split("/").slice(1);
  for (let i = 0; i < segments.length; i++) {
    // `\:` and `\*` are rou3's escapes for a literal colon or star.
    const segment = segments[i].replace(/\\[:*]/g, "");
    if (segment === "**" || /^\*\*:\w+$/.test(segment)) {
      if (i !== segments.length - 1) return `"${segments[i]}" must be the last segment`;
      continue;
    }
    if (segment === "*") continue;
    if (segment.startsWith("**")) {
      return `"${segments[i]}" is not a wildcard: write "**" for any depth or "**:name" to name it`;
    }
    if (/[(){}]/.test(segment)) {
      return `"${segments[i]}" uses a group or regular expression; write a plain ":name" and check its value with a params schema`;
    }
    const modifier = segment.match(/:(\w+)([?+*])/);
    if (modifier) {
      const [, name, mark] = modifier;
      const meant = mark === "?" ? "optional" : "repeated";
      return `":${name}${mark}" (an ${meant} parameter) is not supported; declare one route per shape, or use "**:${name}" for the rest of the path`;
    }
    if (segment.includes("*")) {
      return `"${segments[i]}": "*" only works as a whole segment ("*" for one segment, "**" for any depth)`;
    }
    if (/:(?!\w)/.test(segment))
      return `"${segments[i]}" has a ":" with no parameter name after it`;
    if (segment.includes("?")) return `"${segments[i]}": a route path cannot hold a query ("?")`;
  }
  return undefined;
}
