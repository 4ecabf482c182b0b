import net from "node:net";
import { check, checkStatus, show } from "../../src/checks/assert.ts";
import { isObject } from "../../src/checks/taskboard.ts";
import { defineChecker, type StepContext, type WsClient } from "../../src/checks/types.ts";
import {
  checkHandMadeHandshake,
  echo,
  errorMessage,
  isBinaryRecord,
  openSocket,
  sessionCookie,
  upgradeRequest,
} from "../../src/checks/ws-steps.ts";
import { lessonQuizSteps } from "../../src/quiz/steps.ts";

/** The limit the lesson sets (maxPayload: 64 KiB). */
const MAX_PAYLOAD = 64 * 1024;
/** A message comfortably under the limit must still go through. */
const FITS = 40_000;
/** And one far over it must close the socket with 1009. */
const TOO_BIG = 256 * 1024;

/** Sends `raw` and expects an `{ error }` answer with the socket left open. */
async function expectErrorReply(ws: WsClient, raw: string, what: string): Promise<unknown> {
  ws.send(raw);
  const reply = await ws.next(errorMessage(), {
    timeout: 2000,
    what: `an { "error": … } answer to ${what}`,
  });
  check(ws.isOpen, `The socket closed after ${what}.`, {
    expected: "an error message and the socket still open",
    received: "a closed socket",
  });
  return reply;
}

/**
 * Opens a raw TCP connection, sends `request`, optionally waits for the answer's head
 * and sends `after`, then drops the connection (with a reset when `reset`).
 */
function connectAndVanish(
  h: StepContext,
  request: string,
  opts: { waitForHead: boolean; after?: Buffer; reset?: boolean },
): Promise<void> {
  const log = h.actor("raw");
  return new Promise((resolve) => {
    const socket = net.connect({ host: h.server.host, port: h.server.port });
    let received = Buffer.alloc(0);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      log.info(opts.reset ? "dropping the connection with a TCP reset" : "dropping the connection");
      if (opts.reset) socket.resetAndDestroy();
      else socket.destroy();
      resolve();
    };
    const timer = setTimeout(finish, 2000);
    socket.on("error", () => {});
    socket.on("close", finish);
    socket.on("connect", () => {
      log.send(
        `${request.length} bytes of an upgrade request${opts.waitForHead ? "" : " (incomplete)"}`,
      );
      socket.write(request);
      if (!opts.waitForHead) finish();
    });
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (!received.includes("\r\n\r\n")) return;
      log.recv(received.toString("latin1").split("\r\n")[0] ?? "");
      if (opts.after && received.toString("latin1").startsWith("HTTP/1.1 101")) {
        log.send(`${opts.after.length} bytes: the start of a frame that announces more`);
        socket.write(opts.after);
      }
      setTimeout(finish, 20);
    });
  });
}

/** The first 100 payload bytes of a masked text frame that announces 1000. */
function halfAFrame(): Buffer {
  const header = Buffer.from([0x81, 0x80 | 126, 0x03, 0xe8, 0x11, 0x22, 0x33, 0x44]);
  const payload = Buffer.alloc(100, 0x61);
  for (let i = 0; i < payload.length; i++) payload[i] ^= header[4 + (i % 4)]!;
  return Buffer.concat([header, payload]);
}

