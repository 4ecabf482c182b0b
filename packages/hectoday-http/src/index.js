export { group } from "./group.js";
export { route } from "./route.js";
export { setup } from "./setup.js";
