import Database from "better-sqlite3";
import { check, checkStatus, fail, show } from "../../src/checks/assert.ts";
import {
  type BrowserPage,
  browserStep,
  openPage,
  openPages,
  waitInPage,
} from "../../src/checks/browser.ts";
import {
  checkViewers,
  eventKey,
  expectExactlyOnce,
  expectNoMessage,
  isNotice,
  openBoardStream,
  openUserSocket,
  presenceOf,
  recentEvents,
  sseReceiver,
  sseTaskEvent,
  taskEventOf,
  viewersOf,
  waitForMessage,
  waitUntil,
  wsReceiver,
} from "../../src/checks/scaling-steps.ts";
import {
  changeList,
  checkStillOpen,
  deleteTask,
  describesTask,
  jsonObject,
  moveTask,
  pollResponse,
  settlesWithin,
  startPoll,
  taskIdOf,
} from "../../src/checks/taskboard.ts";
import type { ServerHandle, StepContext, WsClient } from "../../src/checks/types.ts";
import { defineChecker } from "../../src/checks/types.ts";

const ALICE = { userId: "user-alice", name: "Alice" };
const BOB = { userId: "user-bob", name: "Bob" };
const CAROL = { userId: "user-carol", name: "Carol" };
/** How long a message may take to cross from one instance to the other (ms). */
const SOON = 2000;
/** How long the checker listens for something that must not come (ms). */
const QUIET = 400;

/** Server B, started by the first step. */
function serverB(h: StepContext): ServerHandle {
  const b = h.state.get("B") as ServerHandle | undefined;
  if (!b) throw new Error("server B was not started");
  return b;
}

/** A socket opened by an earlier step. */
function socket(h: StepContext, key: "alice" | "bob" | "carol"): WsClient {
  const ws = h.state.get(`ws:${key}`) as WsClient | undefined;
  if (!ws) throw new Error(`no socket for ${key} from an earlier step`);
  return ws;
}

/** `POST /tasks` on `server`, returning the new task's id. */
async function createOn(
  h: StepContext,
  server: ServerHandle,
  listId: string,
  title: string,
): Promise<string> {
  const res = await h.http.post("/tasks", { listId, title }, { server });
  checkStatus(res, 201, 200);
  const id = taskIdOf((res.json() as { task?: unknown }).task ?? res.json());
  check(id, `POST /tasks on ${server.name} did not answer with the task.`, {
    expected: '{ "task": { "id": … } }',
    received: res.text.slice(0, 200),
  });
  return id;
}

/** Joins `boardId` and returns the presence message the server answers with. */
async function joinBoard(ws: WsClient, boardId: string): Promise<unknown> {
  const from = ws.messages.length;
  ws.send({ type: "join", boardId });
  return waitForMessage(
    ws,
    from,
    isNotice("presence", boardId),
    SOON,
    `a presence message for ${boardId} after join`,
  );
}

/** Waits until GET /boards/:boardId/presence on `server` lists exactly `expected`. */
async function presenceSettles(
  h: StepContext,
  server: ServerHandle,
  boardId: string,
  expected: { userId: string; name: string }[],
  ms: number,
): Promise<void> {
  const want = expected
    .map((v) => v.userId)
    .sort()
    .join(",");
  let last: unknown;
  const deadline = performance.now() + ms;
  for (;;) {
    last = await presenceOf(h, boardId, server);
    if (
      viewersOf(last)
        ?.map((v) => v.userId)
        .sort()
        .join(",") === want ||
      performance.now() > deadline
    )
      break;
    await h.sleep(100);
  }
  checkViewers(last, expected, `GET /boards/${boardId}/presence on ${server.name}`);
}

/** True for a message that belongs to `boardId` (a notice with that boardId, or a task of that board). */
function aboutBoard(boardId: string, taskIds: Set<string>): (m: unknown) => boolean {
  return (m) => {
    const event = taskEventOf(m);
    if (event) return taskIds.has(event.taskId);
    return typeof m === "object" && m !== null && (m as { boardId?: unknown }).boardId === boardId;
  };
}

// ---------------------------------------------------------------- the browser part

