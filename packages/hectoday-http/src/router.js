import { compareRank, compilePath } from "./path.js";

/**
 * Builds a router over route descriptors; the most specific path wins, ties go to declaration order.
 * @param {readonly import("./route.js").RouteDescriptor[]} routes
 */
export function createRouter(routes) {
  const entries = routes
    .map((route, order) => {
      const compiled = compilePath(route.path);
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      return { route, order, methods: new Set(methods), ...compiled };
    })
    .sort((a, b) => compareRank(a.rank, b.rank) || a.order - b.order);

  /**
   * Returns the first route accepting this exact method (or any method) and path, or null.
   * @param {string} method
   * @param {string} pathname
   */
  function find(method, pathname) {
    for (const entry of entries) {
      if (!entry.methods.has(method) && !entry.methods.has("*")) continue;
      const params = entry.match(pathname);
      if (params) return { route: entry.route, params };
    }
    return null;
  }

  /**
   * Finds the route for a request; a HEAD request falls back to the GET route when no HEAD route exists.
   * @param {string} method
   * @param {string} pathname
   */
  function match(method, pathname) {
    const found = find(method, pathname);
    if (found || method !== "HEAD") return found;
    return find("GET", pathname);
  }

  return { match };
}
