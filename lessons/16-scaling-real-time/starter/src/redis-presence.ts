import type { SharedPresence } from "./presence.js";
import type { RedisClient } from "./redis-pubsub.js";

/**
 * Keeps this instance's viewers in Redis, where every instance can read them: one
 * sorted set per board whose members are `[instance, userId, name]` and whose
 * scores are the moment each entry expires. The instance re-writes its entries
 * every third of the TTL; an instance that dies stops doing so, and its viewers
 * drop out of every list within one TTL.
 */
export function createRedisPresence(
  _client: RedisClient,
  _prefix: string,
  _ttlMs: number,
): SharedPresence {
  // TODO(scaling-real-time): pick an instance id (randomUUID()); the key of a board is `${prefix}presence:${roomId}`.
  // - add(roomId, viewer): ZADD the member JSON.stringify([instance, userId, name]) with score Date.now() + ttlMs;
  // - remove(roomId, viewer): ZREM that member;
  // - list(roomId): ZREMRANGEBYSCORE up to now, ZRANGEBYSCORE from now to +inf, one { userId, name } per user;
  // - every ttlMs / 3, re-write (ZADD, not just a new score) every entry of localViewers().
  throw new Error("TODO(scaling-real-time): createRedisPresence() is not written yet");
}