/** The page's DOM as the checker reads it, for failure messages (a page-side expression). */
const BOARD_STATE = `(() => {
  const all = (root, selector) => Array.from(root.querySelectorAll(selector));
  const lists = all(document, "[data-list-id]").map((l) =>
    l.dataset.listId + ": " + (all(l, "[data-task-id]").map((t) => t.dataset.taskId).join(", ") || "(empty)"));
  const viewers = all(document, "#viewers [data-user-id]").map((v) => v.dataset.userId);
  const status = document.querySelector("#status")?.textContent ?? "(no #status)";
  return "lists: " + (lists.join(" | ") || "(none)") + "; viewers: " + (viewers.join(", ") || "(none)") + "; status: " + status;
})()`;

/** Waits until the page shows task `taskId` (in list `listId`, when given). */
async function pageShowsTask(
  p: BrowserPage,
  taskId: string,
  listId: string | null,
  timeout: number,
  what: string,
) {
  await waitInPage(p, {
    what,
    arg: { taskId, listId },
    predicate: ({ taskId, listId }) => {
      const card = document.querySelector(`[data-task-id="${CSS.escape(taskId)}"]`);
      if (!card) return false;
      return (
        listId === null || card.closest("[data-list-id]")?.getAttribute("data-list-id") === listId
      );
    },
    describe: BOARD_STATE,
    timeout,
  });
}

/** Sets a marker on the page's window; `sameDocument` later tells whether the page reloaded. */
async function markDocument(p: BrowserPage, value: number): Promise<void> {
  await p.page.evaluate((v) => {
    (window as unknown as { __labsMark?: number }).__labsMark = v;
  }, value);
}

async function sameDocument(p: BrowserPage, value: number): Promise<void> {
  const mark = await p.page.evaluate(
    () => (window as unknown as { __labsMark?: number }).__labsMark,
  );
  check(mark === value, `[page-${p.name}] reloaded itself instead of updating in place.`, {
    expected: "the same page, changed by its script",
    received: "a freshly loaded page (a marker the check set on it is gone)",
  });
}

function pageOf(h: StepContext, name: string): BrowserPage {
  const p = openPages(h).get(name);
  if (!p) fail(`The page "${name}" that an earlier step opened is gone.`);
  return p;
}

/** The address of the board page for `email` (the path found by the page-served step). */
function pageUrl(h: StepContext, email: string): string {
  const path = (h.state.get("page") as string | undefined) ?? "/board.html";
  return `${path}?board=board-1&user=${encodeURIComponent(email)}`;
}

