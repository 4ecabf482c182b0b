import { check, fail, show } from "../../src/checks/assert.ts";
import { exportedFunction, kit, Remote, RemoteError } from "../../src/checks/learner-module.ts";
import {
  joinAndSettle,
  openBoardStream,
  openUserSocket,
  sseTaskEvent,
  taskEventOf,
  waitUntil,
} from "../../src/checks/scaling-steps.ts";
import {
  changeList,
  checkStillOpen,
  createTask,
  describesTask,
  isObject,
  jsonObject,
  pollResponse,
  settlesWithin,
  startPoll,
  taskIdOf,
} from "../../src/checks/taskboard.ts";
import { defineChecker, type StepContext } from "../../src/checks/types.ts";
import { lessonQuizSteps } from "../../src/quiz/steps.ts";
import { freePort } from "../../src/runner/ports.ts";

const MODULE = "src/client/connect-real-time.ts";
const TRANSPORTS = ["websocket", "sse", "long-poll", "short-poll"] as const;
type Transport = (typeof TRANSPORTS)[number];
/** Transports in words, for titles and messages. */
const NAMES: Record<Transport, string> = {
  websocket: "the WebSocket",
  sse: "SSE",
  "long-poll": "long polling",
  "short-poll": "short polling",
};

/** "a", "a and b", "a, b and c". */
function listOf(items: string[]): string {
  return items.length > 1
    ? `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`
    : (items[0] ?? "");
}

/** What the fallback client is given to decide that a transport failed (ms). */
const OPEN_TIMEOUT = 1500;
const POLL_INTERVAL = 300;

/** A run of the learner's connectRealTime() with some transports made to fail. */
interface ClientRun {
  transports: Transport[];
  changes: unknown[];
  fetches: string[];
  connection: { close(): Promise<unknown> };
}

const KIT = new URL("./kit.ts", import.meta.url);

/** The connection's close(), whether connectRealTime returned a plain object or an instance. */
function closeOf(value: unknown): (() => Promise<unknown>) | undefined {
  if (value instanceof Remote) {
    return value.kind === "object" && value.keys.includes("close")
      ? () => value.call("close")
      : undefined;
  }
  if (isObject(value) && value.close instanceof Remote && value.close.kind === "function") {
    const close = value.close;
    return () => close.invoke();
  }
  return undefined;
}

/**
 * Loads the learner's module in a process of its own and starts connectRealTime()
 * on board-1 of the first server, with the transports in `blocked` failing the way
 * a hostile network makes them fail: a WebSocket upgrade that is refused, an event
 * stream answered 502, a long poll answered 502 (see kit.ts).
 */
async function startClient(h: StepContext, blocked: Transport[]): Promise<ClientRun> {
  const log = h.actor("client");
  const mod = await h.loadModule(MODULE, { name: "client", kit: KIT });
  const connectRealTime = exportedFunction(
    mod,
    "connectRealTime",
    "export function connectRealTime(options: RealTimeOptions): RealTimeConnection",
  );
  const cookie = await h.login("alice@example.com");
  const run: ClientRun = {
    transports: [],
    changes: [],
    fetches: [],
    connection: { close: async () => {} },
  };
  mod.host.on("fetch", (path) => run.fetches.push(String(path)));
  mod.host.on("log", (entry) => {
    const { kind, text } = (entry ?? {}) as { kind?: string; text?: string };
    if (kind === "recv") log.recv(String(text));
    else log.send(String(text));
  });
  // A port nothing listens on refuses at once, like a proxy that will not pass the upgrade.
  const network = { blocked, cookie, refused: `ws://127.0.0.1:${await freePort()}/ws` };
  h.onTeardown(() => run.connection.close().catch(() => {}));

  let value: unknown;
  try {
    value = await connectRealTime.invoke({
      baseUrl: h.server.url,
      boardId: "board-1",
      onChange: (change: unknown) => {
        log.recv(`onChange ${show(change, 200)}`);
        run.changes.push(change);
      },
      onTransport: (t: Transport) => {
        log.info(`onTransport("${t}")`);
        run.transports.push(t);
      },
      openTimeoutMs: OPEN_TIMEOUT,
      pollIntervalMs: POLL_INTERVAL,
      WebSocket: kit("WebSocket", network),
      EventSource: kit("EventSource", network),
      fetch: kit("fetch", network),
    });
  } catch (error) {
    if (!(error instanceof RemoteError)) throw error;
    fail("connectRealTime() threw instead of connecting.", {
      expected: "a connection object",
      received: `${error.name}: ${error.message}`,
    });
  }
  const close = closeOf(value);
  check(close !== undefined, "connectRealTime() did not return a connection.", {
    expected: "{ transport, close() }",
    received: show(value),
  });
  run.connection = { close };
  return run;
}

