export { cors } from "./cors.js";
export { setupHttp } from "./generation.js";
export { group } from "./group.js";
export { createRoutes, route } from "./route.js";
export { setup } from "./setup.js";
