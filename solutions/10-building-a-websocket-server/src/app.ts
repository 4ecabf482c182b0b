import { setup } from "@hectoday/http";
import { adminRoutes } from "./routes/admin.js";
import { boardRoutes } from "./routes/boards.js";
import { eventRoutes } from "./routes/events.js";
import { healthRoutes } from "./routes/health.js";
import { taskRoutes } from "./routes/tasks.js";

/** The HTTP application: every route of the task board. */
export const app = setup({
  handlers: [...healthRoutes, ...taskRoutes, ...boardRoutes, ...eventRoutes, ...adminRoutes],
});
