import { config } from "./config.js";

// TODO(building-an-sse-endpoint): keep every open stream in a module-level collection, e.g.
//   interface SSEClient { boardId: string; controller: ReadableStreamDefaultController<Uint8Array> }
//   const clients = new Set<SSEClient>();

const encoder = new TextEncoder();

/** One SSE frame: a `data:` line with `data` as JSON, ended by an empty line. */
export function formatSSE(_data: unknown): string {
  // TODO(building-an-sse-endpoint): return "data: " + the JSON of data, followed by "\n\n".
  return "";
}

/**
 * Opens an event stream for `boardId`: registers it, greets it with the retry delay and a
 * `connected` frame, and forgets it as soon as the client goes away.
 */
export function addClient(_boardId: string): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(`retry: ${config.sseRetryMs}\n\n`));
      // TODO(building-an-sse-endpoint): register { boardId, controller } in `clients` (keep a reference to it
      // for cancel), then enqueue encoder.encode(formatSSE({ type: "connected" })).
    },
    // TODO(building-an-sse-endpoint): add cancel() { ... } that deletes exactly this client from `clients`.
  });
}

/** Sends `data` as one frame to every open stream of `boardId`, dropping streams that are gone. */
export function broadcast(_boardId: string, _data: unknown): void {
  // TODO(building-an-sse-endpoint): encode formatSSE(data) once, then enqueue it to every client whose boardId
  // matches. Wrap each enqueue in try/catch and delete the client when it throws (its stream
  // is already closed).
}
