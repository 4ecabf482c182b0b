import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { REPLAY_BASE } from "../../../src/checks/curl.ts";
import { createSseReader, openSse } from "../../../src/checks/sse-client.ts";
import { Transcript } from "../../../src/checks/transcript.ts";
import type { SseClient } from "../../../src/checks/types.ts";
import { CheckFailure } from "../../../src/errors.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Every feature the reader must handle, with the three line endings mixed.
const BODY =
  "\uFEFF: hello\n\n" +
  "retry: 1500\n" +
  'event: task_created\nid: 1\ndata: {"id":1}\n\n' +
  "data: line one\r\ndata: line two\r\n\r\n" +
  "id: 2\rdata: cr only\r\r" +
  "data: 🎉 party\n\n" +
  "id:\ndata: reset\n\n" +
  ": heartbeat\r\n\r\n" +
  "event: done\ndata\n\n" +
  "id: 9\n\n";

const EXPECTED = [
  { event: "task_created", id: "1", data: '{"id":1}' },
  { event: "message", id: undefined, data: "line one\nline two" },
  { event: "message", id: "2", data: "cr only" },
  { event: "message", id: undefined, data: "🎉 party" },
  { event: "message", id: "", data: "reset" },
  { event: "done", id: undefined, data: "" },
];
// What EventSource's lastEventId is when each event is dispatched.
const LAST_IDS = ["1", "1", "2", "2", "", ""];

let servers: http.Server[] = [];
let clients: SseClient[] = [];
const logger = () => new Transcript().logger("sse-1");

afterEach(async () => {
  for (const c of clients) c.close();
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  servers = [];
  clients = [];
});

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
}

async function open(
  url: string,
  opts: { lastEventId?: string; headers?: Record<string, string> } = {},
) {
  const client = await openSse(url, { name: "sse-1", logger: logger(), ...opts });
  clients.push(client);
  return client;
}

function sseHead(res: http.ServerResponse): void {
  res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
  res.flushHeaders();
}

async function dribble(res: http.ServerResponse, body: Buffer): Promise<void> {
  for (const byte of body) {
    if (res.destroyed) return;
    res.write(Buffer.from([byte]));
    await sleep(1);
  }
}

const shape = (e: { event: string; id?: string; data: string }) => ({
  event: e.event,
  id: e.id,
  data: e.data,
});

describe("SSE wire reader", () => {
  it("reads the same events whichever byte the stream is split at", () => {
    const bytes = Buffer.from(BODY);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const events: unknown[] = [];
      const ids: string[] = [];
      const reader = createSseReader({
        onEvent: (e) => {
          events.push(shape(e));
          ids.push(reader.state.lastEventId);
        },
        onComment: () => {},
        onRetry: () => {},
      });
      reader.push(bytes.subarray(0, cut));
      reader.push(bytes.subarray(cut));
      expect(events, `cut at byte ${cut}`).toEqual(EXPECTED);
      expect(ids).toEqual(LAST_IDS);
      expect(reader.state.lastEventId).toBe("9");
    }
  });

  it("does not strip characters that merely look like a mis-decoded BOM", () => {
    const events: string[] = [];
    const reader = createSseReader({
      onEvent: (e) => events.push(e.data),
      onComment() {},
      onRetry() {},
    });
    reader.push(Buffer.from("data: ï»¿x\n\n"));
    expect(events).toEqual(["ï»¿x"]);
  });
});

