/** One thing that happened on a board, as it travels through the bus. */
export interface BusEvent {
  boardId: string;
  type: string;
  data: Record<string, unknown>;
}

/** A consumer of bus events: the SSE registry, the WebSocket rooms, the long-poll waiters. */
export type BusHandler = (event: BusEvent) => void;

const handlers = new Set<BusHandler>();

/** Registers `handler` for every published event; the returned function removes it again. */
export function subscribe(handler: BusHandler): () => void {
  handlers.add(handler);
  return () => {
    handlers.delete(handler);
  };
}

/**
 * Hands an event to every subscriber. A subscriber that throws is logged and
 * skipped, so one broken consumer never keeps the others from their events.
 */
export function publish(boardId: string, type: string, data: Record<string, unknown>): void {
  const event: BusEvent = { boardId, type, data };
  // A copy, so a handler that unsubscribes while we loop does not disturb the loop.
  for (const handler of [...handlers]) {
    try {
      handler(event);
    } catch (error) {
      console.error(`event bus: a subscriber failed on ${type} for ${boardId}:`, error);
    }
  }
}
