import type { Server } from "node:http";
import { serve } from "srvx";
import { app } from "./app.js";
import { config } from "./config.js";
import { setupHeartbeat, setupWebSocketServer } from "./ws-server.js";

// TODO(scaling-real-time): when config.redisUrl is set, connect BEFORE serve():
//   const redis = await connectRedisBus(config.redisUrl, config.redisPrefix);
//   setSharedPresence(createRedisPresence(redis, config.redisPrefix, config.presenceTtlMs));

const server = serve({ fetch: app.fetch, port: config.port });
await server.ready();

// On Node, srvx runs a node:http server underneath; WebSocket upgrades arrive there.
setupWebSocketServer(server.node?.server as Server);
setupHeartbeat();
