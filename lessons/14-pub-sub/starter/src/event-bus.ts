/** One thing that happened on a board, as it travels through the bus. */
export interface BusEvent {
  boardId: string;
  type: string;
  data: Record<string, unknown>;
}

/** A consumer of bus events: the SSE registry, the WebSocket rooms, the long-poll waiters. */
export type BusHandler = (event: BusEvent) => void;

/** Registers `handler` for every published event; the returned function removes it again. */
export function subscribe(_handler: BusHandler): () => void {
  // TODO(pub-sub): keep the handler (a Set<BusHandler> at module level works well) and
  // return a function that removes exactly this handler, however often it is called.
  return () => {};
}

/**
 * Hands an event to every subscriber. A subscriber that throws is logged and
 * skipped, so one broken consumer never keeps the others from their events.
 */
export function publish(_boardId: string, _type: string, _data: Record<string, unknown>): void {
  // TODO(pub-sub): build one event { boardId, type, data } and call every handler with it,
  // each call inside try/catch: console.error() what a handler throws, then go on.
}
