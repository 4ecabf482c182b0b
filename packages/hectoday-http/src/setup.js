import { createContext, withLocals } from "./context.js";
import { assertHookShapes, hookInfo } from "./generation.js";
import { flattenRoutes } from "./group.js";
import { buildInput } from "./input.js";
import { assertRoutePath } from "./pattern.js";
import { parseQuery, readJsonBody } from "./raw.js";
import { buildRequest } from "./request.js";
import {
  expectResponse,
  internalErrorResponse,
  notFoundResponse,
  stripHeadBody,
} from "./responses.js";
import { createRouter } from "./router.js";

/**
 * Bootstraps an app from a route array or a config object and returns `{ fetch, request, routes }`;
 * `fetch` is a standalone `(Request) => Promise<Response>` that needs no binding.
 * @param {any} configOrRoutes
 */
export function setup(configOrRoutes) {
  const config = Array.isArray(configOrRoutes)
    ? { routes: configOrRoutes }
    : (configOrRoutes ?? {});
  assertHookShapes(config);
  const routes = flattenRoutes(config.routes ?? config.handlers ?? []);
  for (const descriptor of routes) assertDescriptor(descriptor);
  const router = createRouter(routes);
  const { validator, onRequest, onResponse, onError, onNotFound } = config;

  /**
   * Runs onResponse (if any) over a response; if the hook throws, the original response is sent unchanged.
   * @param {any} context
   * @param {Response} response
   */
  async function applyOnResponse(context, response) {
    if (!onResponse) return response;
    const { request, locals, env } = context;
    try {
      return expectResponse(
        await onResponse({ request, response, locals, env, context }),
        "onResponse",
      );
    } catch (error) {
      if (!response.bodyUsed) return response;
      console.error("[@hectoday/http] onResponse threw after reading the body:", error);
      return internalErrorResponse();
    }
  }

  /**
   * Turns a thrown value into a response via onError (or the default 500), then passes it through onResponse.
   * @param {unknown} thrown
   * @param {any} context
   */
  async function respondToError(thrown, context) {
    if (thrown instanceof Response) return applyOnResponse(context, thrown);
    const error = thrown instanceof Error ? thrown : new Error(String(thrown), { cause: thrown });
    let response;
    if (onError) {
      const { request, locals, env } = context;
      try {
        response = expectResponse(
          await onError(hookInfo("onError", { error, request, locals, env, context })),
          "onError",
        );
      } catch (hookError) {
        console.error("[@hectoday/http] onError threw:", hookError);
        response = internalErrorResponse();
      }
    } else {
      console.error("[@hectoday/http] Unhandled error:", error);
      response = internalErrorResponse();
    }
    return applyOnResponse(context, response);
  }

  /**
   * Handles one request: onRequest → match → read and validate input → guards → resolve → onResponse.
   * @param {Request} request
   * @param {unknown} [env]
   * @returns {Promise<Response>}
   */
  async function fetch(request, env) {
    const url = new URL(request.url);
    const query = parseQuery(url.searchParams);
    let context = createContext({ request, env, params: {}, query, locals: {} });

    try {
      if (onRequest) {
        const patch = await onRequest(hookInfo("onRequest", { request, env }));
        if (patch && typeof patch === "object" && !(patch instanceof Response)) {
          context = withLocals(context, patch);
        }
      }
    } catch (error) {
      return stripHeadBody(request, await respondToError(error, context));
    }

    const found = router.match(request.method, url.pathname);
    if (!found) {
      let response;
      try {
        response = onNotFound
          ? expectResponse(
              await onNotFound({ request, locals: context.locals, env, context }),
              "onNotFound",
            )
          : notFoundResponse();
      } catch (error) {
        return stripHeadBody(request, await respondToError(error, context));
      }
      return stripHeadBody(request, await applyOnResponse(context, response));
    }

    try {
      const { route, params } = found;
      const schemas = route.request ?? route.config?.request;
      const body = schemas?.body !== undefined ? await readJsonBody(request) : undefined;
      const raw = {
        params,
        query,
        body: body?.value,
        bodyState: body?.state ?? "missing",
      };
      const input = buildInput(schemas, raw, validator);
      context = createContext({
        request,
        env,
        params,
        query,
        body: raw.body,
        input,
        locals: context.locals,
      });

      for (const guard of route.guards ?? []) {
        const decision = await guard(context);
        if (decision?.deny instanceof Response) {
          return stripHeadBody(request, await applyOnResponse(context, decision.deny));
        }
        if (decision?.allow !== true) {
          throw new TypeError("A guard must return { allow: true, locals? } or { deny: Response }");
        }
        if (decision.locals) context = withLocals(context, decision.locals);
      }

      const response = expectResponse(await route.handler(context), "resolve");
      return stripHeadBody(request, await applyOnResponse(context, response));
    } catch (error) {
      return stripHeadBody(request, await respondToError(error, context));
    }
  }

  /**
   * Test convenience: builds a Request for a path (JSON body, query object) and runs it through `fetch`.
   * @param {string} path
   * @param {import("./request.js").RequestOptions} [options]
   */
  function request(path, options) {
    return fetch(buildRequest(path, options));
  }

  return { fetch, request, routes };
}

/**
 * Throws a readable TypeError when something that is not a route descriptor was passed to setup().
 * @param {any} descriptor
 */
function assertDescriptor(descriptor) {
  const ok =
    descriptor &&
    typeof descriptor.path === "string" &&
    typeof descriptor.handler === "function" &&
    (typeof descriptor.method === "string" || Array.isArray(descriptor.method));
  if (!ok) {
    throw new TypeError(
      "setup() expects route descriptors created with route.get(), route.post(), …",
    );
  }
  // Paths built by group({ prefix }) or by hand are checked like route.*() checks its own.
  assertRoutePath(descriptor.path, `${String(descriptor.method)} ${descriptor.path}`);
}
