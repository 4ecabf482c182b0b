import { setup } from "@hectoday/http";
import { authRoutes } from "./routes/auth.js";
import { boardRoutes } from "./routes/boards.js";
import { healthRoutes } from "./routes/health.js";
import { taskRoutes } from "./routes/tasks.js";

/** The HTTP application: every route of the task board. */
export const app = setup({
  handlers: [...healthRoutes, ...authRoutes, ...taskRoutes, ...boardRoutes],
});
