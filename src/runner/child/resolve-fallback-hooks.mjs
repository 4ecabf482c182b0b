// A bare import that node cannot resolve from the learner's workspace is
// resolved from the runner's installation instead, as the default runtime's
// node_modules link does.
const RUNNER = new URL("../../../package.json", import.meta.url).href;

export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    const bare = !/^(?:\.|\/|[a-z][a-z0-9+.-]*:)/i.test(specifier);
    if (!bare || error?.code !== "ERR_MODULE_NOT_FOUND" || context.parentURL === RUNNER) {
      throw error;
    }
    return next(specifier, { ...context, parentURL: RUNNER });
  }
}