export default defineChecker({
  steps: [
    {
      slug: "ws-connects",
      title: "a WebSocket client connects to /ws on the same port",
      nudge:
        "Look at `setupWebSocketServer()` in `src/ws-server.ts` and whether `src/server.ts` calls it on the Node server once it is ready.",
      concept:
        "The `ws` package takes over the handshake and the frames, and it shares the REST API's port: your own upgrade listener hands it the requests for `/ws`, and only then does a connection open.",
      hint: 'Write setupWebSocketServer(server) in src/ws-server.ts: new WebSocketServer({ noServer: true, maxPayload }) and one server.on("upgrade", …) that hands requests for /ws to wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req)). Call it in src/server.ts with server.node.server after await server.ready().',
      async run(h) {
        const ws = await openSocket(h, "ws-1");
        h.log.pass("GET /ws upgraded to a WebSocket (101)");
        await h.sleep(250);
        for (const m of ws.messages) {
          check(isObject(m), "The server sent a message that is not a JSON object.", {
            expected:
              'JSON text frames such as {"type":"welcome",…} (a welcome message is optional)',
            received: show(m),
          });
        }
        h.log.pass(
          ws.messages.length
            ? `welcome message: ${show(ws.messages[0], 120)}`
            : "connected (no welcome message, which is fine)",
        );
        ws.close();
      },
    },
    {
      slug: "json-messages",
      title: 'JSON messages are handled: "echo" comes back, an unknown type gets an error',
      nudge:
        "Look at how the message listener in `src/ws-server.ts` turns a text message into an object and picks what to do by its type.",
      concept:
        "A WebSocket carries bytes and the meaning is up to you: in this course every message is a JSON object with a type, the server answers in the same shape, and a type it does not know earns an error message rather than a closed connection.",
      hint: 'In src/ws-server.ts, JSON.parse every text message and pass it to handleMessage(ws, message); its switch on message.type answers { type: "echo", text } to "echo" and ws.send(JSON.stringify({ error: … })) to any other type.',
      async run(h) {
        const ws = await openSocket(h, "ws-1");
        await echo(ws, "hello");
        h.log.pass('{"type":"echo","text":"hello"} came back');
        const reply = await expectErrorReply(
          ws,
          JSON.stringify({ type: "dance" }),
          'the unknown type "dance"',
        );
        h.log.pass(`an unknown type got ${show(reply)} and the socket stayed open`);
        await echo(ws, "still here");
        h.log.pass("the socket still answers");
      },
    },
    {
      slug: "invalid-json",
      title: 'malformed JSON gets {"error":"Invalid JSON"} and the socket stays open',
      nudge:
        "Look at what happens in the message listener of `src/ws-server.ts` when the text cannot be parsed.",
      concept:
        "A client that makes one mistake should not lose its connection. Parsing bad text throws, and an exception in a `ws` listener is not caught for you, so a parse failure has to become a polite reply instead.",
      hint: 'Wrap JSON.parse in try/catch in the "message" listener (src/ws-server.ts); in the catch, ws.send(JSON.stringify({ error: "Invalid JSON" })) and return, without closing the socket.',
      async run(h) {
        const ws = await openSocket(h, "ws-1");
        for (const raw of ["not json", '{"type": "echo", "text": ']) {
          const reply = await expectErrorReply(ws, raw, `the text ${JSON.stringify(raw)}`);
          check(
            isObject(reply) && reply.error === "Invalid JSON",
            "The answer to malformed JSON is not the one the course uses.",
            {
              expected: '{"error":"Invalid JSON"}',
              received: show(reply),
            },
          );
          h.log.pass(`${JSON.stringify(raw)} → {"error":"Invalid JSON"}`);
        }
        await echo(ws, "after the bad JSON");
        h.log.pass("the socket still answers");
      },
    },
    {
      slug: "not-an-object",
      title: "JSON that is not an object (null, 42, [1,2]) gets an error, not a crash",
      nudge:
        "Look at what `handleMessage()` in `src/ws-server.ts` assumes about the parsed value before it reads its type.",
      concept:
        "Valid JSON is not always an object: null, numbers, strings and arrays parse fine, and reading a property of null throws. An exception in a `ws` listener goes straight up to Node and stops the process, cutting off every other user, which is why the shape is checked first.",
      hint: 'JSON.parse("null") succeeds, and null.type throws inside the listener, which stops the whole server. In handleMessage() (src/ws-server.ts), first check typeof message === "object" && message !== null && !Array.isArray(message), and answer { error: … } otherwise.',
      async run(h) {
        const ws = await openSocket(h, "ws-1");
        for (const raw of ["null", "42", '"echo"', "[1,2]"]) {
          const reply = await expectErrorReply(ws, raw, `the JSON value ${raw}`);
          h.log.pass(`${raw} → ${show(reply, 100)}`);
        }
        await echo(ws, "after the odd values");
        h.log.pass("the socket still answers");
      },
    },
    {
      slug: "binary-frame",
      title: "a binary frame gets an error (or a 1003 close), and the server keeps serving",
      nudge:
        "Look at the second thing the message listener in `src/ws-server.ts` is given, and what happens to a frame that is not text.",
      concept:
        "Frames are either text or binary, and this protocol speaks only JSON text. A binary frame deserves a clear refusal, an error message or a close with the 'unsupported data' code, before anything tries to read it as text.",
      hint: 'The "message" listener gets (data, isBinary). For a binary frame answer { error: "Binary messages are not supported" } (or close that socket with 1003) before any decoding that could throw.',
      async run(h) {
        const ws = await openSocket(h, "ws-1");
        ws.sendBinary(Uint8Array.from([0xff, 0xfe, 0x00, 0x01, 0x80]));
        const reply = await Promise.race([
          ws.next(errorMessage(), {
            timeout: 2000,
            what: "an { error } answer or a close after a binary frame",
          }),
          ws.closed({ timeout: 2000 }).then((c) => ({ closed: c })),
        ]);
        if (isObject(reply) && "closed" in reply) {
          const close = reply.closed as { code: number; reason: string };
          check(
            close.code === 1003,
            "The socket closed after the binary frame, but not with 1003.",
            {
              expected: "an { error } message, or close code 1003 (unsupported data)",
              received: `close code ${close.code} ${JSON.stringify(close.reason)}`,
            },
          );
          h.log.pass("the socket was closed with 1003");
        } else {
          check(!isBinaryRecord(reply), "The server answered with binary data.", {
            received: show(reply),
          });
          h.log.pass(`the binary frame got ${show(reply, 100)}`);
        }
        const fresh = await openSocket(h, "ws-2");
        await echo(fresh, "after a binary frame");
        h.log.pass("a new socket connects and gets its echo");
      },
    },
    {
      slug: "oversized-message",
      title: "a message over 64 KiB closes that socket with 1009; other sockets carry on",
      nudge:
        "Look at the options the `WebSocketServer` is created with in `src/ws-server.ts`, and at which events each socket listens for.",
      concept:
        "By default `ws` accepts messages up to 100 MiB, an easy way to run out of memory, so servers set a limit, and a message over it closes only that socket with code 1009. `ws` also emits an error on that socket, and a Node event emitter with nobody listening for errors throws, which stops the whole process.",
      hint: 'Pass maxPayload: 64 * 1024 to new WebSocketServer() in src/ws-server.ts, and give every socket an "error" listener: ws emits an error for the oversized frame, and an error without a listener crashes the process.',
      async run(h) {
        const [big, other] = await Promise.all([
          openSocket(h, "ws-big"),
          openSocket(h, "ws-other"),
        ]);
        await echo(big, "x".repeat(FITS), 3000);
        h.log.pass(`a ${FITS}-character message (under ${MAX_PAYLOAD} bytes) still works`);
        big.send(JSON.stringify({ type: "echo", text: "y".repeat(TOO_BIG) }));
        const closed = await big.closed({
          timeout: 3000,
          what: `the socket to close after a ${TOO_BIG}-byte message`,
        });
        check(
          closed.code === 1009,
          `The socket that sent ${TOO_BIG} bytes closed with ${closed.code}, not 1009.`,
          {
            expected: "close code 1009 (message too big), from maxPayload",
            received: `close code ${closed.code} ${JSON.stringify(closed.reason)}`,
          },
        );
        h.log.pass(`a ${TOO_BIG}-byte message closed that socket with 1009`);
        await echo(other, "not affected");
        h.log.pass("the other socket still answers");
        const fresh = await openSocket(h, "ws-new");
        await echo(fresh, "new after the big one");
        h.log.pass("and new sockets still connect");
      },
    },
    {
      slug: "vanishing-client",
      title: "clients that vanish mid-handshake or mid-message do not bring the server down",
      nudge:
        "Look at what runs in `src/ws-server.ts` when a socket errors or closes before it has finished anything.",
      concept:
        "Laptops close and phones lose signal in the middle of a handshake or a message; `ws` reports such a socket as closed abnormally (code 1006), and the cleanup must work, without throwing, for a socket that never got anywhere.",
      hint: 'Keep every socket\'s "error" listener in src/ws-server.ts, and in handleDisconnect(ws) do only what cannot throw for a socket that closed abnormally (code 1006).',
      timeout: 8000,
      async run(h) {
        const cookie = await sessionCookie(h);
        const full = upgradeRequest(h.server, "/ws", { cookie });
        for (let i = 0; i < 3; i++) {
          await connectAndVanish(h, full, { waitForHead: true, after: halfAFrame() });
        }
        h.log.pass("3 clients sent half a frame and vanished");
        await connectAndVanish(h, full.slice(0, full.length - 30), { waitForHead: false });
        await connectAndVanish(h, full, { waitForHead: false, reset: true });
        await connectAndVanish(h, full, { waitForHead: true, reset: true });
        h.log.pass("3 more vanished during the handshake");
        await h.sleep(200);
        const health = await h.http.get("/health");
        checkStatus(health, 200);
        const ws = await openSocket(h, "ws-after");
        await echo(ws, "after the vanishing clients");
        h.log.pass("the server still answers HTTP and WebSocket clients");
      },
    },
    {
      slug: "raw-path-kept",
      title: "the hand-made handshake of {{lesson:how-websockets-work}} still answers on /ws-raw",
      nudge:
        "Look at how upgrade requests on the port are shared out between the `ws` server and the hand-made handshake.",
      concept:
        "Each upgrade request can be answered by only one piece of code, and attaching `ws` straight to the HTTP server makes it claim every path. Sharing a port means a single upgrade listener that decides by path who handles each request.",
      hint: 'new WebSocketServer({ server }) (or { server, path: "/ws" }) claims every upgrade on the port, so /ws-raw breaks. Use noServer: true and route by path in your one "upgrade" listener: /ws → wss.handleUpgrade(…), /ws-raw → handleRawUpgrade(req, socket), anything else → 404.',
      async run(h) {
        await checkHandMadeHandshake(h, "/ws-raw");
      },
    },
    ...lessonQuizSteps(import.meta.url),
  ],
});
