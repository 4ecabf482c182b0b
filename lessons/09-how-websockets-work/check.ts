import { check, fail, show } from "../../src/checks/assert.ts";
import { describeBytes, type RawExchangeResult } from "../../src/checks/raw-http.ts";
import { defineChecker } from "../../src/checks/types.ts";
import {
  checkAccept,
  checkSwitchingProtocols,
  checkTextFrame,
  checkUpgradeHeaders,
  describeAnswer,
  isBinaryRecord,
  randomKey,
  rawUpgrade,
} from "../../src/checks/ws-steps.ts";
import { lessonQuizSteps } from "../../src/quiz/steps.ts";

/** Where the hand-made handshake lives (the `ws` server of building-a-websocket-server takes `/ws`). */
const PATH = "/ws-raw";
/** The example key of RFC 6455, section 1.3, and the accept value the RFC gives for it. */
const RFC_KEY = "dGhlIHNhbXBsZSBub25jZQ==";

/** Fails unless a refused upgrade got a real HTTP answer with one of `allowed` statuses. */
function checkRefused(res: RawExchangeResult, why: string, allowed: number[]): void {
  check(res.status !== 101, `The server switched protocols although ${why}.`, {
    expected: `an HTTP error (${allowed.join(" or ")}) and no 101`,
    received: describeAnswer(res, res.headerBytes),
  });
  check(
    allowed.includes(res.status),
    `The server did not refuse with ${allowed.join(" or ")} when ${why}.`,
    {
      expected: `a status line like HTTP/1.1 ${allowed[0]} …`,
      received: describeAnswer(res, res.headerBytes),
    },
  );
}

