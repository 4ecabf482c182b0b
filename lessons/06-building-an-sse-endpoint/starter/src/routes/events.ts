import { route } from "@hectoday/http";
import { config } from "../config.js";

/** The headers that turn a response into an event stream a browser's EventSource accepts. */
export const SSE_HEADERS = {
  "Content-Type": "text/event-stream",
  "Cache-Control": "no-cache",
  Connection: "keep-alive",
};

const encoder = new TextEncoder();

/** Event streams of a board. */
export const eventRoutes = [
  route.get("/boards/:boardId/events", {
    resolve: () => {
      // TODO(building-an-sse-endpoint): replace this hand-written stream with
      // new Response(addClient(c.params.boardId), { headers: SSE_HEADERS }) (import from ../sse.js).
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          // A block with only a retry field sets the reconnection delay and dispatches nothing.
          controller.enqueue(encoder.encode(`retry: ${config.sseRetryMs}\n\n`));
          controller.enqueue(encoder.encode(`data: ${JSON.stringify({ type: "connected" })}\n\n`));
          // No close(): the response stays open until the client goes away.
        },
      });
      return new Response(stream, { headers: SSE_HEADERS });
    },
  }),
];
