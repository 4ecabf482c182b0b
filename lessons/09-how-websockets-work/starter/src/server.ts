import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { serve } from "srvx";
import { app } from "./app.js";
import { config } from "./config.js";
import { handleRawUpgrade, pathOf, refuseUpgrade } from "./handshake.js";

const server = serve({ fetch: app.fetch, port: config.port });
await server.ready();

// On Node, srvx runs a node:http server underneath; WebSocket upgrades arrive there.
const httpServer = server.node?.server as Server;
httpServer.on("upgrade", (req: IncomingMessage, socket: Duplex) => {
  if (pathOf(req) === "/ws-raw") handleRawUpgrade(req, socket);
  else refuseUpgrade(socket, 404, "Not Found");
});
