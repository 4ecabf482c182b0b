import { route } from "@hectoday/http";
import { errorResponse } from "../responses.js";

/** Event streams of a board. */
export const eventRoutes = [
  route.get("/boards/:boardId/events", {
    resolve: () => {
      // TODO(how-sse-works): build a ReadableStream whose start(controller) enqueues, as bytes
      // (new TextEncoder().encode(...)):
      //   1. `retry: ${config.sseRetryMs}` and an empty line (add sseRetryMs to src/config.ts)
      //   2. `data: {"type":"connected"}` and an empty line (JSON.stringify the object)
      // and never closes. Return new Response(stream, { headers }) with the headers
      // Content-Type: text/event-stream, Cache-Control: no-cache and Connection: keep-alive.
      return errorResponse(
        501,
        "NOT_IMPLEMENTED",
        "GET /boards/:boardId/events is not written yet.",
      );
    },
  }),
];
