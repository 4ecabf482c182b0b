/** @import { GuardFn, RouteDescriptor } from "./route.js" */

/**
 * Flattens routes (and nested groups) into one array, optionally prefixing paths and prepending shared guards.
 * Accepts `group([routes])` or `group({ prefix?, guards?, handlers | routes })`.
 * @param {unknown[] | { prefix?: string, guards?: GuardFn[], handlers?: unknown[], routes?: unknown[] }} input
 * @returns {RouteDescriptor[]}
 */
export function group(input) {
  if (Array.isArray(input)) return flattenRoutes(input);
  const { prefix, guards = [] } = input ?? {};
  const routes = flattenRoutes(input?.handlers ?? input?.routes ?? []);
  const base = normalizePrefix(prefix);
  return routes.map((route) => {
    const allGuards = [...guards, ...(route.guards ?? [])];
    const path = base ? joinPath(base, route.path) : route.path;
    return { ...route, path, guards: allGuards, config: { ...route.config, guards: allGuards } };
  });
}

/**
 * Flattens arbitrarily nested arrays of route descriptors.
 * @param {unknown[]} list
 * @returns {RouteDescriptor[]}
 */
export function flattenRoutes(list) {
  // A flat list is returned as it is, so `app.routes` is the very array given to setup().
  if (!list.some(Array.isArray)) return /** @type {RouteDescriptor[]} */ (list);
  return /** @type {RouteDescriptor[]} */ (list.flat(Number.POSITIVE_INFINITY));
}

/**
 * Normalizes a prefix to `/segment` form without a trailing slash (empty when absent or `/`).
 * @param {string | undefined} prefix
 */
function normalizePrefix(prefix) {
  if (!prefix || prefix === "/") return "";
  const withSlash = prefix.startsWith("/") ? prefix : `/${prefix}`;
  return withSlash.endsWith("/") ? withSlash.slice(0, -1) : withSlash;
}

/**
 * Joins a prefix and a route path so that `/api` + `/` is `/api`.
 * @param {string} prefix
 * @param {string} path
 */
function joinPath(prefix, path) {
  return path === "/" ? prefix : `${prefix}${path}`;
}
