import type { AddressInfo } from "node:net";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { describeBytes, rawExchange, websocketAccept } from "../../../src/checks/raw-http.ts";
import { Transcript } from "../../../src/checks/transcript.ts";
import { CheckFailure } from "../../../src/errors.ts";

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";
const REQUEST =
  "GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
  `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
const HEAD =
  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
  `Sec-WebSocket-Accept: ${websocketAccept(KEY)}\r\n\r\n`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const logger = () => new Transcript().logger("tester");
let servers: net.Server[] = [];

afterEach(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  servers = [];
});

/** A TCP server that hands each connection and the bytes it has received so far to `onData`. */
async function tcpServer(onData: (socket: net.Socket, received: Buffer) => void): Promise<number> {
  const server = net.createServer((socket) => {
    let received = Buffer.alloc(0);
    socket.on("data", (chunk) => {
      received = Buffer.concat([received, chunk]);
      onData(socket, received);
    });
    socket.on("error", () => {});
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

describe("websocketAccept", () => {
  it("derives the RFC 6455 sample accept value from the sample key", () => {
    expect(websocketAccept(KEY)).toBe("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  });
});

describe("rawExchange", () => {
  it("reads a 101 head that arrives in two writes and takes it apart", async () => {
    let request = "";
    const port = await tcpServer(async (socket, received) => {
      if (!received.includes("\r\n\r\n")) return;
      request = received.toString();
      socket.write(HEAD.slice(0, 20));
      await sleep(30);
      socket.write(HEAD.slice(20));
    });
    const res = await rawExchange("127.0.0.1", port, REQUEST, { logger: logger(), timeout: 2000 });
    expect(request).toBe(REQUEST);
    expect(res.statusLine).toBe("HTTP/1.1 101 Switching Protocols");
    expect(res.status).toBe(101);
    expect(res.headers).toEqual({
      upgrade: "websocket",
      connection: "Upgrade",
      "sec-websocket-accept": "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
    });
    expect(res.headerBytes.toString()).toBe(HEAD);
    expect(res.rest.length).toBe(0);
    expect(res.socketClosed).toBe(false);
  });

  it("keeps reading past the head while until says so", async () => {
    const port = await tcpServer((socket) => {
      socket.write(HEAD);
      setTimeout(() => socket.write(Buffer.from([0x81, 0x02, 0x68, 0x69])), 20);
    });
    const res = await rawExchange("127.0.0.1", port, REQUEST, {
      logger: logger(),
      until: (b) => b.length >= HEAD.length + 4,
    });
    expect([...res.rest]).toEqual([0x81, 0x02, 0x68, 0x69]);
  });

  it("returns what came when the server closes without a full head", async () => {
    const port = await tcpServer((socket) => socket.end("HTTP/1.1 400 Bad"));
    const res = await rawExchange("127.0.0.1", port, REQUEST, { logger: logger() });
    expect(res.socketClosed).toBe(true);
    expect(res.status).toBe(400);
    expect(res.statusLine).toBe("HTTP/1.1 400 Bad");
    expect(res.rest.length).toBe(0);
  });

  it("returns empty bytes when nothing comes before the timeout", async () => {
    const port = await tcpServer(() => {});
    const res = await rawExchange("127.0.0.1", port, REQUEST, { logger: logger(), timeout: 100 });
    expect(res.bytes.length).toBe(0);
    expect(res.socketClosed).toBe(false);
  });

  it("fails with a CheckFailure when nothing listens", async () => {
    const port = await tcpServer(() => {});
    const server = servers.pop()!;
    await new Promise((r) => server.close(r));
    const attempt = rawExchange("127.0.0.1", port, REQUEST, { logger: logger() });
    await expect(attempt).rejects.toThrow(CheckFailure);
    await expect(attempt).rejects.toThrow(/nothing listened on 127\.0\.0\.1:\d+/);
  });
});

describe("describeBytes", () => {
  it("shows printable ASCII as is, CR and LF by name and other bytes as hex", () => {
    const buf = Buffer.concat([
      Buffer.from("HTTP/1.1 101\r\nA: b\\\r\n\r\n"),
      Buffer.from([0x81, 0x00, 0x7f]),
    ]);
    expect(describeBytes(buf)).toBe("HTTP/1.1 101\\r\\n\nA: b\\\\\\r\\n\n\\r\\n\n\\x81\\x00\\x7f");
  });

  it("cuts long input and says how much was left out", () => {
    expect(describeBytes(Buffer.from("abcdef"), 4)).toBe("abcd… (2 more bytes)");
  });
});
