import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import WebSocket, { WebSocketServer } from "ws";
import { check, fail, show } from "../../src/checks/assert.ts";
import {
  isRemoteFunction,
  kit,
  type LearnerModule,
  Remote,
  RemoteError,
} from "../../src/checks/learner-module.ts";
import { isObject } from "../../src/checks/taskboard.ts";
import type { Logger } from "../../src/checks/transcript.ts";
import { defineChecker, type StepContext, type WsClient } from "../../src/checks/types.ts";
import { joinBoard, openSocket, sessionCookie, settleRoomSize } from "../../src/checks/ws-steps.ts";
import { CheckFailure } from "../../src/errors.ts";
import { lessonQuizSteps } from "../../src/quiz/steps.ts";

const CLIENT_MODULE = "src/client/reconnecting-socket.ts";
/** Backoff settings the checker gives the learner's client. */
const BASE = 40;
const MAX = 320;
const JITTER = 0.5;
/** What the injected random() returns, in turn (never 0, so a missing jitter shows). */
const RANDOM_VALUES = [0.9, 0.3, 0.7, 0.2, 0.5, 0.8, 0.4, 0.6];
/** How late a timer may fire on a busy machine before a reconnect counts as too slow (ms). */
const LATE = 400;

// ---------------------------------------------------------------------------
// Server side: pings and dead peers.

interface HeartbeatState {
  answering: WsClient;
  silent: WsClient;
  frozen: WebSocket;
  since: number;
}

/**
 * A peer that stops reading its connection after joining board-1: no pongs and no
 * answer to a close frame, like a laptop whose lid was shut.
 */
