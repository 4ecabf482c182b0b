import { route } from "@hectoday/http";
import { errorResponse } from "../responses.js";

/** Operator routes for the live connections. */
export const adminRoutes = [
  // Ends every open event stream (or one board's, with ?boardId=): clients come back on their own.
  route.post("/admin/connections/close", {
    resolve: () => {
      // TODO(event-types-and-ids): answer Response.json({ closed: closeStreams(boardId) }) with closeStreams
      // from ../sse.js, boardId being the optional ?boardId= query value.
      return errorResponse(
        501,
        "NOT_IMPLEMENTED",
        "POST /admin/connections/close is not written yet.",
      );
    },
  }),
];
