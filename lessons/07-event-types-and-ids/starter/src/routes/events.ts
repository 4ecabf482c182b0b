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
      // TODO(event-types-and-ids): read the Last-Event-ID request header (c.request.headers.get) and pass it
      // to addClient() as its second argument.
      return new Response(addClient(c.params.boardId), { headers: SSE_HEADERS });
    },
  }),
];
