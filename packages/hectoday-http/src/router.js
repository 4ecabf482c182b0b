import { addRoute, createRouter as createTree, findRoute } from "rou3";

/**
 * Builds a router over route descriptors with rou3, the matcher the published package (0.2) uses:
 * static segments beat `:params`, params beat `*`, `*` beats `**`; ties go to declaration order.
 * @param {readonly import("./route.js").RouteDescriptor[]} routes
 */
export function createRouter(routes) {
  /** @type {import("rou3").RouterContext<import("./route.js").RouteDescriptor>} */
  const tree = createTree();
  for (const route of routes) {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    // Any-method routes live under the empty method (route.all); "*" is taken to mean the same.
    for (const method of methods) addRoute(tree, method === "*" ? "" : method, route.path, route);
  }

  /**
   * Returns the route accepting this exact method (or any method) and path, with its raw params, or null.
   * @param {string} method
   * @param {string} pathname
   */
  function find(method, pathname) {
    const found = findRoute(tree, method, pathname);
    if (!found) return null;
    // rou3 hands out a null-prototype object; the context gets a plain one with the same keys.
    return { route: found.data, params: { ...found.params } };
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
