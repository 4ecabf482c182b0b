import { route } from "@hectoday/http";
import { waitForUpdate } from "../long-poll.js";
import { errorResponse } from "../responses.js";
import { getBoardTasks, getBoardTasksSince } from "../tasks.js";

/**
 * Turns the `since` query value into the exact format stored in `updated_at`
 * (`YYYY-MM-DDTHH:mm:ss.sssZ`), so that comparing the two strings compares the instants.
 */
function normalizeSince(value: string): string | undefined {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Polling endpoints of a board. */
export const boardRoutes = [
  route.get("/boards/:boardId/updates", {
    resolve: (c) => {
      const boardId = c.params.boardId;
      const sinceParam = new URL(c.request.url).searchParams.get("since");

      // Taken before the query: a change that lands while we read is reported next time, not lost.
      const timestamp = new Date().toISOString();

      if (sinceParam === null) {
        return Response.json({ data: getBoardTasks(boardId), timestamp });
      }

      const since = normalizeSince(sinceParam);
      if (since === undefined) {
        return errorResponse(400, "VALIDATION_ERROR", "since must be an ISO 8601 timestamp.", [
          { path: "since", message: `Could not read "${sinceParam}" as a date` },
        ]);
      }
      return Response.json({ data: getBoardTasksSince(boardId, since), timestamp });
    },
  }),

  route.get("/boards/:boardId/poll", {
    resolve: (c) => waitForUpdate(c.params.boardId, c.request.signal),
  }),

  route.get("/boards/:boardId/presence", {
    // TODO(presence): answer { boardId, users: getPresence(boardId) } (from ../presence.js).
    resolve: () =>
      errorResponse(501, "NOT_IMPLEMENTED", "GET /boards/:boardId/presence is not written yet."),
  }),
];
