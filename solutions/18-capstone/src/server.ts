import type { Server } from "node:http";
import { serve } from "srvx";
import { app } from "./app.js";
import { config } from "./config.js";
import { setSharedPresence } from "./presence.js";
import { createRedisPresence } from "./redis-presence.js";
import { connectRedisBus } from "./redis-pubsub.js";
import { setupHeartbeat, setupWebSocketServer } from "./ws-server.js";

// With Redis, connect before listening: a client must never meet an instance that cannot deliver yet.
if (config.redisUrl) {
  const redis = await connectRedisBus(config.redisUrl, config.redisPrefix);
  setSharedPresence(createRedisPresence(redis, config.redisPrefix, config.presenceTtlMs));
}

const server = serve({ fetch: app.fetch, port: config.port });
await server.ready();

// On Node, srvx runs a node:http server underneath; WebSocket upgrades arrive there.
setupWebSocketServer(server.node?.server as Server);
setupHeartbeat();
