import { setup } from "@hectoday/http";
import { healthRoutes } from "./routes/health.js";
import { taskRoutes } from "./routes/tasks.js";

/** The HTTP application: every route of the task board. */
export const app = setup({
  handlers: [...healthRoutes, ...taskRoutes],
});