/** Waits until the client reports `want` as its transport, failing with what it reported. */
async function expectTransport(run: ClientRun, want: Transport, blocked: Transport[], ms: number) {
  // Any other transport reported means the chain went wrong: no need to wait out the time.
  await waitUntil(() => run.transports.length > 0, ms);
  const last = run.transports.at(-1);
  const when = blocked.length
    ? ` when ${listOf(blocked.map((t) => NAMES[t]))} ${blocked.length > 1 ? "fail" : "fails"}`
    : "";
  check(
    last === want && run.transports.every((t) => t === want),
    `connectRealTime() did not settle on ${want}.`,
    {
      expected: `onTransport("${want}")${when}, within ${ms} ms`,
      received: run.transports.length
        ? `onTransport called with ${run.transports.map((t) => `"${t}"`).join(", ")}`
        : "onTransport never called",
    },
  );
}

/** Creates a task on board-1 and waits until the client's onChange hears of it. */
async function expectChange(h: StepContext, run: ClientRun, via: Transport, ms: number) {
  const task = await createTask(h, { listId: "list-todo", title: `Heard over ${via}` });
  const id = taskIdOf(task)!;
  const heard = () => run.changes.some((c) => describesTask(c, id));
  await waitUntil(heard, ms);
  check(heard(), `onChange was not called for the new task ${id} over ${via}.`, {
    expected: `onChange({ type: …, task: { id: "${id}", … } }) within ${ms} ms`,
    received: run.changes.length
      ? run.changes
          .slice(-3)
          .map((c) => show(c, 150))
          .join("; ")
      : "no onChange call",
  });
  h.log.pass(`onChange heard of ${id} over ${via}`);
}

/** One fallback step: block some transports, expect the next one, and a change over it. */
function fallbackStep(
  want: Transport,
  blocked: Transport[],
  levels: { nudge: string; concept: string },
  hint: string,
) {
  return {
    slug: `fallback-${want}`,
    title: blocked.length
      ? `connectRealTime() falls back to ${NAMES[want]} when ${listOf(blocked.map((t) => NAMES[t]))} ${blocked.length > 1 ? "fail" : "fails"}`
      : "connectRealTime() uses a WebSocket when everything works",
    nudge: levels.nudge,
    concept: levels.concept,
    hint,
    timeout: 8000,
    async run(h: StepContext) {
      const run = await startClient(h, blocked);
      await expectTransport(run, want, blocked, OPEN_TIMEOUT * (blocked.length + 1) + 1500);
      h.log.pass(`settled on ${want}`);
      if (want === "short-poll") await h.sleep(POLL_INTERVAL + 100);
      await expectChange(h, run, want, want === "short-poll" ? POLL_INTERVAL * 4 + 500 : 2000);
      await run.connection.close();
      if (want === "short-poll") {
        const before = run.fetches.length;
        await h.sleep(POLL_INTERVAL * 3);
        check(run.fetches.length === before, "Short polling went on after close().", {
          expected: "no request after close()",
          received: `${run.fetches.length - before} more: ${run.fetches.slice(before).join(", ")}`,
        });
        h.log.pass("close() stopped the polling");
      }
    },
  };
}

