import type { createClient } from "redis";

/** A connected node-redis client. */
export type RedisClient = ReturnType<typeof createClient>;

/** The channel that carries a board's events, e.g. `board:board-1`. */
export function channelOf(prefix: string, boardId: string): string {
  return `${prefix}board:${boardId}`;
}

/**
 * Connects to Redis and routes the event bus through it: `publish` sends each event
 * to its board's channel, and a second connection, subscribed to every board
 * channel, hands what arrives (from any instance) to the local subscribers.
 * Returns the publishing client, which can run ordinary commands too.
 */
export async function connectRedisBus(_url: string, _prefix: string): Promise<RedisClient> {
  // TODO(scaling-real-time):
  // 1. createClient({ url, disableOfflineQueue: true }) as the publisher, createClient({ url }) as the subscriber;
  // 2. give both an "error" listener (console.error): without one, a lost connection crashes the process;
  // 3. connect() both;
  // 4. subscriber.pSubscribe(`${prefix}board:*`, (message) => deliver(JSON.parse(message)));
  // 5. setRelay((event) => publisher.publish(channelOf(prefix, event.boardId), JSON.stringify(event)))
  //    with a .catch() that logs the lost event;
  // 6. return the publisher.
  throw new Error("TODO(scaling-real-time): connectRedisBus() is not written yet");
}
