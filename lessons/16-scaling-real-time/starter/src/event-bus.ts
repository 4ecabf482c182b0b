/** One thing that happened on a board, as it travels through the bus. */
export interface BusEvent {
  boardId: string;
  type: string;
  data: Record<string, unknown>;
}

/** A consumer of bus events: the SSE registry, the WebSocket rooms, the long-poll waiters. */
export type BusHandler = (event: BusEvent) => void;

/** Carries a published event to every instance, this one included (the Redis bridge). */
export type Relay = (event: BusEvent) => void;

const handlers = new Set<BusHandler>();

/** Registers `handler` for every event; the returned function removes it again. */
export function subscribe(handler: BusHandler): () => void {
  handlers.add(handler);
  return () => {
    handlers.delete(handler);
  };
}

/**
 * Announces a change. Without a relay the event goes straight to this process's
 * subscribers. With one, it goes only to the relay: the event comes back through
 * Redis like everyone else's, so delivering it here as well would send it twice.
 */
export function publish(boardId: string, type: string, data: Record<string, unknown>): void {
  const event: BusEvent = { boardId, type, data };
  // TODO(scaling-real-time): with a relay set, hand the event to the relay only (it comes back
  // through Redis, to this instance too); without one, deliver it here as before.
  deliver(event);
}

/**
 * Hands an event to every local subscriber. A subscriber that throws is logged and
 * skipped, so one broken consumer never keeps the others from their events.
 */
export function deliver(event: BusEvent): void {
  // A copy, so a handler that unsubscribes while we loop does not disturb the loop.
  for (const handler of [...handlers]) {
    try {
      handler(event);
    } catch (error) {
      console.error(`event bus: a subscriber failed on ${event.type} for ${event.boardId}:`, error);
    }
  }
}

/** Sends every published event through `next` from now on (undefined: back to local delivery). */
export function setRelay(_next: Relay | undefined): void {
  // TODO(scaling-real-time): remember `next` for publish().
}
