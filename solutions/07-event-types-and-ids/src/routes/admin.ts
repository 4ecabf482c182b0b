import { route } from "@hectoday/http";
import { closeStreams } from "../sse.js";

/** Operator routes for the live connections. */
export const adminRoutes = [
  // Ends every open event stream (or one board's, with ?boardId=): clients come back on their own.
  route.post("/admin/connections/close", {
    resolve: (c) => {
      const boardId = new URL(c.request.url).searchParams.get("boardId") ?? undefined;
      return Response.json({ closed: closeStreams(boardId) });
    },
  }),
];
