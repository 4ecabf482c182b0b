/** The capstone's scenario without a browser: two instances, one Redis, every transport. */
import { check, checkStatus, fail, show } from "../../src/checks/assert.ts";
import {
  checkViewers,
  eventKey,
  expectExactlyOnce,
  expectNoMessage,
  isNotice,
  openBoardStream,
  openUserSocket,
  recentEvents,
  sseReceiver,
  sseTaskEvent,
  taskEventOf,
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
} from "../../src/checks/taskboard.ts";
import type { Step } from "../../src/checks/types.ts";
import {
  ALICE,
  aboutBoard,
  BOB,
  CAROL,
  createOn,
  joinBoard,
  presenceSettles,
  QUIET,
  SOON,
  serverB,
  socket,
} from "./capstone-helpers.ts";

/** Two instances, Alice and Bob on board-1, Carol on board-2: presence, typing, changes, resume. */
export const scenarioSteps: Step[] = [
  {
    slug: "two-instances",
    title: "server B starts beside A, both with the same REDIS_URL",
    nudge:
      "Start a second instance by hand next to the first, with its own PORT and DATABASE_PATH and the same REDIS_URL, and read what it prints.",
    concept:
      "The capstone runs two copies of your server on one Redis, as in lesson 16; every later step relies on both instances starting side by side, each with its own port and database, and both reaching that Redis.",
    hint: "Nothing new for this step: both instances run your lesson 16 code with their own PORT and DATABASE_PATH. Run `npm run labs -- check 16` if it fails.",
    timeout: 15_000,
    async run(h) {
      const b = await h.startServer("server B");
      h.state.set("B", b);
      for (const server of [h.server, b]) checkStatus(await h.http.get("/health", { server }), 200);
      h.log.pass(
        `A on port ${h.server.port} and B on port ${b.port} answer, sharing ${h.redis?.url}`,
      );
    },
  },
  {
    slug: "viewers",
    title:
      "Alice and Bob join board-1 on A, Carol board-2 on B: both instances list the same viewers",
    nudge:
      "Look at how your WebSocket server handles a join, and at where GET /boards/:boardId/presence gets its list.",
    concept:
      "Presence answers who is looking at a board right now, on any instance: the newcomer gets the whole list, the others on that board hear that someone arrived, and someone on another board is neither listed nor announced.",
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
    nudge: "Look at which sockets your typing and stop_typing handling sends its notice to.",
    concept:
      "Typing notices are passing signals meant for the other people on the same board: they are never stored, never echoed back to the sender, who already knows, and never leave the board's room.",
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
    nudge:
      "Follow one change from its route through the bus and Redis to each kind of client, counting how often each one hears it and on which board.",
    concept:
      "A change is published once, and each instance hands it once to every listener of that board, whatever the transport. Because every transport reads the same events and the same table, they all agree on what happened and in what order.",
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
    nudge:
      "Look at your SSE endpoint's buffer of past events and at what it does with the Last-Event-ID a reconnecting stream sends.",
    concept:
      "Event ids let a dropped stream say where it stopped, so the server can fill exactly the gap: nothing missed is lost, nothing already seen comes again, and the replay comes before live events. Events that arrived through Redis belong to that history like any other.",
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
      // In the order this instance numbered them, which for events from two instances is
      // the order they reached it through Redis, not necessarily the order they were made.
      const replayedIds = again.events.flatMap((e) => {
        const t = sseTaskEvent(e);
        return t && missed.includes(t.taskId) ? [Number(e.id)] : [];
      });
      check(
        replayedIds.every((id, i) => i === 0 || id > replayedIds[i - 1]!),
        "The missed events were replayed out of order.",
        {
          expected: "the missed events by rising id, the order your server numbered them",
          received: got.join(", "),
        },
      );
      const taskIds = again.events.flatMap((e) => sseTaskEvent(e)?.taskId ?? []);
      check(
        !taskIds.includes(seen),
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
    nudge:
      "Look at what your WebSocket server does when a socket closes, both for the board's room and for the shared list of viewers.",
    concept:
      "Leaving is the other half of presence: when a user's last connection to a board goes away, they must drop out of the list every instance reads, and the people still on the board should hear that they left.",
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
];
