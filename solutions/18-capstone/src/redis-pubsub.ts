import { createClient } from "redis";
import { type BusEvent, deliver, setRelay } from "./event-bus.js";

/** A connected node-redis client. */
export type RedisClient = ReturnType<typeof createClient>;

/** The channel that carries a board's events, e.g. `board:board-1`. */
export function channelOf(prefix: string, boardId: string): string {
  return `${prefix}board:${boardId}`;
}

/** Logs a client's connection changes. Without an "error" listener, a lost connection would crash the process. */
function watch(client: RedisClient, name: string): void {
  client.on("error", (error: Error) => console.error(`redis ${name}: ${error.message}`));
  client.on("reconnecting", () => console.log(`redis ${name}: reconnecting`));
  client.on("ready", () => console.log(`redis ${name}: ready`));
}

/**
 * Connects to Redis and routes the event bus through it: `publish` sends each event
 * to its board's channel, and a second connection, subscribed to every board
 * channel, hands what arrives (from any instance) to the local subscribers.
 * Returns the publishing client, which can run ordinary commands too.
 */
export async function connectRedisBus(url: string, prefix: string): Promise<RedisClient> {
  // Fail fast while Redis is away instead of queueing: a late event is as lost as a dropped one.
  const publisher = createClient({ url, disableOfflineQueue: true });
  // A client that subscribes can run no other command, hence a second connection.
  const subscriber = createClient({ url });
  watch(publisher, "publisher");
  watch(subscriber, "subscriber");
  await Promise.all([publisher.connect(), subscriber.connect()]);

  // node-redis subscribes again by itself after a reconnect.
  await subscriber.pSubscribe(`${prefix}board:*`, (message) => {
    let event: BusEvent;
    try {
      event = JSON.parse(message) as BusEvent;
    } catch {
      console.error(`redis: ignored a message that is not JSON: ${message.slice(0, 80)}`);
      return;
    }
    deliver(event);
  });

  setRelay((event) => {
    publisher
      .publish(channelOf(prefix, event.boardId), JSON.stringify(event))
      .catch((error: Error) => {
        console.error(`redis: ${event.type} for ${event.boardId} was lost: ${error.message}`);
      });
  });
  return publisher;
}
