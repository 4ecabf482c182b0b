import { route } from "@hectoday/http";
import { addClient } from "../sse.js";

/** The headers that turn a response into an event stream a browser's EventSource accepts. */
export const SSE_HEADERS = {
  "Content-Type": "text/event-stream",
  "Cache-Control": "no-cache",
  Connection: "keep-alive",
};

/** Event streams of a board. */
export const eventRoutes = [
  route.get("/boards/:boardId/events", {
    resolve: (c) => {
      // A browser that reconnects sends the id of the last event it saw.
      const lastSeen = c.request.headers.get("Last-Event-ID");
      return new Response(addClient(c.params.boardId, lastSeen), { headers: SSE_HEADERS });
    },
  }),
];