describe("openSse", () => {
  it("reads a stream sent one byte at a time exactly as EventSource would", async () => {
    const url = await serve(async (_req, res) => {
      sseHead(res);
      await dribble(res, Buffer.from(BODY));
      res.end();
    });
    const sse = await open(url);
    await sse.ended({ timeout: 10_000 });
    expect(sse.events.map(shape)).toEqual(EXPECTED);
    expect(sse.comments).toEqual(["hello", "heartbeat"]);
    expect(sse.retry).toBe(1500);
    expect(sse.lastEventId).toBe("9");
    expect(sse.raw).toBe(BODY);
    expect(sse.events[0].json()).toEqual({ id: 1 });
    expect(() => sse.events[1].json()).toThrow(CheckFailure);
  });

  it("dispatches an event ended by lone CRs without waiting for more bytes", async () => {
    const url = await serve((_req, res) => {
      sseHead(res);
      res.write("data: x\r\r");
    });
    const sse = await open(url);
    expect((await sse.next(undefined, { timeout: 1000 })).data).toBe("x");
  });

  it("sends the EventSource headers and offers a matching curl command", async () => {
    let seen: http.IncomingHttpHeaders = {};
    const url = await serve((req, res) => {
      seen = req.headers;
      res.writeHead(404, { "X-Test": "yes" }).end("nope");
    });
    const sse = await open(url, { lastEventId: "7" });
    expect(sse.status).toBe(404);
    expect(sse.headers.get("x-test")).toBe("yes");
    expect(seen.accept).toBe("text/event-stream");
    expect(seen["cache-control"]).toBe("no-cache");
    expect(seen["last-event-id"]).toBe("7");
    expect(sse.lastEventId).toBe("7");
    expect(sse.curl).toBe(
      `curl -N -H 'Accept: text/event-stream' -H 'Last-Event-ID: 7' '${REPLAY_BASE}/events'`,
    );
  });

  it("consumes events in order: events passed over by next are not returned later", async () => {
    const url = await serve((_req, res) => {
      sseHead(res);
      res.write("data: a\n\ndata: b\n\ndata: c\n\n");
    });
    const sse = await open(url);
    expect((await sse.next((e) => e.data === "b")).data).toBe("b");
    expect((await sse.next()).data).toBe("c");
    await expect(sse.next((e) => e.data === "a", { timeout: 100 })).rejects.toThrow(/none came/);
  });

  it("shows each frame in the transcript as the bytes that came, named where no event: line named it", async () => {
    const url = await serve((_req, res) => {
      sseHead(res);
      res.write('data: {"a":1}\r\nid: 7\r\n\r\nevent: task_moved\ndata: x\n\n');
    });
    const transcript = new Transcript();
    const sse = await openSse(url, { name: "sse-raw", logger: transcript.logger("sse-raw") });
    clients.push(sse);
    await sse.next();
    await sse.next();
    const shown = transcript.lines.filter((l) => l.kind === "recv").map((l) => l.text);
    expect(shown).toContain('data: {"a":1}\\r\\nid: 7\\r\\n\\r\\n (dispatched as "message")');
    expect(shown).toContain("event: task_moved\\ndata: x\\n\\n");
  });

  it("fails a timed-out next with the actor, the wait and what was awaited", async () => {
    const url = await serve((_req, res) => {
      sseHead(res);
      res.write("event: hello\ndata: {}\n\n");
    });
    const sse = await open(url);
    await sse.next();
    const error = await sse
      .next((e) => e.event === "task_created", { timeout: 150, what: "a task_created event" })
      .catch((e) => e);
    expect(error).toBeInstanceOf(CheckFailure);
    expect(error.message).toBe("[sse-1] waited 150 ms for a task_created event; none came.");
    expect(error.received).toBe("event: hello data: {}");
  });

  it("fails expectNone as soon as a matching event arrives", async () => {
    const url = await serve(async (_req, res) => {
      sseHead(res);
      await sleep(100);
      res.write("event: task_deleted\ndata: 1\n\n");
    });
    const sse = await open(url);
    const started = performance.now();
    const check = sse.expectNone((e) => e.event === "task_deleted", 5000, "task_deleted event");
    await expect(check).rejects.toThrow("[sse-1] expected no task_deleted event within 5000 ms");
    expect(performance.now() - started).toBeLessThan(2000);
    await expect(sse.expectNone((e) => e.event === "other", 50)).resolves.toBeUndefined();
  });

  it("fails pending waits at once when the server closes the stream", async () => {
    const url = await serve(async (_req, res) => {
      sseHead(res);
      await sleep(100);
      res.end("data: last\n\n");
    });
    const sse = await open(url);
    const started = performance.now();
    const wait = sse.next((e) => e.data === "never", { timeout: 5000, what: "a never event" });
    await expect(wait).rejects.toThrow(
      "[sse-1] the server closed the stream before a never event came.",
    );
    expect(performance.now() - started).toBeLessThan(2000);
    await sse.ended({ timeout: 100 });
    expect(sse.closed).toBe(true);
    await expect(sse.nextComment({ timeout: 100 })).rejects.toThrow(CheckFailure);
  });

  it("releases the socket on close, so the server sees the connection end", async () => {
    let serverSawClose!: Promise<void>;
    const url = await serve((req, res) => {
      serverSawClose = new Promise((r) => req.socket.on("close", () => r()));
      sseHead(res);
    });
    const sse = await open(url);
    const pending = sse.next(undefined, { timeout: 5000 });
    sse.close();
    sse.close();
    await expect(pending).rejects.toThrow(
      "[sse-1] the stream was closed by the checker before an event came.",
    );
    await Promise.race([
      serverSawClose,
      sleep(2000).then(() => expect.fail("server saw no close")),
    ]);
    await expect(sse.ended({ timeout: 100 })).rejects.toThrow(CheckFailure);
  });

  it("says nothing listened when the connection is refused", async () => {
    const url = await serve(() => {});
    const s = servers.pop()!;
    await new Promise((r) => s.close(r));
    await expect(open(url)).rejects.toThrow(/nothing listened on 127\.0\.0\.1:\d+/);
  });
});