export default defineChecker({
  budget: 10_000,
  steps: [
    {
      slug: "four-transports",
      title:
        "one new task is seen through short polling, long polling, SSE and a WebSocket at once",
      nudge:
        "Look at which transport the failure message says missed the change, and go back to the lesson where you built that one.",
      concept:
        "Every transport is fed by the same bus, so one change published once must reach a short poll, a held long poll, an SSE stream and a joined socket alike; that is what lets each viewer use whatever their network allows.",
      hint: "Nothing new to write here: your server from {{lesson:scaling-real-time}} should pass. If it does not, the message names the transport that missed the change; its own lesson has the details (short polling: {{lesson:short-polling}}, long polling: {{lesson:long-polling}}, SSE: {{lesson:building-an-sse-endpoint}} and {{lesson:event-types-and-ids}}, WebSocket: {{lesson:building-a-websocket-server}} and {{lesson:rooms-and-broadcasting}}).",
      timeout: 8000,
      async run(h) {
        const first = jsonObject(await h.http.get("/boards/board-1/updates"));
        const since = String(first.timestamp);
        const sse = await openBoardStream(h, "board-1", { name: "sse-board-1" });
        const ws = await openUserSocket(h, "alice@example.com", { name: "ws-alice" });
        await joinAndSettle(ws, "board-1");
        const poll = startPoll(h, "/boards/board-1/poll", "long-poll");
        await h.sleep(200);
        await checkStillOpen(poll, "nothing changed on board-1 yet");
        h.log.info("an SSE stream, a joined WebSocket and a long poll are open on board-1");

        const task = await createTask(h, { listId: "list-todo", title: "Seen four ways" });
        const id = taskIdOf(task)!;

        const event = await sse.next((e) => sseTaskEvent(e)?.taskId === id, {
          timeout: 2000,
          what: `a task_created event for ${id}`,
        });
        h.log.pass(
          `SSE: ${event.event === "message" ? "an event" : `event: ${event.event}`} about ${id}`,
        );
        await ws.next((m) => taskEventOf(m)?.taskId === id, {
          timeout: 2000,
          what: `a task_created message for ${id}`,
        });
        h.log.pass(`WebSocket: a task_created message about ${id}`);
        if (!(await settlesWithin(poll, 2000))) {
          fail("The long poll did not answer the new task.", {
            expected: "GET /boards/board-1/poll to answer right after POST /tasks",
            received: "still open",
          });
        }
        const body = jsonObject(await pollResponse(poll));
        check(
          changeList(body.data).some((item) => describesTask(item, id)),
          "The long poll answered, but not about the new task.",
          {
            expected: `data describing ${id}`,
            received: show(body),
          },
        );
        h.log.pass(`long polling: the held poll answered with ${id}`);
        const later = jsonObject(
          await h.http.get(`/boards/board-1/updates?since=${encodeURIComponent(since)}`),
        );
        check(
          changeList(later.data).some((item) => describesTask(item, id)),
          "Short polling does not report the new task.",
          {
            expected: `GET /boards/board-1/updates?since=${since} to list ${id}`,
            received: show(later.data),
          },
        );
        h.log.pass(`short polling: /updates?since lists ${id}`);
      },
    },
    fallbackStep(
      "websocket",
      [],
      {
        nudge:
          "Start in `src/client/connect-real-time.ts` with the first transport of the chain, and with what it does once its connection opens.",
        concept:
          "The WebSocket is the best transport, so the chain tries it first. A socket hears a board's events only after it joined that board, and the client tells the page which transport it settled on and turns every message into one common shape of change.",
      },
      `In ${MODULE}, connectRealTime() must open options.WebSocket (or the global one) on <baseUrl as ws://…>/ws, send { type: "join", boardId } when it opens, call onTransport("websocket"), and pass every task event it receives to onChange.`,
    ),
    fallbackStep(
      "sse",
      ["websocket"],
      {
        nudge:
          "Look at how your client decides that the WebSocket has failed, including the case where it neither errors nor opens.",
        concept:
          "A transport has failed when it reports an error before it opened, or has not opened within openTimeoutMs; the client then drops it and tries the next one, Server-Sent Events, whose named events carry the same news in another wrapping.",
      },
      `When the WebSocket fails (an "error" or "close" before "open", or no "open" within openTimeoutMs), connectRealTime() must close it and open an EventSource on /boards/<boardId>/events; on its "open" call onTransport("sse"), and listen for task_created, task_moved and task_deleted.`,
    ),
    fallbackStep(
      "long-poll",
      ["websocket", "sse"],
      {
        nudge:
          "Look at what your client does when the EventSource reports an error before it ever opened.",
        concept:
          "An event stream that never opened is a verdict on the network rather than a blip to wait out, so the chain moves on to long polling: a loop of ordinary requests that the server holds until something changes, which gets through almost any proxy.",
      },
      `When the EventSource fails before it opens (an "error" first), close it and start long polling /boards/<boardId>/poll in a loop with options.fetch; call onTransport("long-poll") once a poll is under way, and pass each item of data to onChange.`,
    ),
    fallbackStep(
      "short-poll",
      ["websocket", "sse", "long-poll"],
      {
        nudge:
          "Look at how your long-poll loop treats its very first failed request, and at everything `close()` has to stop.",
        concept:
          "When even a held request cannot get through, short polling still works everywhere: ask for what changed since the last answer, at a fixed interval. It cannot tell a new task from a moved one, and its timer runs until the connection is closed, so closing must stop it.",
      },
      `When the first long poll fails (a network error or a status other than 2xx), fall back to asking /boards/<boardId>/updates?since=<timestamp> every pollIntervalMs, calling onTransport("short-poll") after the first answer and onChange({ type: "task_changed", task }) for each task it returns; close() must stop the timer.`,
    ),
    ...lessonQuizSteps(import.meta.url),
  ],
});
