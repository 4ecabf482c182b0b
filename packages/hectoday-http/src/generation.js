/**
 * The package has had two API generations. 0.1 exported `setupHttp({ handlers })` with positional
 * hooks (`onRequest(request)`, `onResponse(c, response)`, `onError(error, c)`); 0.2, which this
 * package follows, exports `setup({ routes })` whose hooks take one object. Code of the older
 * generation is refused with a message that says what to write instead, rather than half-working.
 */

const EXPECTED = "This package follows @hectoday/http 0.2";

/** What each hook receives in 0.2, for the messages. */
const SHAPES = {
  onRequest: "({ request, env })",
  onResponse: "({ request, response, locals, env })",
  onError: "({ error, request, locals, env })",
  onNotFound: "({ request, locals, env })",
};

/** The 0.1 signatures a hook with two parameters is taken for. */
const POSITIONAL = {
  onResponse: "onResponse(c, response)",
  onError: "onError(error, c)",
};

/**
 * `setupHttp` is the 0.1 name of `setup`; calling it explains the move instead of failing at import.
 * @returns {never}
 */
export function setupHttp() {
  throw new TypeError(
    `setupHttp() is the @hectoday/http 0.1 name. ${EXPECTED}: import { setup } and call ` +
      `setup({ routes: [...] }); its hooks take one object, e.g. onRequest: ({ request }) => …, ` +
      `onResponse: ({ response }) => …, onError: ({ error }) => ….`,
  );
}

/**
 * Throws when a hook is written with the 0.1 positional signature (two parameters).
 * @param {Record<string, unknown>} config
 */
export function assertHookShapes(config) {
  for (const [name, signature] of Object.entries(POSITIONAL)) {
    const hook = config[name];
    if (typeof hook === "function" && hook.length >= 2) {
      throw new TypeError(
        `${name} has two parameters, like the 0.1 signature ${signature}. ${EXPECTED}: ` +
          `${name} receives one object ${SHAPES[/** @type {keyof typeof SHAPES} */ (name)]}; ` +
          `write ${name}: ({ ${name === "onError" ? "error" : "response"}, locals }) => ….`,
      );
    }
  }
  for (const name of Object.keys(SHAPES)) {
    const hook = config[name];
    if (hook !== undefined && typeof hook !== "function") {
      throw new TypeError(
        `${name} must be a function, got ${hook === null ? "null" : typeof hook}`,
      );
    }
  }
}

/** Request members an `onRequest(request)` of 0.1 would read from what is now the info object. */
const REQUEST_MEMBERS = ["method", "url", "headers", "json", "text", "formData", "body"];
/** Error members an `onError(error)` of 0.1 would read from what is now the info object. */
const ERROR_MEMBERS = ["message", "stack"];

/**
 * Builds the object a hook receives; reading a member of the Request (for onRequest) or of the
 * Error (for onError) from it, as 0.1 code does, throws a message that says how to destructure it.
 * The members are non-enumerable, so spreading or logging the object shows only its own fields.
 * @template {Record<string, unknown>} T
 * @param {"onRequest" | "onError"} hook
 * @param {T} fields
 * @returns {T}
 */
export function hookInfo(hook, fields) {
  const members = hook === "onRequest" ? REQUEST_MEMBERS : ERROR_MEMBERS;
  const field = hook === "onRequest" ? "request" : "error";
  const info = { ...fields };
  for (const member of members) {
    Object.defineProperty(info, member, {
      enumerable: false,
      get() {
        throw new TypeError(
          `${hook} read .${member} from its argument, as in 0.1 where it was the ${field}. ` +
            `${EXPECTED}: ${hook} receives ${SHAPES[hook]}; write ${hook}: ({ ${field} }) => … and use ${field}.${member}.`,
        );
      },
    });
  }
  return info;
}