async function openFrozenPeer(h: StepContext, cookie: string | undefined): Promise<WebSocket> {
  const log = h.actor("ws-frozen");
  const ws = new WebSocket(`${h.server.wsUrl}/ws`, {
    headers: cookie ? { Cookie: cookie } : {},
    autoPong: false,
  });
  h.onTeardown(() => ws.terminate());
  ws.on("error", () => {});
  log.send("GET /ws (WebSocket upgrade)");
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new CheckFailure("[ws-frozen] GET /ws did not open within 3 s.")),
      3000,
    );
    ws.once("open", () => {
      clearTimeout(timer);
      resolve();
    });
    ws.once("close", () => {
      clearTimeout(timer);
      reject(new CheckFailure("[ws-frozen] the server closed the socket right after the upgrade."));
    });
  });
  ws.send(JSON.stringify({ type: "join", boardId: "board-1" }));
  log.send('{"type":"join","boardId":"board-1"}');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new CheckFailure('[ws-frozen] no {"type":"joined",…} answer to its join within 2 s.'),
        ),
      2000,
    );
    ws.on("message", (data) => {
      const m = parse(data.toString());
      if (isObject(m) && m.type === "joined") {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  ws.pause();
  log.info("stops reading the connection: no pongs, no close frames (a laptop with its lid shut)");
  return ws;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// ---------------------------------------------------------------------------
// Client side: the learner's reconnecting client against a server the checker runs.

/** One connection attempt that reached the test server. */
interface Arrival {
  path: string;
  at: number;
  accepted: boolean;
  ws?: WebSocket;
  messages: unknown[];
  /** When the test server refused or dropped it. */
  endedAt?: number;
  closeCode?: number;
}

/** A WebSocket server on 127.0.0.1 that accepts, drops or refuses connections on command. */
class TestServer {
  readonly arrivals: Arrival[] = [];
  refusing = false;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly server = http.createServer((_req, res) => res.writeHead(404).end());
  url = "";

  constructor(private readonly log: Logger) {
    this.server.on("upgrade", (req, socket, head) => this.onUpgrade(req, socket, head));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.log.info(`test server listening on ${this.url}`);
  }

  async stop(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** The attempts that reached `path`. */
  on(path: string): Arrival[] {
    return this.arrivals.filter((a) => a.path === path);
  }

  /** Resolves true once `ready()` holds (checked every 10 ms), false after `ms` ms. */
  async until(ready: () => boolean, ms: number): Promise<boolean> {
    const end = performance.now() + ms;
    while (!ready()) {
      if (performance.now() >= end) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
    return true;
  }

  /** Drops an accepted connection without a close frame. */
  drop(arrival: Arrival): void {
    this.log.info(`dropping connection #${this.arrivals.indexOf(arrival) + 1}`);
    arrival.endedAt = performance.now();
    arrival.ws?.terminate();
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const arrival: Arrival = {
      path: req.url ?? "/",
      at: performance.now(),
      accepted: !this.refusing,
      messages: [],
    };
    this.arrivals.push(arrival);
    const n = this.arrivals.length;
    socket.on("error", () => {});
    if (this.refusing) {
      this.log.info(`connection #${n} (${arrival.path}): refused with 503`);
      socket.end(
        "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
      );
      arrival.endedAt = performance.now();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      arrival.ws = ws;
      this.log.info(`connection #${n} (${arrival.path}): accepted`);
      ws.on("message", (data) => {
        const text = data.toString();
        this.log.recv(`#${n} ${text.slice(0, 200)}`);
        arrival.messages.push(parse(text));
      });
      ws.on("close", (code) => {
        arrival.closeCode = code;
      });
    });
  }
}

/** What the checker records about one learner client. */
interface ClientProbe {
  /** The learner's ReconnectingSocket, in the module's own process. */
  client: Remote;
  reconnecting: { attempt: unknown; delayMs: number; at: number }[];
  messages: unknown[];
  randoms: number[];
}

interface ClientState {
  server: TestServer;
  probe: ClientProbe;
}

const KIT = new URL("./kit.ts", import.meta.url);

/** Fails the step with what the learner's code threw; anything else (a timeout, an exit) goes on up. */
function failOnThrow(error: unknown, call: string, expected: string): never {
  if (!(error instanceof RemoteError)) throw error;
  fail(`${call} threw: ${error.name}: ${error.message}`, {
    expected,
    received: error.remoteStack.split("\n").slice(0, 3).join("\n"),
  });
}

/** Starts the learner's ReconnectingSocket against `url` with the checker's settings. */
async function startClient(
  h: StepContext,
  url: string,
  settings: { baseDelayMs: number; maxDelayMs: number; jitter: number },
): Promise<ClientProbe> {
  const mod = h.state.get("disconnects:module") as LearnerModule;
  const Ctor = (mod.exports.ReconnectingSocket ?? mod.exports.default) as Remote;
  const n = ((h.state.get("disconnects:clients") as number | undefined) ?? 0) + 1;
  h.state.set("disconnects:clients", n);
  const name = `client-${n}`;
  const randoms: number[] = [];
  mod.host.on("random", (data) => {
    const { client, value } = (data ?? {}) as { client?: string; value?: number };
    if (client === name) randoms.push(Number(value));
  });
  let client: unknown;
  try {
    client = await Ctor.construct({
      url,
      boardId: "board-1",
      ...settings,
      random: kit("random", { values: RANDOM_VALUES, client: name }),
      WebSocket: kit("WebSocket"),
    });
  } catch (error) {
    failOnThrow(error, "new ReconnectingSocket({ … })", "a client that starts connecting");
  }
  check(
    client instanceof Remote && client.kind === "object",
    "new ReconnectingSocket(…) gave no object.",
    {
      expected: "an instance with on(), send() and close()",
      received: show(client),
    },
  );
  h.onTeardown(() => client.call("close").catch(() => {}));
  const probe: ClientProbe = { client, reconnecting: [], messages: [], randoms };
  const log = h.actor("your client", { peer: "test-server" });
  try {
    await client.call("on", "reconnecting", (info: unknown) => {
      const { attempt, delayMs } = (info ?? {}) as { attempt?: unknown; delayMs?: unknown };
      log.info(`reconnecting: attempt ${String(attempt)}, delayMs ${String(delayMs)}`);
      probe.reconnecting.push({ attempt, delayMs: Number(delayMs), at: performance.now() });
    });
    await client.call("on", "message", (data: unknown) => probe.messages.push(data));
  } catch (error) {
    failOnThrow(
      error,
      "client.on(…)",
      'on("reconnecting" | "message" | "open" | "close", listener)',
    );
  }
  return probe;
}

/** Calls close() on the learner's client, failing when it throws. */
async function closeClient(probe: ClientProbe): Promise<void> {
  try {
    await probe.client.call("close");
  } catch (error) {
    failOnThrow(error, "client.close()", "close() to stop the client for good");
  }
}

/** The cap of the k-th delay since the last open (k = 1, 2, …). */
function capOf(k: number): number {
  return Math.min(MAX, BASE * 2 ** (k - 1));
}

/**
 * Fails unless `delayMs` is cap × (1 − jitter × v) for one of the values random() returned
 * (to the millisecond).
 */
function checkDelay(probe: ClientProbe, k: number, delayMs: number): void {
  const cap = capOf(k);
  const formula = `min(maxDelayMs, baseDelayMs · 2^(attempt−1)) · (1 − jitter · random())`;
  check(Number.isFinite(delayMs), `The reconnecting event of retry ${k} has no numeric delayMs.`, {
    expected: "{ attempt, delayMs } with delayMs a number",
    received: show(probe.reconnecting.at(-1)),
  });
  const fits = probe.randoms.some((v) => Math.abs(delayMs - cap * (1 - JITTER * v)) <= 1);
  if (!fits) {
    const lo = Math.round(cap * (1 - JITTER));
    const hint =
      delayMs === cap
        ? " It is the full capped delay: the jitter was not applied."
        : delayMs > cap
          ? ` It is over ${cap}: the cap (maxDelayMs=${MAX}) or the doubling is off.`
          : "";
    fail(`Retry ${k} waited ${delayMs} ms.${hint}`, {
      expected: `${formula} with baseDelayMs=${BASE}, maxDelayMs=${MAX}, jitter=${JITTER}: here between ${lo} and ${cap}, using a value from options.random(); the values it returned: ${probe.randoms.join(", ") || "none (options.random was never called)"}`,
      received: `delayMs ${delayMs}`,
    });
  }
}

/** Fails unless the next attempt came no sooner than `delayMs` after `endedAt`, and not much later. */
function checkGap(k: number, endedAt: number, next: Arrival, delayMs: number): number {
  const gap = Math.round(next.at - endedAt);
  check(
    gap >= delayMs - 5,
    `Retry ${k} came ${gap} ms after the connection ended, sooner than its delay of ${delayMs} ms.`,
    {
      expected: `setTimeout(connect, delayMs): at least ${delayMs} ms`,
      received: `${gap} ms`,
    },
  );
  check(
    gap <= delayMs + LATE,
    `Retry ${k} came ${gap} ms after the connection ended, long after its delay of ${delayMs} ms.`,
    {
      expected: `about ${delayMs} ms`,
      received: `${gap} ms`,
    },
  );
  return gap;
}

/** Waits for the next accepted connection on `path` after `count` and checks its first message is the join. */
async function checkRejoin(
  server: TestServer,
  path: string,
  count: number,
  what: string,
): Promise<Arrival> {
  const arrived = await server.until(() => server.on(path).length > count, 3000);
  check(arrived, `Your client did not come back ${what}.`, {
    expected: `a new connection within ${MAX + LATE} ms or so`,
    received: `${server.on(path).length - count} new connections in 3 s`,
  });
  const arrival = server.on(path)[count]!;
  const spoke = await server.until(() => arrival.messages.length > 0, 1500);
  check(spoke, `The reconnected client sent nothing ${what}.`, {
    expected: '{"type":"join","boardId":"board-1"} as its first message',
    received: "no message in 1.5 s",
  });
  const first = arrival.messages[0];
  check(
    isObject(first) && first.type === "join" && first.boardId === "board-1",
    `The first message ${what} is not the join.`,
    {
      expected:
        '{"type":"join","boardId":"board-1"} (rooms are per connection: join again on every open)',
      received: show(first),
    },
  );
  return arrival;
}

function clientState(h: StepContext): ClientState {
  return h.state.get("disconnects:client") as ClientState;
}

export default defineChecker({
  steps: [
    {
      slug: "pings-at-interval",
      title: "the server pings every WS_HEARTBEAT_MS and keeps a socket that answers",
      nudge:
        "Look at whether your server runs a heartbeat timer at all (started from `src/server.ts`), and at what a pong does to a socket's alive flag.",
      concept:
        "TCP does not notice a peer that vanished silently, so the server sends a WebSocket ping at a fixed interval. A live peer answers with a pong, which proves it is still there and keeps it from being dropped.",
      hint: 'Write setupHeartbeat() in src/ws-server.ts: setInterval(…, config.wsHeartbeatMs) (WS_HEARTBEAT_MS in src/config.ts, default 30000) that, for each socket of wss.clients, sets aliveMap to false and calls ws.ping(); the socket\'s "pong" listener sets it back to true. Call setupHeartbeat() in src/server.ts.',
      timeout: 6000,
      async run(h) {
        const interval = h.timers.WS_HEARTBEAT_MS;
        const cookie = await sessionCookie(h);
        const answering = await openSocket(h, "ws-answers");
        const silent = await openSocket(h, "ws-silent", { autoPong: false });
        await joinBoard(answering, "board-1");
        await joinBoard(silent, "board-1");
        const frozen = await openFrozenPeer(h, cookie);
        const since = performance.now();
        h.state.set("disconnects:heartbeat", {
          answering,
          silent,
          frozen,
          since,
        } satisfies HeartbeatState);
        h.log.info(
          `ws-answers answers pings; ws-silent and ws-frozen do not (WS_HEARTBEAT_MS=${interval})`,
        );
        // Long enough for two pings after the joins, even when timers fire late.
        const watchMs = Math.round(interval * 2.6);
        await h.sleep(watchMs);
        const pings = answering.pingsReceived;
        check(pings >= 2, `ws-answers got ${pings} ping(s) in ${watchMs} ms.`, {
          expected: `a ping every ${interval} ms (WS_HEARTBEAT_MS), so 2 or more`,
          received: `${pings}`,
        });
        check(
          pings <= 6,
          `ws-answers got ${pings} pings in ${watchMs} ms: more than one per interval.`,
          {
            expected: `one ping every ${interval} ms (about 3)`,
            received: `${pings}`,
          },
        );
        h.log.pass(`${pings} pings in ${watchMs} ms`);
        check(
          answering.isOpen,
          "The server closed a socket that answered every ping with a pong.",
          {
            expected: 'the socket kept open: its "pong" listener must set aliveMap.set(ws, true)',
            received: "ws-answers was closed",
          },
        );
        h.log.pass("the socket that answers is still open");
      },
    },
    {
      slug: "silent-peer-dropped",
      title:
        "a socket that stops answering pings is dropped (closed or terminated) within two intervals",
      nudge:
        "Look at what the heartbeat loop in `src/ws-server.ts` does with a socket that has not answered the previous round's ping.",
      concept:
        "A ping left unanswered for a whole interval means the peer is gone, and the server must act on it, or dead sockets pile up in rooms and receive broadcasts nobody reads. With one flag per socket, a dead peer is found within two intervals: one to send the ping, one to notice the missing pong.",
      hint: "In the heartbeat's loop (src/ws-server.ts), a socket whose aliveMap entry is still false from the previous ping has not answered: call ws.terminate() (not close(): a dead peer never answers the close frame) and skip it.",
      async run(h) {
        const { answering, silent, since } = h.state.get("disconnects:heartbeat") as HeartbeatState;
        const interval = h.timers.WS_HEARTBEAT_MS;
        const deadline = since + interval * 2 + 500;
        const left = Math.max(50, deadline - performance.now());
        try {
          await silent.closed({ timeout: left });
        } catch {
          fail(
            `ws-silent was still open ${Math.round(performance.now() - since)} ms after it stopped answering pings.`,
            {
              expected: `terminated within 2 × ${interval} ms`,
              received: `open, after ${silent.pingsReceived} unanswered ping(s)`,
            },
          );
        }
        h.log.pass(`ws-silent was dropped (after ${silent.pingsReceived} unanswered ping(s))`);
        check(answering.isOpen, "The socket that answers pings was closed too.", {
          expected: "ws-answers open",
          received: "closed",
        });
        h.log.pass("ws-answers is still open");
      },
    },
    {
      slug: "frozen-peer-removed",
      title: "a peer that reads nothing is gone from its room within two intervals",
      nudge:
        "Look at how your heartbeat ends a dead connection, and whether that really makes the socket's `close` handler run straight away.",
      concept:
        "A polite close is a handshake that needs the other side's close frame, and a frozen peer never sends one, so its socket lingers for about 30 seconds. Only cutting the TCP connection ends it at once, so the close event fires and the room clean-up runs.",
      hint: 'ws.close() waits for the peer\'s close frame, which a frozen peer never sends (ws gives up after 30 s). terminate() ends the TCP connection at once, so "close" fires and handleDisconnect(ws) takes the socket out of its rooms.',
      async run(h) {
        const { answering, since } = h.state.get("disconnects:heartbeat") as HeartbeatState;
        const interval = h.timers.WS_HEARTBEAT_MS;
        const observer = await openSocket(h, "ws-observer");
        const left = Math.max(300, since + interval * 2 + 500 - performance.now());
        const size = await settleRoomSize(observer, "board-1", 2, left);
        check(size === 2, "board-1 still counts the peers that stopped answering.", {
          expected:
            "size 2: ws-answers and ws-observer (ws-silent and ws-frozen terminated and removed)",
          received: `size ${size}`,
        });
        h.log.pass("board-1 holds ws-answers and ws-observer only");
        check(answering.isOpen, "The socket that answers pings was closed.", {
          received: "closed",
        });
        h.log.pass(`ws-answers is still open after ${answering.pingsReceived} pings`);
      },
    },
    {
      slug: "client-module",
      title: `${CLIENT_MODULE} exports the ReconnectingSocket class`,
      nudge: "Look at whether `src/client/reconnecting-socket.ts` exists and what it exports.",
      concept:
        "The reconnecting client is a browser module that the checker loads on its own, in a process of its own. It must stand alone, importing nothing from the server nor `ws`, and take its WebSocket class and random function from outside when they are given.",
      hint: `Create ${CLIENT_MODULE} exporting class ReconnectingSocket with constructor(options: { url, boardId, baseDelayMs, maxDelayMs, jitter, random?, WebSocket? }), on(event, listener), send(data) and close(). Import nothing from the server.`,
      async run(h) {
        const mod = await h.loadModule(CLIENT_MODULE, { name: "your client", kit: KIT });
        const Ctor = mod.exports.ReconnectingSocket ?? mod.exports.default;
        check(isRemoteFunction(Ctor), `${CLIENT_MODULE} does not export ReconnectingSocket.`, {
          expected: "export class ReconnectingSocket { … }",
          received: `exports: ${Object.keys(mod.exports).join(", ") || "none"}`,
        });
        h.state.set("disconnects:module", mod);
        h.log.pass(`${CLIENT_MODULE} builds and exports ReconnectingSocket`);
      },
    },
    {
      slug: "client-joins",
      title: "the client connects, sends the join first, and passes server messages on parsed",
      nudge: "Look at what your client does when its connection opens and when a message arrives.",
      concept:
        "Rooms live on the server's side of a connection, so a new connection is in no room until it says which board it wants, and that join must come first. The code using the client wants objects, not raw text frames, so the client parses what arrives before passing it on.",
      hint: 'In connect() of ReconnectingSocket, create new options.WebSocket(url); on "open" send JSON.stringify({ type: "join", boardId }) before anything else; on "message" JSON.parse(event.data) and call the "message" listeners with the result.',
      async run(h) {
        const server = new TestServer(h.actor("test-server", { peer: "your client" }));
        await server.start();
        h.onTeardown(() => server.stop());
        const probe = await startClient(h, `${server.url}/c1`, {
          baseDelayMs: BASE,
          maxDelayMs: MAX,
          jitter: JITTER,
        });
        h.state.set("disconnects:client", { server, probe } satisfies ClientState);
        const first = await checkRejoin(server, "/c1", 0, "after it was created");
        h.log.pass('connected and sent {"type":"join","boardId":"board-1"} first');
        const event = {
          type: "task_created",
          task: { id: "task-probe", title: "From the test server" },
        };
        first.ws!.send(JSON.stringify(event));
        h.actor("test-server", { peer: "your client" }).send(`#1 ${JSON.stringify(event)}`);
        const came = await server.until(() => probe.messages.length > 0, 1000);
        check(came, 'The client\'s "message" listeners got nothing.', {
          expected: `the parsed object ${JSON.stringify(event)}`,
          received: "no call in 1 s",
        });
        check(
          isObject(probe.messages[0]) &&
            (probe.messages[0] as { type?: unknown }).type === "task_created",
          'The "message" listener did not get the parsed JSON.',
          { expected: JSON.stringify(event), received: show(probe.messages[0]) },
        );
        h.log.pass('a server message reached the "message" listener as an object');
      },
    },
    {
      slug: "reconnect-rejoins",
      title:
        "after each drop the client reconnects (starting again from the base delay) and joins again",
      nudge:
        "Look at how your client reacts to its connection closing: what it schedules, what it reports, and what it resets once a connection opens again.",
      concept:
        "Unlike EventSource, a WebSocket does not come back by itself, so the client reconnects on its own and announces each retry it schedules. A connection that opened shows the server is fine, so the next drop starts again from the shortest wait, and every new connection joins its board again.",
      hint: 'On "close" (unless close() was called) schedule the next connect() with setTimeout(delay), emitting "reconnecting" with { attempt, delayMs } as you schedule it. Reset the attempt count to 0 on "open", so a connection that worked starts again from baseDelayMs; join again on every open.',
      timeout: 6000,
      async run(h) {
        const { server, probe } = clientState(h);
        for (let round = 1; round <= 3; round++) {
          const current = server.on("/c1").at(-1)!;
          const count = server.on("/c1").length;
          const events = probe.reconnecting.length;
          server.drop(current);
          const next = await checkRejoin(server, "/c1", count, `after drop ${round}`);
          check(
            probe.reconnecting.length > events,
            `No "reconnecting" event was emitted after drop ${round}.`,
            {
              expected: 'emit("reconnecting", { attempt, delayMs }) when the retry is scheduled',
              received: "none",
            },
          );
          const { delayMs } = probe.reconnecting.at(-1)!;
          check(
            Number.isFinite(delayMs) && delayMs <= BASE + 1,
            `After drop ${round} the client waits ${delayMs} ms.`,
            {
              expected: `at most baseDelayMs (${BASE} ms): a connection that opened resets the attempt count to 0`,
              received: `delayMs ${delayMs} (events so far: ${show(probe.reconnecting.map((e) => e.delayMs))})`,
            },
          );
          const gap = checkGap(1, current.endedAt!, next, delayMs);
          h.log.pass(
            `drop ${round}: back after ${gap} ms (delayMs ${delayMs}), joined board-1 again`,
          );
        }
      },
    },
    {
      slug: "backoff-jitter-cap",
      title:
        "while the server refuses, delays double from baseDelayMs up to maxDelayMs, each cut by the jitter",
      nudge:
        "Look at how your client works out the delay before each retry while the connections keep failing.",
      concept:
        "Exponential backoff doubles the wait after each failure so that clients do not hammer a server that is down, and a cap keeps the wait from growing without end. Jitter cuts each wait by a random share, so the sockets dropped by one restart do not all come back at the same instant; a refused handshake counts as a failure too.",
      hint: "delay = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)) * (1 - jitter * random()), with random = options.random ?? Math.random, called once per delay. attempt counts the failures since the last open.",
      timeout: 8000,
      async run(h) {
        const { server, probe } = clientState(h);
        server.refusing = true;
        const current = server.on("/c1").at(-1)!;
        const count = server.on("/c1").length;
        const events = probe.reconnecting.length;
        server.drop(current);
        let endedAt = current.endedAt!;
        const delays: number[] = [];
        for (let k = 1; k <= 6; k++) {
          if (k === 6) server.refusing = false;
          const arrived = await server.until(
            () => server.on("/c1").length >= count + k,
            MAX + LATE + 600,
          );
          check(arrived, `Your client did not try again after failure ${k}.`, {
            expected: `attempt ${k} about ${capOf(k)} ms after the previous one ended`,
            received: `no connection in ${MAX + LATE + 600} ms`,
          });
          check(
            probe.reconnecting.length >= events + k,
            `No "reconnecting" event for retry ${k}.`,
            {
              expected: "one event per scheduled retry, failed handshakes included",
              received: `${probe.reconnecting.length - events} events`,
            },
          );
          const { delayMs } = probe.reconnecting[events + k - 1]!;
          checkDelay(probe, k, delayMs);
          const arrival = server.on("/c1")[count + k - 1]!;
          checkGap(k, endedAt, arrival, delayMs);
          delays.push(delayMs);
          endedAt = arrival.endedAt ?? arrival.at;
        }
        h.log.pass(
          `delays ${delays.join(", ")} ms: doubling from ${BASE}, capped at ${MAX}, jitter ${JITTER}`,
        );
        await checkRejoin(server, "/c1", count + 5, "once the server accepted again");
        h.log.pass("the 6th attempt was accepted and joined board-1");
      },
    },
    {
      slug: "close-stops",
      title: "close() ends it for good: no reconnect after it, even with a retry pending",
      nudge:
        "Look at your client's `close()` method and at what can still start a new connection after it was called.",
      concept:
        "When the page closes the client on purpose, say because the user left the board, nothing may bring it back: neither the close event of its own socket nor a retry that was already waiting to fire.",
      hint: 'close() sets a flag (e.g. this.stopped = true) that the "close" handler checks before scheduling, clears the pending retry with clearTimeout(this.timer), and closes the current socket.',
      timeout: 6000,
      async run(h) {
        const { server, probe } = clientState(h);
        const open = server.on("/c1").at(-1)!;
        const before = server.on("/c1").length;
        server.refusing = true;
        await closeClient(probe);
        const closed = await server.until(() => open.closeCode !== undefined, 1500);
        check(closed, "After close(), the client's connection stayed open.", {
          expected: "the socket closed by the client",
          received: "still open after 1.5 s",
        });
        h.log.pass(`close() closed the connection (code ${open.closeCode})`);

        const pending = await startClient(h, `${server.url}/c2`, {
          baseDelayMs: 250,
          maxDelayMs: 250,
          jitter: 0,
        });
        const refused = await server.until(() => server.on("/c2").length > 0, 2000);
        check(refused, "A second client never connected.", { received: "no connection on /c2" });
        await h.sleep(60);
        await closeClient(pending);
        h.log.info("called close() on a second client while its retry was pending");

        // Long enough for a reconnect after close() (about BASE) and for the pending 250 ms retry.
        await h.sleep(Math.max(MAX, 250) + 150);
        check(server.on("/c1").length === before, "The client reconnected after close().", {
          expected: "no connection after close()",
          received: `${server.on("/c1").length - before} new connection(s)`,
        });
        h.log.pass("no reconnect after close()");
        check(server.on("/c2").length === 1, "The pending retry still ran after close().", {
          expected: "clearTimeout() of the pending retry: no second connection",
          received: `${server.on("/c2").length} connections on /c2`,
        });
        h.log.pass("a pending retry was cancelled by close()");
      },
    },
    ...lessonQuizSteps(import.meta.url),
  ],
});
