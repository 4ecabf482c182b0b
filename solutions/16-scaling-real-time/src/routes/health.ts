import { route } from "@hectoday/http";

/** `GET /health`: answers as long as the process is up. */
export const healthRoutes = [
  route.get("/health", {
    resolve: () => Response.json({ status: "ok" }),
  }),
];
