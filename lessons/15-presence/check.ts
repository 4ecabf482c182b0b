import { check } from "../../src/checks/assert.ts";
import {
  checkViewers,
  expectNoMessage,
  isNotice,
  openSilentPeer,
  openUserSocket,
  presenceOf,
  waitForMessage,
  waitUntil,
} from "../../src/checks/scaling-steps.ts";
import { isObject } from "../../src/checks/taskboard.ts";
import type { StepContext, WsClient } from "../../src/checks/types.ts";
import { defineChecker } from "../../src/checks/types.ts";
import { lessonQuizSteps } from "../../src/quiz/steps.ts";

const BOARD = "board-1";
const ALICE = { userId: "user-alice", name: "Alice" };
const BOB = { userId: "user-bob", name: "Bob" };
const CAROL = { userId: "user-carol", name: "Carol" };
/** How long a notice may take to arrive (ms). */
const SOON = 1500;
/** How long the checker listens for a notice that must not come (ms). */
const QUIET = 300;

/** A socket of a user with the message index it was at when the step began. */
interface Seat {
  ws: WsClient;
  mark: number;
}

/** Sends `join` and returns the `presence` message the server answers with. */
async function join(ws: WsClient, boardId = BOARD): Promise<unknown> {
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

/** Opens a socket as `email`, joins the board and returns it with its presence answer. */
async function arrive(h: StepContext, email: string, name: string, boardId = BOARD) {
  const ws = await openUserSocket(h, email, { name });
  const presence = await join(ws, boardId);
  return { ws, presence };
}

/** Remembers where each socket's message list stood. */
function seat(ws: WsClient): Seat {
  return { ws, mark: ws.messages.length };
}

/** The sockets steps hand on to later steps. */
function socket(h: StepContext, key: string): WsClient {
  const ws = h.state.get(key) as WsClient | undefined;
  if (!ws) throw new Error(`no socket ${key} from an earlier step`);
  return ws;
}

/** Fails unless GET /boards/board-1/presence lists exactly `expected`. */
async function checkRoute(
  h: StepContext,
  expected: { userId: string; name: string }[],
): Promise<void> {
  checkViewers(await presenceOf(h, BOARD), expected, `GET /boards/${BOARD}/presence`);
}

/** Waits until GET /boards/board-1/presence no longer lists `userId`; false after `ms`. */
async function routeDrops(h: StepContext, userId: string, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  for (;;) {
    const body = await presenceOf(h, BOARD);
    const users = isObject(body) && Array.isArray(body.users) ? body.users : [];
    if (!users.some((u) => isObject(u) && u.userId === userId)) return true;
    if (performance.now() > deadline) return false;
    await h.sleep(100);
  }
}

export default defineChecker({
  steps: [
    {
      slug: "presence-on-join",
      title:
        "joining a board answers with the presence list, and GET /boards/:boardId/presence agrees",
      nudge:
        "Look at the `join` case in `src/ws-server.ts`, and at whether `src/routes/boards.ts` has a presence route.",
      concept:
        "Presence is derived from connections, not stored: a user is on a board as long as one of their sockets has joined it. A socket that joins has missed everything before, so it gets the whole list once as a snapshot, and the HTTP route gives the same list to a page whose socket is not open yet.",
      hint: 'In handleMessage (src/ws-server.ts), on "join" call addPresence(boardId, ws, user.userId, user.name) from src/presence.ts, then send the socket { type: "presence", boardId, users: getPresence(boardId) }. Add GET /boards/:boardId/presence in src/routes/boards.ts answering { boardId, users: getPresence(boardId) }.',
      async run(h) {
        const alice = await arrive(h, "alice@example.com", "ws-alice-1");
        h.state.set("alice-1", alice.ws);
        checkViewers(alice.presence, [ALICE], "The presence message after Alice's join");
        h.log.pass("Alice's join was answered with presence [Alice]");
        await checkRoute(h, [ALICE]);
        h.log.pass("GET /boards/board-1/presence lists Alice");
      },
    },
    {
      slug: "user-joined-to-others",
      title: "a new viewer is announced to the others with user_joined, not to themselves",
      nudge:
        "Look at what the `join` case in `src/ws-server.ts` tells the other sockets of the board, and whom it leaves out.",
      concept:
        "After the snapshot, clients only hear about changes: the others learn that someone arrived, while the newcomer already has the full list and needs no news about itself.",
      hint: 'When a user\'s first socket joins a board, broadcastToRoom(boardId, { type: "user_joined", boardId, userId, name }, ws): the third argument keeps the joining socket out.',
      async run(h) {
        const alice = seat(socket(h, "alice-1"));
        const bob = await arrive(h, "bob@example.com", "ws-bob");
        h.state.set("bob", bob.ws);
        const bobSeat: Seat = { ws: bob.ws, mark: 0 };
        checkViewers(bob.presence, [ALICE, BOB], "The presence message after Bob's join");
        h.log.pass("Bob's join was answered with presence [Alice, Bob]");
        const notice = await waitForMessage(
          alice.ws,
          alice.mark,
          isNotice("user_joined", BOARD, BOB.userId),
          SOON,
          "user_joined for Bob",
        );
        check(notice.name === "Bob", "user_joined does not carry the user's name.", {
          expected:
            '{ "type": "user_joined", "boardId": "board-1", "userId": "user-bob", "name": "Bob" }',
          received: JSON.stringify(notice),
        });
        h.log.pass("Alice got user_joined { boardId, userId, name } for Bob");
        await expectNoMessage(
          bob.ws,
          bobSeat.mark,
          isNotice("user_joined", undefined, BOB.userId),
          QUIET,
          "user_joined about himself",
        );
        h.log.pass("Bob was not told about his own arrival");
      },
    },
    {
      slug: "tabs-counted-once",
      title: "a second tab of the same user is not a second viewer",
      nudge:
        "Look at `getPresence` in `src/presence.ts`, and at when a join counts as someone arriving.",
      concept:
        "The server keeps one entry per socket, but presence is about users: a second tab is one more socket of someone already there, so it changes nothing for anyone else. A user arrives only with their first socket on the board.",
      hint: "getPresence(roomId) must return one { userId, name } per user (skip user ids already seen), and user_joined is only sent when the user had no socket in the room before this join.",
      async run(h) {
        const bob = seat(socket(h, "bob"));
        const second = await arrive(h, "alice@example.com", "ws-alice-2");
        h.state.set("alice-2", second.ws);
        checkViewers(second.presence, [ALICE, BOB], "The presence message of Alice's second tab");
        h.log.pass("the second tab's presence lists Alice once");
        await checkRoute(h, [ALICE, BOB]);
        h.log.pass("GET /boards/board-1/presence lists Alice once");
        await expectNoMessage(
          bob.ws,
          bob.mark,
          isNotice("user_joined", BOARD, ALICE.userId),
          QUIET,
          "a second user_joined for Alice",
        );
        h.log.pass("Bob heard nothing: Alice was already there");
      },
    },
    {
      slug: "one-tab-closes",
      title: "closing one of two tabs keeps the user; closing both sends user_left",
      nudge:
        "Look at `handleDisconnect` in `src/ws-server.ts`: what it takes out of presence, and when it tells the others.",
      concept:
        "A user leaves only when their last socket on the board goes away. Closing one of several tabs leaves them present, and only the last one should produce a leave notice.",
      hint: 'On close, handleDisconnect (src/ws-server.ts) calls removePresenceFromAll(ws); for each room, send { type: "user_left", boardId, userId, name } only when the user has no other socket left there.',
      async run(h) {
        const bob = seat(socket(h, "bob"));
        const tab1 = socket(h, "alice-1");
        const tab2 = socket(h, "alice-2");
        tab1.close(1000, "tab closed");
        await tab1.closed({ timeout: SOON });
        await expectNoMessage(
          bob.ws,
          bob.mark,
          isNotice("user_left", BOARD, ALICE.userId),
          QUIET,
          "user_left for Alice while her other tab is open",
        );
        await checkRoute(h, [ALICE, BOB]);
        h.log.pass("with one tab closed, Alice is still present");
        tab2.close(1000, "tab closed");
        const left = await waitForMessage(
          bob.ws,
          bob.mark,
          isNotice("user_left", BOARD, ALICE.userId),
          SOON,
          "user_left for Alice after her last tab closed",
        );
        check(left.name === "Alice", "user_left does not carry the user's name.", {
          expected:
            '{ "type": "user_left", "boardId": "board-1", "userId": "user-alice", "name": "Alice" }',
          received: JSON.stringify(left),
        });
        h.log.pass("with both tabs closed, Bob got user_left for Alice");
        await checkRoute(h, [BOB]);
        h.log.pass("GET /boards/board-1/presence lists only Bob");
      },
    },
    {
      slug: "leave-message",
      title: "a leave message removes the viewer too",
      nudge:
        "Look at the `leave` case in `src/ws-server.ts` and compare what it cleans up with what a disconnect cleans up.",
      concept:
        "Leaving a board on purpose is one more way for a socket to stop viewing it, so it must end that socket's presence there just like a closed tab does, with the same notice when it was the user's last socket.",
      hint: 'On "leave" in handleMessage (src/ws-server.ts), call removePresence(boardId, ws) next to leaveRoom(), and announce user_left when that was the user\'s last socket on the board.',
      async run(h) {
        const bob = seat(socket(h, "bob"));
        const carol = await arrive(h, "carol@example.com", "ws-carol");
        h.state.set("carol", carol.ws);
        await waitForMessage(
          bob.ws,
          bob.mark,
          isNotice("user_joined", BOARD, CAROL.userId),
          SOON,
          "user_joined for Carol",
        );
        carol.ws.send({ type: "leave", boardId: BOARD });
        await waitForMessage(
          bob.ws,
          bob.mark,
          isNotice("user_left", BOARD, CAROL.userId),
          SOON,
          "user_left for Carol after her leave message",
        );
        h.log.pass("Bob got user_joined, then user_left for Carol");
        await checkRoute(h, [BOB]);
        h.log.pass("GET /boards/board-1/presence lists only Bob again");
      },
    },
    {
      slug: "typing-relayed",
      title:
        "typing and stop_typing reach the others as user_typing and user_stopped_typing, never the typist",
      nudge:
        "Look at how `src/ws-server.ts` handles `typing` and `stop_typing`, and at who receives what it passes on.",
      concept:
        "Typing is not state: nobody needs to know it a minute later, so it is only relayed to the other viewers of the board, never stored or echoed back to the typist, and only on a board the socket has joined.",
      hint: 'On "typing" / "stop_typing" with a boardId the socket joined, broadcastToRoom(boardId, { type: "user_typing" | "user_stopped_typing", boardId, userId, name }, ws): pass the typist\'s socket as the one to leave out.',
      async run(h) {
        const bob = seat(socket(h, "bob"));
        const carol = socket(h, "carol");
        await join(carol, "board-2");
        const carolSeat = seat(carol);
        const alice = await arrive(h, "alice@example.com", "ws-alice-3");
        h.state.set("alice-3", alice.ws);
        const aliceSeat = seat(alice.ws);
        alice.ws.send({ type: "typing", boardId: BOARD });
        const typing = await waitForMessage(
          bob.ws,
          bob.mark,
          isNotice("user_typing", BOARD, ALICE.userId),
          SOON,
          "user_typing for Alice",
        );
        check(typing.name === "Alice", "user_typing does not carry the typist's name.", {
          expected:
            '{ "type": "user_typing", "boardId": "board-1", "userId": "user-alice", "name": "Alice" }',
          received: JSON.stringify(typing),
        });
        h.log.pass("Bob got user_typing { boardId, userId, name } for Alice");
        alice.ws.send({ type: "stop_typing", boardId: BOARD });
        await waitForMessage(
          bob.ws,
          bob.mark,
          isNotice("user_stopped_typing", BOARD, ALICE.userId),
          SOON,
          "user_stopped_typing for Alice",
        );
        h.log.pass("Bob got user_stopped_typing for Alice");
        await expectNoMessage(
          alice.ws,
          aliceSeat.mark,
          (m) => isNotice("user_typing")(m) || isNotice("user_stopped_typing")(m),
          QUIET,
          "her own typing notice",
        );
        h.log.pass("Alice got no notice about her own typing");
        const seen = carol.messages
          .slice(carolSeat.mark)
          .find((m) => isObject(m) && typeof m.type === "string" && m.type.startsWith("user_"));
        check(seen === undefined, "Carol, on board-2, got a notice about board-1.", {
          expected: "notices only for the board a socket joined",
          received: JSON.stringify(seen),
        });
        h.log.pass("Carol on board-2 heard nothing");
      },
    },
    {
      slug: "closed-without-frame",
      title: "a socket dropped without a close frame leaves presence at once",
      nudge:
        "Look at where your presence clean-up lives, and whether it runs for every way a connection can end.",
      concept:
        "Connections end in many ways (a close frame, a TCP reset, the heartbeat cutting a dead peer), but every one of them ends in the socket's close event, so that one place is where presence must be cleaned up.",
      hint: "Do the presence clean-up in the socket's close handler (handleDisconnect), which runs however the connection ended, not only on a leave message or a clean close.",
      async run(h) {
        const bob = seat(socket(h, "bob"));
        socket(h, "alice-3").terminate();
        await waitForMessage(
          bob.ws,
          bob.mark,
          isNotice("user_left", BOARD, ALICE.userId),
          SOON,
          "user_left for Alice after her connection dropped",
        );
        h.log.pass("Bob got user_left when Alice's connection dropped without a close frame");
        await checkRoute(h, [BOB]);
        h.log.pass("GET /boards/board-1/presence lists only Bob");
      },
    },
    {
      slug: "silent-peer-removed",
      title: "a viewer that goes silent is removed by the heartbeat within two intervals",
      nudge:
        "Look at how the heartbeat in `src/ws-server.ts` ends a socket that stopped answering pings.",
      concept:
        "A silent peer never closes anything itself: the heartbeat is what turns its death into a close event. Only cutting the connection at once does that quickly; a polite close waits about 30 seconds for a reply that never comes, and the user stays present all that time.",
      hint: "The heartbeat in src/ws-server.ts must terminate() a socket that missed a pong. close() is not enough: it waits for the peer's close frame, which a dead peer never sends, so the close handler (and the presence clean-up) would run only ~30 s later.",
      timeout: 10_000,
      async run(h) {
        const bob = seat(socket(h, "bob"));
        const interval = h.timers.WS_HEARTBEAT_MS;
        const cookie = await h.login("carol@example.com");
        const peer = await openSilentPeer(h, {
          cookie,
          name: "ws-carol-silent",
          messages: [{ type: "join", boardId: BOARD }],
        });
        await waitForMessage(
          bob.ws,
          bob.mark,
          isNotice("user_joined", BOARD, CAROL.userId),
          SOON,
          "user_joined for Carol's silent socket",
        );
        const joinedAt = performance.now();
        h.log.pass("Carol's silent socket joined board-1");
        const limit = interval * 2 + 1500;
        await waitForMessage(
          bob.ws,
          bob.mark,
          isNotice("user_left", BOARD, CAROL.userId),
          limit,
          `user_left for Carol within 2 × WS_HEARTBEAT_MS (${interval} ms) + 1500 ms`,
        );
        h.log.pass(
          `Bob got user_left for Carol ${Math.round(performance.now() - joinedAt)} ms after she went silent`,
        );
        check(
          await routeDrops(h, CAROL.userId, 500),
          "GET /boards/board-1/presence still lists Carol.",
          {
            expected: "Carol gone from the list",
            received: "Carol still listed",
          },
        );
        await waitUntil(() => peer.droppedAt !== undefined, 500);
        if (peer.droppedAt !== undefined) h.log.pass("the server dropped the silent connection");
        peer.destroy();
      },
    },
    ...lessonQuizSteps(import.meta.url),
  ],
});
