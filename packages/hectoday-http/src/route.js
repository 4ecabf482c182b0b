import { assertRoutePath } from "./pattern.js";

/**
 * @typedef {{ params?: unknown, query?: unknown, body?: unknown }} RequestSchemas
 * @typedef {(c: any) => unknown} GuardFn
 * @typedef {{ request?: RequestSchemas, response?: Record<number, unknown>, guards?: GuardFn[], resolve: (c: any) => Response | Promise<Response> }} RouteConfig
 * @typedef {{ method: string | string[], path: string, config: RouteConfig, handler: RouteConfig["resolve"], guards: GuardFn[], request?: RequestSchemas }} RouteDescriptor
 */

/**
 * Builds a route descriptor from a method (or methods), a path and a config, checking the inputs early.
 * @param {string | string[]} method
 * @param {string} path
 * @param {RouteConfig} config
 * @returns {RouteDescriptor}
 */
export function describeRoute(method, path, config) {
  if (typeof path !== "string" || !path.startsWith("/")) {
    throw new TypeError(`Route path must start with "/", got ${JSON.stringify(path)}`);
  }
  assertRoutePath(path, `${String(method)} ${path}`);
  if (!config || typeof config.resolve !== "function") {
    throw new TypeError(`Route ${String(method)} ${path} needs a "resolve" function`);
  }
  const methods = Array.isArray(method) ? method.map(normalizeMethod) : normalizeMethod(method);
  const guards = config.guards ? [...config.guards] : [];
  return {
    method: methods,
    path,
    config: { ...config, guards },
    handler: config.resolve,
    guards,
    request: config.request,
  };
}

/**
 * Upper-cases an HTTP method name; `*` stays as the any-method marker.
 * @param {string} method
 */
function normalizeMethod(method) {
  if (typeof method !== "string" || method.length === 0) {
    throw new TypeError("HTTP method must be a non-empty string");
  }
  return method.toUpperCase();
}

/** Route builders, one per HTTP method, each returning a route descriptor for `setup()`. */
export const route = {
  get: (/** @type {string} */ path, /** @type {RouteConfig} */ config) =>
    describeRoute("GET", path, config),
  post: (/** @type {string} */ path, /** @type {RouteConfig} */ config) =>
    describeRoute("POST", path, config),
  put: (/** @type {string} */ path, /** @type {RouteConfig} */ config) =>
    describeRoute("PUT", path, config),
  patch: (/** @type {string} */ path, /** @type {RouteConfig} */ config) =>
    describeRoute("PATCH", path, config),
  delete: (/** @type {string} */ path, /** @type {RouteConfig} */ config) =>
    describeRoute("DELETE", path, config),
  head: (/** @type {string} */ path, /** @type {RouteConfig} */ config) =>
    describeRoute("HEAD", path, config),
  options: (/** @type {string} */ path, /** @type {RouteConfig} */ config) =>
    describeRoute("OPTIONS", path, config),
  // 0.2 stores an any-method route under the empty method, as rou3 does.
  all: (/** @type {string} */ path, /** @type {RouteConfig} */ config) => ({
    ...describeRoute("*", path, config),
    method: "",
  }),
  on: (
    /** @type {string | string[]} */ method,
    /** @type {string} */ path,
    /** @type {RouteConfig} */ config,
  ) => describeRoute(method, path, config),
};

/** The route builders with `c.env` typed (a types-only distinction: at run time they are `route`). */
export function createRoutes() {
  return route;
}