export default defineChecker({
  steps: [
    {
      slug: "handshake-101",
      title: "an upgrade request to GET /ws-raw gets HTTP/1.1 101 Switching Protocols",
      nudge:
        "Look at whether `src/server.ts` hears upgrade requests at all, and at the first thing `handleRawUpgrade()` in `src/handshake.ts` writes back.",
      concept:
        "A WebSocket starts as an ordinary HTTP request asking to switch protocols. Node does not pass it to your fetch handler but emits an upgrade event with the raw socket, and the server agrees by writing the 101 answer to that socket itself.",
      hint: 'In src/server.ts, listen for "upgrade" on the node:http server (server.node.server) and pass requests for /ws-raw to handleRawUpgrade(req, socket) in src/handshake.ts. It must write "HTTP/1.1 101 Switching Protocols\\r\\n", the headers, and a blank line "\\r\\n" to the socket.',
      async run(h) {
        const res = await rawUpgrade(h, PATH, { key: randomKey() });
        checkSwitchingProtocols(res, PATH);
        h.log.pass(`status line ${JSON.stringify(res.statusLine)}`);
      },
    },
    {
      slug: "upgrade-headers",
      title: "the 101 answer carries Upgrade: websocket and Connection: Upgrade",
      nudge:
        "Look at the header lines `handleRawUpgrade()` in `src/handshake.ts` writes after the status line.",
      concept:
        "The 101 answer must say what the connection is switching to, mirroring the two headers the client asked with; without them the client cannot tell that the server understood the request.",
      hint: 'handleRawUpgrade() in src/handshake.ts must write the lines "Upgrade: websocket" and "Connection: Upgrade" after the status line, each ending in \\r\\n.',
      async run(h) {
        const res = await rawUpgrade(h, PATH, { key: randomKey() });
        checkSwitchingProtocols(res, PATH);
        checkUpgradeHeaders(res);
        h.log.pass(`Upgrade: ${res.headers.upgrade}, Connection: ${res.headers.connection}`);
      },
    },
    {
      slug: "accept-value",
      title: "Sec-WebSocket-Accept is base64(SHA-1(key + GUID)) for every key",
      nudge:
        "Look at `acceptValue()` in `src/handshake.ts` and at exactly which text it hashes and how it encodes the result.",
      concept:
        "The accept value proves the server really speaks WebSocket and is not a cache replaying an old answer: it is derived from the client's fresh key and a fixed GUID from RFC 6455, and the client recomputes it and drops the connection if one character differs. It is the base64 of the raw digest bytes, not of a hex string.",
      hint: 'In acceptValue(key) (src/handshake.ts): createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64"). Use the key exactly as the client sent it, and write the result as the value of Sec-WebSocket-Accept.',
      async run(h) {
        for (const key of [RFC_KEY, randomKey(), randomKey()]) {
          const res = await rawUpgrade(h, PATH, { key });
          checkSwitchingProtocols(res, PATH);
          checkAccept(res, key);
          h.log.pass(`key ${key} → Sec-WebSocket-Accept: ${res.headers["sec-websocket-accept"]}`);
        }
      },
    },
    {
      slug: "missing-key",
      title: "an upgrade without Sec-WebSocket-Key is refused with 400",
      nudge:
        "Look at what `handleRawUpgrade()` in `src/handshake.ts` checks before it starts to answer.",
      concept:
        "Without a key there is no handshake the server can complete, so the polite answer is a normal, complete HTTP error and then closing the connection, not a half-made switch or silence.",
      hint: 'In handleRawUpgrade() (src/handshake.ts), check req.headers["sec-websocket-key"] before anything else is written; when it is missing, answer with refuseUpgrade(socket, 400, …): a complete HTTP response, then end the socket.',
      async run(h) {
        const res = await rawUpgrade(h, PATH, { key: null });
        checkRefused(res, "the request had no Sec-WebSocket-Key", [400]);
        h.log.pass(`no key → ${JSON.stringify(res.statusLine)}`);
      },
    },
    {
      slug: "wrong-version",
      title: "an upgrade with Sec-WebSocket-Version: 8 is refused (426 or 400)",
      nudge:
        "Look at how `handleRawUpgrade()` in `src/handshake.ts` treats the protocol version the client asks for.",
      concept:
        "Version 13 is the only WebSocket version in use. A server that does not speak the requested version refuses with an HTTP error and says which version it does speak, so the client learns how to try again.",
      hint: 'In handleRawUpgrade() (src/handshake.ts), accept only req.headers["sec-websocket-version"] === "13"; otherwise answer 426 Upgrade Required with the header Sec-WebSocket-Version: 13 (or 400).',
      async run(h) {
        const res = await rawUpgrade(h, PATH, { key: randomKey(), version: "8" });
        checkRefused(res, "the request asked for version 8", [426, 400]);
        if (res.status === 426) {
          const versions = (res.headers["sec-websocket-version"] ?? "")
            .split(",")
            .map((v) => v.trim());
          check(
            versions.includes("13"),
            "The 426 answer does not say which version the server speaks.",
            {
              expected: "Sec-WebSocket-Version: 13 in the 426 answer",
              received: describeBytes(res.headerBytes),
            },
          );
        }
        h.log.pass(`version 8 → ${JSON.stringify(res.statusLine)}`);
      },
    },
    {
      slug: "text-frame",
      title: "right after the 101 head comes one unmasked, final text frame",
      nudge:
        "Look at `encodeTextFrame()` in `src/handshake.ts` and at what goes to the socket right after the 101 head.",
      concept:
        "After the blank line the connection no longer speaks HTTP, only frames: a small binary header saying this is the last piece of a text message and how many bytes follow, then the UTF-8 payload. Only clients mask their frames, and the length counts bytes, not JavaScript characters.",
      hint: "encodeTextFrame(text) in src/handshake.ts: first byte 0x81 (FIN + opcode 1), then the payload length in bytes (one byte below 126; 126 plus two bytes up to 65535), no mask bit, then the UTF-8 payload. Write it to the socket right after the 101 head.",
      async run(h) {
        const res = await rawUpgrade(h, PATH, { key: randomKey(), untilFrame: true });
        checkSwitchingProtocols(res, PATH);
        const text = checkTextFrame(res);
        h.log.pass(
          `frame 0x${res.rest[0]!.toString(16)} 0x${res.rest[1]!.toString(16)} … with the text ${show(text, 120)}`,
        );
      },
    },
    {
      slug: "ws-client-reads",
      title: "a real WebSocket client (the ws package) connects to /ws-raw and reads the message",
      nudge:
        "Look at every header your 101 answer sends, and compare it with what the client actually asked for.",
      concept:
        "A real client checks the whole handshake and refuses a subprotocol or extension it never requested, because agreeing to one would change how every following frame must be read.",
      hint: "The ws client sends its own key and checks every header of your 101 answer. Send only Upgrade, Connection and Sec-WebSocket-Accept: no Sec-WebSocket-Protocol or Sec-WebSocket-Extensions that the client did not ask for.",
      async run(h) {
        const ws = await h.ws(PATH, { name: "ws-client" });
        h.log.pass("the ws client accepted the handshake");
        const message = await ws.next(undefined, {
          timeout: 2000,
          what: "the server's text frame",
        });
        if (isBinaryRecord(message)) {
          fail("The ws client got a binary message.", {
            expected: "a text message",
            received: show(message),
          });
        }
        h.log.pass(`it read ${show(message, 120)}`);
        ws.terminate();
      },
    },
    ...lessonQuizSteps(import.meta.url),
  ],
});
