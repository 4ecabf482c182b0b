import { route } from "@hectoday/http";
import { errorResponse } from "../responses.js";

/** Polling endpoints of a board. */
export const boardRoutes = [
  route.get("/boards/:boardId/updates", {
    resolve: () => {
      // TODO(short-polling): read c.params.boardId and the optional `since` query parameter
      // (new URL(c.request.url).searchParams.get("since")).
      // Take timestamp = new Date().toISOString() BEFORE reading the tasks.
      // Without since: Response.json({ data: getBoardTasks(boardId), timestamp }).
      // With since: turn it into new Date(since).toISOString() (400 VALIDATION_ERROR when it is
      // not a date), then Response.json({ data: getBoardTasksSince(boardId, since), timestamp }).
      return errorResponse(
        501,
        "NOT_IMPLEMENTED",
        "GET /boards/:boardId/updates is not written yet.",
      );
    },
  }),
];
