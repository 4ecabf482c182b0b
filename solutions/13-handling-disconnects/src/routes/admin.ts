import { route } from "@hectoday/http";
import {
  closeStreams,
  getConnectedBoards,
  getConnectionCount,
  getConnectionCountByBoard,
} from "../sse.js";

/** Operator routes for the live connections. */
export const adminRoutes = [
  // How many event streams are open, in total and per board (boards without streams are left out).
  route.get("/admin/connections", {
    resolve: () => {
      const boards: Record<string, number> = {};
      for (const boardId of getConnectedBoards()) {
        boards[boardId] = getConnectionCountByBoard(boardId);
      }
      return Response.json({ total: getConnectionCount(), boards });
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
