import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type WebSocket, WebSocketServer } from "ws";
import { Transcript } from "../../../src/checks/transcript.ts";
import type { WsClient } from "../../../src/checks/types.ts";
import { openWs, WsHandshakeRefused } from "../../../src/checks/ws-client.ts";
import { CheckFailure } from "../../../src/errors.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.reverse()) await fn();
  cleanups = [];
});

/** A ws server on a free loopback port; `sockets` yields each server-side socket with its request. */
async function wsServer() {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((r) => wss.once("listening", r));
  const connections: { ws: WebSocket; req: http.IncomingMessage }[] = [];
  const waiting: ((c: (typeof connections)[number]) => void)[] = [];
  wss.on("connection", (ws, req) => {
    const c = { ws, req };
    const w = waiting.shift();
    if (w) w(c);
    else connections.push(c);
  });
  cleanups.push(async () => {
    for (const ws of wss.clients) ws.terminate();
    await new Promise((r) => wss.close(r));
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`,
    accepted: () =>
      new Promise<(typeof connections)[number]>((r) => {
        const c = connections.shift();
        if (c) r(c);
        else waiting.push(r);
      }),
  };
}

async function open(url: string, opts: Partial<Parameters<typeof openWs>[1]> = {}) {
  const client = await openWs(url, {
    name: "ws-1",
    logger: new Transcript().logger("ws-1"),
    ...opts,
  });
  cleanups.push(() => client.terminate());
  return client;
}

/** Polls `fn` every 5 ms for at most `ms`. */
async function until(fn: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await sleep(5);
  }
}

describe("openWs", () => {
  it("records JSON messages parsed, other text as strings and binary as its length", async () => {
    const server = await wsServer();
    const ws = await open(server.url);
    const { ws: peer } = await server.accepted();
    peer.send(JSON.stringify({ type: "hello", n: 1 }));
    peer.send("plain text");
    peer.send(Buffer.from([1, 2, 3]));
    expect(await ws.next()).toEqual({ type: "hello", n: 1 });
    expect(await ws.next()).toBe("plain text");
    expect(await ws.next()).toEqual({ binary: 3 });
    expect(ws.messages).toHaveLength(3);
    expect(ws.isOpen).toBe(true);
  });

  it("sends objects as JSON, strings as they are and bytes as binary frames", async () => {
    const server = await wsServer();
    const ws = await open(server.url);
    const { ws: peer } = await server.accepted();
    const got: unknown[] = [];
    peer.on("message", (data, isBinary) =>
      got.push(isBinary ? [...(data as Buffer)] : String(data)),
    );
    ws.send({ type: "join" });
    ws.send("raw");
    ws.sendBinary(new Uint8Array([9, 8]));
    await until(() => got.length === 3);
    expect(got).toEqual(['{"type":"join"}', "raw", [9, 8]]);
  });

  it("reports the close code and reason, and fails a pending wait with them at once", async () => {
    const server = await wsServer();
    const ws = await open(server.url);
    const { ws: peer } = await server.accepted();
    const pending = ws.next((m) => m.type === "never", { timeout: 5000 });
    peer.close(4001, "Unauthorized");
    await expect(pending).rejects.toThrow('the socket closed (code 4001 "Unauthorized")');
    expect(await ws.closed()).toEqual({ code: 4001, reason: "Unauthorized" });
    expect(await ws.closed({ timeout: 10 })).toEqual({ code: 4001, reason: "Unauthorized" });
    expect(ws.isOpen).toBe(false);
    expect(() => ws.send("late")).toThrow(CheckFailure);
  });

  it("fails closed() with a CheckFailure when the socket stays open", async () => {
    const server = await wsServer();
    const ws = await open(server.url);
    await expect(ws.closed({ timeout: 50 })).rejects.toThrow(
      "[ws-1] waited 50 ms for the socket to close; it stayed open.",
    );
  });

  it("rejects a refused handshake with the status and body that came instead of 101", async () => {
    const server = http.createServer();
    server.on("upgrade", (_req, socket) => {
      socket.end(
        "HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\nConnection: close\r\n\r\nforbidden",
      );
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`;
    const error = await open(url).catch((e) => e);
    expect(error).toBeInstanceOf(WsHandshakeRefused);
    expect(error).toBeInstanceOf(CheckFailure);
    expect(error.message).toContain("answered 403 instead of 101");
    expect(error.status).toBe(403);
    expect(error.body).toBe("forbidden");
  });

  it("says nothing listened when the connection is refused", async () => {
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    await expect(open(`ws://127.0.0.1:${port}/`)).rejects.toThrow(
      /nothing listened on 127\.0\.0\.1:\d+/,
    );
  });

  it("sends the cookie, origin and extra headers with the upgrade request", async () => {
    const server = await wsServer();
    const ws = await open(server.url, {
      cookie: "sid=abc",
      origin: "http://localhost:5173",
      headers: { "X-Test": "1" },
    });
    const { req } = await server.accepted();
    expect(req.headers.cookie).toBe("sid=abc");
    expect(req.headers.origin).toBe("http://localhost:5173");
    expect(req.headers["x-test"]).toBe("1");
    expect(ws.status).toBe(101);
    expect(ws.headers.get("upgrade")).toBe("websocket");
  });

  it("does not answer pings when autoPong is off", async () => {
    const server = await wsServer();
    const ws = await open(server.url, { autoPong: false });
    const { ws: peer } = await server.accepted();
    let pongs = 0;
    peer.on("pong", () => pongs++);
    peer.ping();
    await until(() => ws.pingsReceived === 1);
    await sleep(200);
    expect(pongs).toBe(0);
  });

  it("answers pings only while setAutoPong is on", async () => {
    const server = await wsServer();
    const ws: WsClient = await open(server.url);
    const { ws: peer } = await server.accepted();
    let pongs = 0;
    peer.on("pong", () => pongs++);
    peer.ping();
    await until(() => pongs === 1);
    ws.setAutoPong(false);
    peer.ping();
    await until(() => ws.pingsReceived === 2);
    await sleep(200);
    expect(pongs).toBe(1);
    ws.setAutoPong(true);
    peer.ping();
    await until(() => pongs === 2);
    expect(ws.pingsReceived).toBe(3);
  });

  it("consumes messages in order and names the wait when none matches in time", async () => {
    const server = await wsServer();
    const ws = await open(server.url);
    const { ws: peer } = await server.accepted();
    peer.send(JSON.stringify({ type: "a" }));
    peer.send(JSON.stringify({ type: "b" }));
    expect(await ws.next((m) => m.type === "b")).toEqual({ type: "b" });
    const error = await ws
      .next((m) => m.type === "a", { timeout: 100, what: "an a message" })
      .catch((e) => e);
    expect(error).toBeInstanceOf(CheckFailure);
    expect(error.message).toBe("[ws-1] waited 100 ms for an a message; none came.");
    expect(error.received).toBe('{"type":"a"}\n{"type":"b"}');
  });

  it("fails expectNone as soon as a matching message arrives", async () => {
    const server = await wsServer();
    const ws = await open(server.url);
    const { ws: peer } = await server.accepted();
    setTimeout(() => peer.send(JSON.stringify({ type: "leak" })), 100);
    const started = performance.now();
    await expect(ws.expectNone((m) => m.type === "leak", 5000, "leaked message")).rejects.toThrow(
      "[ws-1] expected no leaked message within 5000 ms, but one came.",
    );
    expect(performance.now() - started).toBeLessThan(2000);
    await expect(ws.expectNone((m) => m.type === "other", 50)).resolves.toBeUndefined();
  });
});
