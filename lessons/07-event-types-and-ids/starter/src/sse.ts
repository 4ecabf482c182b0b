import { config } from "./config.js";

/** One open event stream: the board it follows and the controller that writes to it. */
interface SSEClient {
  boardId: string;
  controller: ReadableStreamDefaultController<Uint8Array>;
}

/** How many recent events (of all boards together) are kept for replay. */
export const EVENT_BUFFER_SIZE = 100;

// TODO(event-types-and-ids): keep the last EVENT_BUFFER_SIZE events for replay, oldest first, e.g.
//   interface BufferedEvent { id: number; boardId: string; frame: Uint8Array }
//   const eventBuffer: BufferedEvent[] = [];
// and the newest id given out so far: let lastEventId = 0;

/** Every open stream of every board. */
const clients = new Set<SSEClient>();

const encoder = new TextEncoder();

/** The id for the next event; ids count up from 1 and belong to this server instance. */
export function nextEventId(): number {
  // TODO(event-types-and-ids): add one to lastEventId and return it.
  return 0;
}

/**
 * One SSE frame: `id:` (if given), `event:` (if given), `data:` with `data` as JSON, then
 * an empty line.
 */
export function formatSSE(data: unknown, _eventType?: string, _id?: number): string {
  // TODO(event-types-and-ids): start with "id: <id>\n" when id is given and "event: <eventType>\n" when
  // eventType is given, then the data: line and the empty line.
  return `data: ${JSON.stringify(data)}\n\n`;
}

/**
 * Opens an event stream for `boardId`: registers it, greets it with the retry delay and a
 * `connected` frame, replays what a reconnecting client missed (`lastSeen` is its
 * Last-Event-ID), and forgets it as soon as the client goes away.
 */
export function addClient(boardId: string, _lastSeen?: string | null): ReadableStream<Uint8Array> {
  let client: SSEClient | undefined;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      client = { boardId, controller };
      clients.add(client);
      controller.enqueue(encoder.encode(`retry: ${config.sseRetryMs}\n\n`));
      controller.enqueue(encoder.encode(formatSSE({ type: "connected" })));
      // TODO(event-types-and-ids): when lastSeen is given, after the greeting:
      //   - if it is not a whole number, is above lastEventId, or the buffer no longer holds the
      //     event right after it (lastSeen < oldest buffered id - 1): enqueue
      //     formatSSE({ type: "reset" }, "reset", lastEventId) and nothing else;
      //   - otherwise enqueue every buffered frame of this board with an id above lastSeen, in order.
      // Do the replay and the registration in this same synchronous start(), so no live event
      // can fall between them.
    },
    // Runs when the client disconnects: the server cancels the response body.
    cancel() {
      if (client) clients.delete(client);
    },
  });
}

/**
 * Sends `data` as one frame to every open stream of `boardId`, dropping streams that are
 * gone. With an `id`, the frame is also kept in the buffer for replay.
 */
export function broadcast(boardId: string, data: unknown, eventType?: string, id?: number): void {
  const frame = encoder.encode(formatSSE(data, eventType, id));
  // TODO(event-types-and-ids): when id is given, push { id, boardId, frame } onto the buffer and drop the
  // oldest entry once it holds more than EVENT_BUFFER_SIZE.
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

/**
 * Ends every open stream (of one board, or of all). Browsers reconnect after the retry
 * delay and resume with Last-Event-ID. Returns how many streams were closed.
 */
export function closeStreams(_boardId?: string): number {
  // TODO(event-types-and-ids): for every client (of boardId, when given): delete it from `clients`, call
  // controller.close() inside try/catch, and count it.
  return 0;
}
