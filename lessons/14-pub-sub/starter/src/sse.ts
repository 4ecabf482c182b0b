import { config } from "./config.js";

/** One open event stream: the board it follows and the controller that writes to it. */
interface SSEClient {
  boardId: string;
  controller: ReadableStreamDefaultController<Uint8Array>;
}

/** A sent event kept for clients that reconnect: its id, its board and its frame. */
interface BufferedEvent {
  id: number;
  boardId: string;
  frame: Uint8Array;
}

/** How many recent events (of all boards together) are kept for replay. */
export const EVENT_BUFFER_SIZE = 100;

/** Every open stream of every board. */
const clients = new Set<SSEClient>();

/** The last EVENT_BUFFER_SIZE events sent, oldest first. */
const eventBuffer: BufferedEvent[] = [];

/** The id of the newest event this server instance has given out (0: none yet). */
let lastEventId = 0;

const encoder = new TextEncoder();

/** How often (ms) every stream gets a heartbeat comment; from SSE_HEARTBEAT_MS. */
export const HEARTBEAT_INTERVAL = config.sseHeartbeatMs;

/** A comment frame: browsers ignore it, but it keeps idle proxies from closing the connection. */
const HEARTBEAT = encoder.encode(": heartbeat\n\n");

/** Writes `frame` to `client`; a stream that turns out to be gone is forgotten. */
function send(client: SSEClient, frame: Uint8Array): void {
  try {
    client.controller.enqueue(frame);
  } catch {
    // The stream closed before its cancel() ran: writing to it throws, so forget it.
    clients.delete(client);
  }
}

// One timer for all streams. unref() lets the process exit while only this timer is left.
setInterval(() => {
  for (const client of clients) send(client, HEARTBEAT);
}, HEARTBEAT_INTERVAL).unref();

/** The id for the next event; ids count up from 1 and belong to this server instance. */
export function nextEventId(): number {
  lastEventId += 1;
  return lastEventId;
}

/**
 * One SSE frame: `id:` (if given), `event:` (if given), `data:` with `data` as JSON, then
 * an empty line.
 */
export function formatSSE(data: unknown, eventType?: string, id?: number): string {
  let frame = "";
  if (id !== undefined) frame += `id: ${id}\n`;
  if (eventType !== undefined) frame += `event: ${eventType}\n`;
  return `${frame}data: ${JSON.stringify(data)}\n\n`;
}

/**
 * The frames a client that last saw `lastSeen` has missed on `boardId`, oldest first; or
 * "reset" when they cannot all be given: the id is not a number this instance issued, or
 * events after it have already left the buffer.
 */
function missedSince(boardId: string, lastSeen: string): Uint8Array[] | "reset" {
  if (!/^\d+$/.test(lastSeen)) return "reset";
  const seen = Number(lastSeen);
  if (seen > lastEventId) return "reset";
  const oldest = eventBuffer[0]?.id ?? lastEventId + 1;
  if (seen < oldest - 1) return "reset";
  return eventBuffer.filter((e) => e.id > seen && e.boardId === boardId).map((e) => e.frame);
}

/**
 * Opens an event stream for `boardId`: registers it, greets it with the retry delay and a
 * `connected` frame, replays what a reconnecting client missed (`lastSeen` is its
 * Last-Event-ID), and forgets it as soon as the client goes away.
 */
export function addClient(boardId: string, lastSeen?: string | null): ReadableStream<Uint8Array> {
  let client: SSEClient | undefined;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(`retry: ${config.sseRetryMs}\n\n`));
      controller.enqueue(encoder.encode(formatSSE({ type: "connected" })));
      if (lastSeen) {
        const missed = missedSince(boardId, lastSeen);
        if (missed === "reset") {
          // The id tells the browser where it stands now, so its next reconnect resumes from here.
          controller.enqueue(encoder.encode(formatSSE({ type: "reset" }, "reset", lastEventId)));
        } else {
          for (const frame of missed) controller.enqueue(frame);
        }
      }
      // Registered after the replay, in the same synchronous step: no live event can slip in between.
      client = { boardId, controller };
      clients.add(client);
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
  if (id !== undefined) {
    eventBuffer.push({ id, boardId, frame });
    if (eventBuffer.length > EVENT_BUFFER_SIZE) eventBuffer.shift();
  }
  for (const client of clients) {
    if (client.boardId === boardId) send(client, frame);
  }
}

/**
 * Ends every open stream (of one board, or of all). Browsers reconnect after the retry
 * delay and resume with Last-Event-ID. Returns how many streams were closed.
 */
export function closeStreams(boardId?: string): number {
  let closed = 0;
  for (const client of clients) {
    if (boardId !== undefined && client.boardId !== boardId) continue;
    clients.delete(client);
    try {
      client.controller.close();
    } catch {
      // Already closed by the other side.
    }
    closed += 1;
  }
  return closed;
}

/** How many event streams are open, all boards together. */
export function getConnectionCount(): number {
  return clients.size;
}

/** How many event streams of `boardId` are open. */
export function getConnectionCountByBoard(boardId: string): number {
  let count = 0;
  for (const client of clients) if (client.boardId === boardId) count += 1;
  return count;
}

/** The board ids that have at least one open stream. */
export function getConnectedBoards(): string[] {
  return [...new Set([...clients].map((c) => c.boardId))];
}

// TODO(pub-sub): subscribe((event) => …) from ./event-bus.js and, for every event,
// broadcast(event.boardId, { type: event.type, ...event.data }, event.type, nextEventId()):
// the SSE data now carries the type too.
