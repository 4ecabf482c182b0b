import { randomUUID } from "node:crypto";
import { localViewers, type SharedPresence, type Viewer } from "./presence.js";
import type { RedisClient } from "./redis-pubsub.js";

/**
 * Keeps this instance's viewers in Redis, where every instance can read them: one
 * sorted set per board whose members are `[instance, userId, name]` and whose
 * scores are the moment each entry expires. The instance re-writes its entries
 * every third of the TTL; an instance that dies stops doing so, and its viewers
 * drop out of every list within one TTL.
 */
export function createRedisPresence(
  client: RedisClient,
  prefix: string,
  ttlMs: number,
): SharedPresence {
  const instance = randomUUID();
  const keyOf = (roomId: string) => `${prefix}presence:${roomId}`;
  const memberOf = (viewer: Viewer) => JSON.stringify([instance, viewer.userId, viewer.name]);

  const write = async (roomId: string, viewers: Viewer[]) => {
    const expiresAt = Date.now() + ttlMs;
    await client.zAdd(
      keyOf(roomId),
      viewers.map((v) => ({ score: expiresAt, value: memberOf(v) })),
    );
    // A board nobody refreshes any more disappears entirely.
    await client.pExpire(keyOf(roomId), ttlMs * 2);
  };

  let failing = false;
  const refresh = async () => {
    try {
      // Whole entries, not just new scores: after a Redis restart the set is gone and must be rebuilt.
      for (const [roomId, viewers] of localViewers()) await write(roomId, viewers);
      if (failing) console.log("presence: refreshed in Redis again");
      failing = false;
    } catch (error) {
      if (!failing)
        console.error(`presence: could not refresh in Redis: ${(error as Error).message}`);
      failing = true;
    }
  };
  setInterval(refresh, Math.max(50, Math.floor(ttlMs / 3))).unref();

  return {
    add(roomId, viewer) {
      write(roomId, [viewer]).catch((error: Error) => console.error(`presence: ${error.message}`));
    },
    remove(roomId, viewer) {
      client
        .zRem(keyOf(roomId), memberOf(viewer))
        .catch((error: Error) => console.error(`presence: ${error.message}`));
    },
    async list(roomId) {
      const now = Date.now();
      await client.zRemRangeByScore(keyOf(roomId), "-inf", now);
      const members = await client.zRangeByScore(keyOf(roomId), now, "+inf");
      const viewers = new Map<string, Viewer>();
      for (const member of members) {
        const [, userId, name] = JSON.parse(member) as [string, string, string];
        if (!viewers.has(userId)) viewers.set(userId, { userId, name });
      }
      return [...viewers.values()];
    },
  };
}