export default defineChecker({
  redis: true,
  timers: { WS_HEARTBEAT_MS: 5000, SSE_HEARTBEAT_MS: 500 },
  // Browsers reconnect an event stream after the server's `retry:`; keep it short for the restart step.
  env: { SSE_RETRY_MS: "1000" },
  budget: 30_000,
  steps: [
    {
      slug: "two-instances",
      title: "server B starts beside A, both with the same REDIS_URL",
      hint: "Nothing new for this step: both instances run your lesson 16 code with their own PORT and DATABASE_PATH. Run `npm run labs -- check 16` if it fails.",
      timeout: 15_000,
      async run(h) {
        const b = await h.startServer("server B");
        h.state.set("B", b);
        for (const server of [h.server, b])
          checkStatus(await h.http.get("/health", { server }), 200);
        h.log.pass(
          `A on port ${h.server.port} and B on port ${b.port} answer, sharing ${h.redis?.url}`,
        );
      },
    },
    {
      slug: "viewers",
      title:
        "Alice and Bob join board-1 on A, Carol board-2 on B: both instances list the same viewers",
      hint: "On join, add the user to the board's viewers (in Redis since lesson 16), answer the socket with { type: \"presence\", boardId, users }, and send user_joined to the board's other sockets on that instance. GET /boards/:boardId/presence reads the same list on either instance. `npm run labs -- check 15` and `check 16` go into the details.",
      timeout: 10_000,
      async run(h) {
        const b = serverB(h);
        const alice = await openUserSocket(h, "alice@example.com", { name: "ws-alice@A" });
        checkViewers(await joinBoard(alice, "board-1"), [ALICE], "The presence message Alice got");
        const bob = await openUserSocket(h, "bob@example.com", { name: "ws-bob@A" });
        const aliceFrom = alice.messages.length;
        checkViewers(await joinBoard(bob, "board-1"), [ALICE, BOB], "The presence message Bob got");
        await waitForMessage(
          alice,
          aliceFrom,
          isNotice("user_joined", "board-1", BOB.userId),
          SOON,
          "user_joined for Bob",
        );
        h.log.pass("Bob's presence message lists Alice and Bob; Alice heard user_joined for Bob");
        const carol = await openUserSocket(h, "carol@example.com", {
          server: b,
          name: "ws-carol@B",
        });
        checkViewers(
          await joinBoard(carol, "board-2"),
          [CAROL],
          "The presence message Carol got on B",
        );
        h.log.pass("Carol's presence message for board-2 (on B) lists only Carol");
        h.state.set("ws:alice", alice);
        h.state.set("ws:bob", bob);
        h.state.set("ws:carol", carol);
        for (const server of [h.server, b]) {
          await presenceSettles(h, server, "board-1", [ALICE, BOB], 1500);
          await presenceSettles(h, server, "board-2", [CAROL], 1500);
        }
        h.log.pass(
          "GET /boards/:boardId/presence agrees on A and on B: Alice and Bob on board-1, Carol on board-2",
        );
        await expectNoMessage(
          alice,
          aliceFrom,
          isNotice("user_joined", undefined, CAROL.userId),
          QUIET,
          "a user_joined for Carol, who joined board-2",
        );
        h.log.pass("no one on board-1 heard of Carol joining board-2");
      },
    },
    {
      slug: "typing",
      title: "Alice's typing reaches Bob, not Alice herself, not Carol on board-2",
      hint: 'On "typing" and "stop_typing", send { type: "user_typing" | "user_stopped_typing", boardId, userId, name } to the other sockets in the board\'s room, never back to the sender\'s socket (lesson 15).',
      timeout: 6000,
      async run(h) {
        const [alice, bob, carol] = [socket(h, "alice"), socket(h, "bob"), socket(h, "carol")];
        const marks = [alice, bob, carol].map((ws) => ws.messages.length);
        alice.send({ type: "typing", boardId: "board-1" });
        const typing = await waitForMessage(
          bob,
          marks[1]!,
          isNotice("user_typing", "board-1", ALICE.userId),
          SOON,
          "user_typing from Alice on board-1",
        );
        check((typing as { name?: unknown }).name === "Alice", "user_typing does not name Alice.", {
          expected:
            '{ "type": "user_typing", "boardId": "board-1", "userId": "user-alice", "name": "Alice" }',
          received: show(typing),
        });
        h.log.pass("Bob saw Alice typing");
        alice.send({ type: "stop_typing", boardId: "board-1" });
        await waitForMessage(
          bob,
          marks[1]!,
          isNotice("user_stopped_typing", "board-1", ALICE.userId),
          SOON,
          "user_stopped_typing from Alice",
        );
        h.log.pass("and saw her stop");
        await expectNoMessage(
          alice,
          marks[0]!,
          (m) => isNotice("user_typing")(m) || isNotice("user_stopped_typing")(m),
          QUIET,
          "her own typing notice",
        );
        await expectNoMessage(
          carol,
          marks[2]!,
          (m) => isNotice("user_typing")(m) || isNotice("user_stopped_typing")(m),
          0,
          "a typing notice of board-1",
        );
        h.log.pass("Alice got no echo of her own typing, Carol (board-2) heard nothing");
      },
    },
    {
      slug: "changes-everywhere",
      title:
        "create, move and delete reach every board-1 client once, over WebSocket, SSE and polling",
      hint: "Each mutation publishes one event; every instance delivers it once to its SSE streams, rooms and long polls. If a client got an event twice, the publishing instance delivers both locally and from Redis; if board-2 got it, an event lost its boardId.",
      timeout: 15_000,
      async run(h) {
        const b = serverB(h);
        const [alice, bob, carol] = [socket(h, "alice"), socket(h, "bob"), socket(h, "carol")];
        const since = String(jsonObject(await h.http.get("/boards/board-1/updates")).timestamp);
        const board1 = [
          wsReceiver(alice),
          wsReceiver(bob),
          sseReceiver(await openBoardStream(h, "board-1", { name: "sse-alice@A" })),
          sseReceiver(await openBoardStream(h, "board-1", { server: b, name: "sse-bob@B" })),
        ];
        const carolSse = await openBoardStream(h, "board-2", { server: b, name: "sse-carol@B" });
        const carolFrom = { ws: carol.messages.length, sse: carolSse.events.length };
        const starts = board1.map((r) => r.mark);
        const marks = () => board1.map((receiver) => ({ receiver, from: receiver.mark }));
        const held = () => startPoll(h, "/boards/board-1/poll", "long-poll@A");
        const released = async (poll: ReturnType<typeof held>, id: string, what: string) => {
          if (!(await settlesWithin(poll, SOON)))
            fail(`The long poll on A did not answer ${what}.`, {
              expected: `an answer about ${id}`,
              received: "still open",
            });
          const body = jsonObject(await pollResponse(poll));
          check(
            changeList(body.data).some((x) => describesTask(x, id)),
            `The long poll answered ${what}, but not about ${id}.`,
            {
              expected: `data describing ${id}`,
              received: show(body),
            },
          );
        };

        let poll = held();
        await h.sleep(150);
        await checkStillOpen(poll, "nothing changed on board-1 yet");
        let receivers = marks();
        const id = await createOn(h, h.server, "list-todo", "The capstone task");
        await expectExactlyOnce(h, receivers, `task_created:${id}`, {
          what: "POST /tasks on A",
          within: SOON,
        });
        await released(poll, id, "POST /tasks");
        h.log.pass(
          `task_created ${id}: once each to Alice and Bob over WebSocket and SSE; the long poll answered`,
        );

        poll = held();
        await h.sleep(150);
        receivers = marks();
        await moveTask(h, id, "list-doing");
        await expectExactlyOnce(h, receivers, `task_moved:${id}`, {
          what: "PATCH /tasks/:id/move on A",
          within: SOON,
        });
        await released(poll, id, "the move");
        const updates = jsonObject(
          await h.http.get(`/boards/board-1/updates?since=${encodeURIComponent(since)}`),
        );
        const row = changeList(updates.data).find((x) => describesTask(x, id));
        check(row !== undefined, "Short polling does not report the task.", {
          expected: `GET /boards/board-1/updates?since=${since} to list ${id}`,
          received: show(updates.data),
        });
        h.log.pass(`task_moved ${id}: once each; the long poll answered; /updates?since lists it`);

        poll = held();
        await h.sleep(150);
        receivers = marks();
        await deleteTask(h, id);
        await expectExactlyOnce(h, receivers, `task_deleted:${id}`, {
          what: "DELETE /tasks/:id on A",
          within: SOON,
        });
        await released(poll, id, "the delete");
        const after = jsonObject(await h.http.get("/boards/board-1/updates"));
        check(
          !changeList(after.data).some((x) => describesTask(x, id)),
          "The deleted task is still listed by /updates.",
          {
            expected: `no ${id}`,
            received: show(after.data),
          },
        );
        h.log.pass(
          `task_deleted ${id}: once each; the long poll answered; /updates no longer lists it`,
        );

        for (const [i, r] of board1.entries()) {
          const seen = r
            .taskEvents(starts[i])
            .filter((e) => e.taskId === id)
            .map(eventKey);
          const want = [`task_created:${id}`, `task_moved:${id}`, `task_deleted:${id}`];
          check(seen.join() === want.join(), `[${r.name}] got the changes in the wrong order.`, {
            expected: want.join(", "),
            received: seen.join(", "),
          });
        }
        h.log.pass("all four board-1 clients saw created, moved, deleted, in that order");

        const other = await createOn(h, h.server, "list-b2-todo", "Only for board-2");
        await carolSse.next((e) => sseTaskEvent(e)?.taskId === other, {
          timeout: SOON,
          what: `task_created for ${other} on board-2`,
        });
        await waitForMessage(
          carol,
          carolFrom.ws,
          (m) => taskEventOf(m)?.taskId === other,
          SOON,
          `task_created for ${other}`,
        );
        h.log.pass(`Carol (board-2, on B) got ${other}, created through A`);
        await h.sleep(QUIET);
        for (const r of board1) {
          check(
            !r.taskEvents().some((e) => e.taskId === other),
            `[${r.name}] on board-1 got board-2's task.`,
            {
              expected: "only board-1 events",
              received: recentEvents(r.taskEvents()),
            },
          );
        }
        const leaked = carolSse.events
          .slice(carolFrom.sse)
          .map(sseTaskEvent)
          .find((e) => e && e.taskId === id);
        check(!leaked, "Carol's board-2 stream got a board-1 event.", {
          expected: "only board-2 events",
          received: show(leaked),
        });
        await expectNoMessage(
          carol,
          carolFrom.ws,
          aboutBoard("board-1", new Set([id])),
          0,
          "a board-1 event on Carol's board-2 socket",
        );
        h.log.pass("nothing crossed between board-1 and board-2");
      },
    },
    {
      slug: "sse-resume",
      title:
        "Bob's stream on A reconnects with Last-Event-ID and gets exactly what he missed, then live events",
      hint: "The instance that issued the ids replays from its buffer: every event with an id above Last-Event-ID, in order, before live ones, and nothing at or below it. Events that came from the other instance through Redis get this instance's ids like any other.",
      timeout: 10_000,
      async run(h) {
        const b = serverB(h);
        const first = await openBoardStream(h, "board-1", { name: "sse-bob-1@A" });
        const seen = await createOn(h, h.server, "list-todo", "Seen before the drop");
        const before = await first.next((e) => sseTaskEvent(e)?.taskId === seen, {
          timeout: SOON,
          what: `task_created for ${seen}`,
        });
        check(
          before.id !== undefined && before.id !== "",
          "The event has no id: line, so a reconnect cannot say where it stopped.",
          {
            expected: "id: <number> on every task event",
            received: show(before.data, 120),
          },
        );
        await first.nextComment({
          timeout: h.timers.SSE_HEARTBEAT_MS * 3 + 500,
          what: "a heartbeat comment on an idle stream",
        });
        h.log.pass(`got ${seen} with id ${before.id}, and a heartbeat comment while idle`);
        first.close();
        h.log.info("Bob's stream dropped");
        const missed = [
          await createOn(h, h.server, "list-todo", "Missed 1 (made on A)"),
          await createOn(h, b, "list-todo", "Missed 2 (made on B)"),
        ];
        await h.sleep(300);
        const again = await h.sse("/boards/board-1/events", {
          name: "sse-bob-2@A",
          lastEventId: before.id,
        });
        const replayed = await waitUntil(
          () => missed.every((m) => again.events.some((e) => sseTaskEvent(e)?.taskId === m)),
          SOON,
        );
        const got = again.events.flatMap((e) => {
          const t = sseTaskEvent(e);
          return t ? [`${t.taskId}#${e.id ?? "?"}`] : [];
        });
        check(replayed, "The reconnect did not replay the events Bob missed.", {
          expected: `task_created for ${missed.join(" and ")} (ids above ${before.id})`,
          received: got.join(", ") || "no task event",
        });
        const order = again.events.map(sseTaskEvent).flatMap((t) => (t ? [t.taskId] : []));
        check(
          order.indexOf(missed[0]!) < order.indexOf(missed[1]!),
          "The missed events were replayed out of order.",
          {
            expected: missed.join(", "),
            received: order.join(", "),
          },
        );
        check(
          !order.includes(seen),
          `The reconnect replayed ${seen}, which Bob had already seen.`,
          {
            expected: `only events after id ${before.id}`,
            received: got.join(", "),
          },
        );
        h.log.pass(`replayed ${missed.join(", ")} in order, nothing Bob had seen`);
        const live = await createOn(h, h.server, "list-todo", "Live after the replay");
        await again.next((e) => sseTaskEvent(e)?.taskId === live, {
          timeout: SOON,
          what: `the live event for ${live}`,
        });
        const count = again.events.filter((e) =>
          missed.includes(sseTaskEvent(e)?.taskId ?? ""),
        ).length;
        check(count === 2, "A missed event came twice.", {
          expected: "each missed event once",
          received: got.join(", "),
        });
        h.log.pass(`then the live ${live}, each event exactly once`);
        again.close();
      },
    },
    {
      slug: "viewer-leaves",
      title: "when Bob's socket closes, Alice hears user_left and both instances stop listing him",
      hint: "On close, remove the socket's presence; when it was the user's last socket on the board, take them out of the shared list and send user_left { boardId, userId, name } to the board's remaining sockets.",
      timeout: 6000,
      async run(h) {
        const b = serverB(h);
        const alice = socket(h, "alice");
        const from = alice.messages.length;
        socket(h, "bob").close();
        await waitForMessage(
          alice,
          from,
          isNotice("user_left", "board-1", BOB.userId),
          SOON,
          "user_left for Bob",
        );
        h.log.pass("Alice heard user_left for Bob");
        for (const server of [h.server, b])
          await presenceSettles(h, server, "board-1", [ALICE], SOON);
        h.log.pass("board-1 lists only Alice again, on A and on B");
      },
    },
    {
      slug: "page-served",
      title: "the server serves the board page (text/html) and its script (text/javascript)",
      hint: "In src/routes/pages.ts, answer GET /board.html (and GET /) with public/board.html as text/html; charset=utf-8, and GET /board.js with public/board.js as text/javascript; charset=utf-8; then add ...pageRoutes to the handlers in src/app.ts.",
      async run(h) {
        const tried: string[] = [];
        for (const path of ["/board.html", "/"]) {
          const res = await h.http.get(path);
          const type = res.headers.get("content-type") ?? "";
          tried.push(`${path}: ${res.status} ${type || "(no Content-Type)"}`);
          if (res.status === 200 && type.startsWith("text/html") && /board\.js/.test(res.text)) {
            h.state.set("page", path);
            h.log.pass(`GET ${path} answers the board page as ${type}`);
            break;
          }
        }
        if (!h.state.has("page")) {
          fail("Neither GET /board.html nor GET / answered the board page.", {
            expected:
              "200, Content-Type: text/html, the page of public/board.html (it loads /board.js)",
            received: tried.join("; "),
          });
        }
        const js = await h.http.get("/board.js");
        checkStatus(js, 200);
        const type = js.headers.get("content-type") ?? "";
        check(
          /^(text|application)\/(javascript|ecmascript)\b/.test(type),
          "GET /board.js is not served as JavaScript.",
          {
            expected:
              "Content-Type: text/javascript (browsers refuse to run module scripts of any other type)",
            received: `Content-Type: ${type || "(none)"}`,
          },
        );
        check(/EventSource/.test(js.text), "GET /board.js does not answer the board's script.", {
          expected: "the content of public/board.js",
          received: js.text.slice(0, 120) || "(empty)",
        });
        h.log.pass(`GET /board.js answers public/board.js as ${type}`);
      },
    },
    browserStep({
      slug: "browser-live",
      title:
        "in Chromium, the page shows a task created, moved and deleted through B, without a reload",
      hint: "In public/board.js, connectEvents() opens an EventSource on /boards/<board>/events, calls loadBoard() on open, and hands task_created, task_moved and task_deleted to applyChange({ ...JSON.parse(e.data), type }). The browser's console lines above show script errors.",
      timeout: 12_000,
      async run(h) {
        const b = serverB(h);
        const alice = await openPage(h, "alice", pageUrl(h, "alice@example.com"));
        await pageShowsTask(alice, "task-1", null, 4000, "the seeded task task-1 to be drawn");
        alice.log.pass("the page drew the board");
        await markDocument(alice, 1);
        const id = await createOn(h, b, "list-todo", "Made on B, seen in Chromium on A");
        await pageShowsTask(
          alice,
          id,
          "list-todo",
          SOON + 1000,
          `${id}, created through B, to appear in list-todo`,
        );
        alice.log.pass(`${id}, created through B, appeared in list-todo`);
        checkStatus(
          await h.http.patch(`/tasks/${id}/move`, { listId: "list-done" }, { server: b }),
          200,
        );
        await pageShowsTask(alice, id, "list-done", SOON + 1000, `${id} to move to list-done`);
        alice.log.pass(`${id} moved to list-done`);
        checkStatus(await h.http.delete(`/tasks/${id}`, { server: b }), 200, 204);
        await waitInPage(alice, {
          what: `${id} to disappear after DELETE /tasks/${id}`,
          arg: id,
          predicate: (taskId) => !document.querySelector(`[data-task-id="${CSS.escape(taskId)}"]`),
          describe: BOARD_STATE,
          timeout: SOON + 1000,
        });
        alice.log.pass(`${id} left the page when it was deleted`);
        await sameDocument(alice, 1);
        h.log.pass("no reload: the page's script changed it in place");
      },
    }),
    browserStep({
      slug: "browser-viewers",
      title: "a second page, Bob's, makes both pages list two viewers",
      hint: "The page's WebSocket must get through: in src/ws-server.ts, originAllowed() must also accept an Origin whose host equals the upgrade request's Host header (the page came from this server). The page's console lines above show a refused socket.",
      timeout: 10_000,
      async run(h) {
        const bob = await openPage(h, "bob", pageUrl(h, "bob@example.com"));
        const alice = pageOf(h, "alice");
        for (const p of [alice, bob]) {
          await waitInPage(p, {
            what: "#viewers to list user-alice and user-bob",
            arg: ["user-alice", "user-bob"],
            predicate: (want) => {
              const ids = Array.from(
                document.querySelectorAll<HTMLElement>("#viewers [data-user-id]"),
              )
                .map((v) => v.dataset.userId)
                .sort();
              return ids.join() === want.join();
            },
            describe: BOARD_STATE,
            timeout: 5000,
          });
          p.log.pass("lists Alice and Bob as viewers");
        }
      },
    }),
    browserStep({
      slug: "browser-reconnect",
      title:
        "after server A is killed and restarted, Alice's page reconnects and shows what changed meanwhile",
      hint: "In public/board.js, call loadBoard() every time the EventSource opens: it opens again after each reconnect, and a restarted server no longer has the events the page missed (its ids start again), so only a fresh load shows them.",
      timeout: 16_000,
      async run(h) {
        const alice = pageOf(h, "alice");
        await markDocument(alice, 2);
        h.log.info("killing server A with SIGKILL, as a crash would");
        await h.server.kill();
        const id = `task-down-${Date.now().toString(16).slice(-6)}`;
        insertTaskOffline(h.server.databasePath, id, "list-doing", "Written while A was down");
        h.log.info(`while A was down, wrote ${id} (list-doing) into its database`);
        await h.server.restart();
        h.log.info(`server A is back on port ${h.server.port}`);
        await pageShowsTask(
          alice,
          id,
          "list-doing",
          10_000,
          `the page to reconnect and show ${id}`,
        );
        alice.log.pass(`shows ${id} after the restart`);
        await sameDocument(alice, 2);
        h.log.pass("no reload: the EventSource reconnected and the page loaded the board again");
      },
    }),
  ],
});

/** Writes a task row straight into a stopped server's database, the way another process would. */
function insertTaskOffline(file: string, id: string, listId: string, title: string): void {
  const db = new Database(file, { fileMustExist: true, timeout: 2000 });
  try {
    const now = new Date().toISOString();
    const { next } = db
      .prepare("SELECT COALESCE(MAX(position) + 1, 0) AS next FROM tasks WHERE list_id = ?")
      .get(listId) as { next: number };
    db.prepare(
      `INSERT INTO tasks (id, list_id, title, description, assignee_id, position, created_at, updated_at)
       VALUES (?, ?, ?, NULL, NULL, ?, ?, ?)`,
    ).run(id, listId, title, next, now, now);
  } finally {
    db.close();
  }
}
