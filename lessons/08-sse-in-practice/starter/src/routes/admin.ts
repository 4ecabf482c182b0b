import { route } from "@hectoday/http";
import { errorResponse } from "../responses.js";
import { closeStreams } from "../sse.js";

/** Operator routes for the live connections. */
export const adminRoutes = [
  route.get("/admin/connections", {
    resolve: () => {
      // TODO(sse-in-practice): answer Response.json({ total, boards }) where total is
      // getConnectionCount() and boards maps each board id that has open streams to
      // getConnectionCountByBoard(boardId), e.g. { "total": 3, "boards": { "board-1": 2, "board-2": 1 } }.
      return errorResponse(501, "NOT_IMPLEMENTED", "GET /admin/connections is not written yet.");
    },
  }),

  // Ends every open event stream (or one board's, with ?boardId=): clients come back on their own.
  route.post("/admin/connections/close", {
    resolve: (c) => {
      const boardId = new URL(c.request.url).searchParams.get("boardId") ?? undefined;
      return Response.json({ closed: closeStreams(boardId) });
    },
  }),
];
