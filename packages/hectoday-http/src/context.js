/**
 * Creates the frozen per-request context handed to guards, `resolve` and hooks.
 * `params` mirrors `raw.params` (raw path strings) for convenience.
 * @param {{ request: Request, env: unknown, params: Record<string, string>, query: Record<string, string | string[]>, body?: unknown, input?: unknown, locals: Record<string, unknown> }} parts
 */
export function createContext({ request, env, params, query, body, input, locals }) {
  return Object.freeze({
    request,
    params,
    raw: Object.freeze({ params, query, body }),
    input: input ?? { ok: true, params, query, body, issues: [], failed: [] },
    locals,
    env,
  });
}

/**
 * Returns a copy of a context whose locals are the old locals merged with a patch (later keys win).
 * @template {{ locals: Record<string, unknown> }} C
 * @param {C} context
 * @param {Record<string, unknown>} patch
 * @returns {C}
 */
export function withLocals(context, patch) {
  return Object.freeze({ ...context, locals: { ...context.locals, ...patch } });
}
