import { config } from "./config.js";

/** One open event stream: the board it follows and the controller that writes to it. */
interface SSEClient {
  boardId: string;
  controller: ReadableStreamDefaultController<Uint8Array>;
}

/** Every open stream of every board. */
const clients = new Set<SSEClient>();

const encoder = new TextEncoder();

/** One SSE frame: a `data:` line with `data` as JSON, ended by an empty line. */
export function formatSSE(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

/**
 * Opens an event stream for `boardId`: registers it, greets it with the retry delay and a
 * `connected` frame, and forgets it as soon as the client goes away.
 */
export function addClient(boardId: string): ReadableStream<Uint8Array> {
  let client: SSEClient | undefined;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      client = { boardId, controller };
      clients.add(client);
      controller.enqueue(encoder.encode(`retry: ${config.sseRetryMs}\n\n`));
      controller.enqueue(encoder.encode(formatSSE({ type: "connected" })));
    },
    // Runs when the client disconnects: the server cancels the response body.
    cancel() {
      if (client) clients.delete(client);
    },
  });
}

/** Sends `data` as one frame to every open stream of `boardId`, dropping streams that are gone. */
export function broadcast(boardId: string, data: unknown): void {
  const frame = encoder.encode(formatSSE(data));
  for (const client of clients) {
    if (client.boardId !== boardId) continue;
    try {
      client.controller.enqueue(frame);
    } catch {
      // The stream closed before its cancel() ran: writing to it throws, so forget it.
      clients.delete(client);
    }
  }
}
