import { check, fail, show } from "../../src/checks/assert.ts";
import {
  createTask,
  deleteTask,
  firstListOf,
  isObject,
  moveTask,
  taskIdOf,
} from "../../src/checks/taskboard.ts";
import { defineChecker, type StepContext, type WsClient } from "../../src/checks/types.ts";
import {
  errorMessage,
  joinBoard,
  leaveBoard,
  openQuietSockets,
  openSocket,
  roomSizeOf,
  sessionCookie,
  settleRoomSize,
  taskEvent,
} from "../../src/checks/ws-steps.ts";
import { lessonQuizSteps } from "../../src/quiz/steps.ts";

/** True for any task event (`task_created`, `task_moved`, `task_deleted`). */
function isAnyTaskEvent(m: unknown): boolean {
  return isObject(m) && typeof m.type === "string" && m.type.startsWith("task_");
}

/** Fails if anything `ws` ever received matches `predicate`; `what` names it. */
function checkNever(ws: WsClient, predicate: (m: unknown) => boolean, what: string): void {
  const got = ws.messages.filter(predicate);
  check(got.length === 0, `[${ws.name}] got ${what}.`, {
    expected: "nothing of the kind",
    received: show(got, 400),
  });
}

/** Fails unless `ws` received exactly one message matching `predicate`. */
function checkOnce(ws: WsClient, predicate: (m: unknown) => boolean, what: string): void {
  const n = ws.messages.filter(predicate).length;
  check(n === 1, `[${ws.name}] got ${what} ${n} times.`, {
    expected: "exactly once",
    received: show(ws.messages.filter(isAnyTaskEvent), 400),
  });
}

/** Creates a task on `boardId` and returns its id. */
async function newTask(h: StepContext, boardId: string, title: string): Promise<string> {
  const listId = boardId === "board-1" ? "list-todo" : firstListOf(h, boardId);
  return taskIdOf(await createTask(h, { listId, title }))!;
}

/** Waits for the same event on every socket in `sockets`. */
async function allReceive(sockets: WsClient[], type: string, taskId: string): Promise<void> {
  await Promise.all(
    sockets.map((ws) =>
      ws.next(taskEvent(type, taskId), {
        timeout: 2000,
        what: `{"type":"${type}",…} about ${taskId}`,
      }),
    ),
  );
}

/** Closes sockets from the client side and waits until each is closed. */
async function closeAll(sockets: WsClient[]): Promise<void> {
  for (const ws of sockets) ws.close();
  await Promise.all(sockets.map((ws) => ws.closed({ timeout: 3000 })));
}

/** Which boards socket number `i` of the 200 joins. */
function boardsOf(i: number): string[] {
  if (i % 3 === 0) return ["board-1"];
  if (i % 3 === 1) return ["board-2"];
  return ["board-1", "board-2"];
}

/** The events a socket in `boards` must get (and nothing else), given what happened on each board. */
function expectedFor(
  boards: string[],
  happened: Record<string, [string, string][]>,
): [string, string][] {
  return boards.flatMap((b) => happened[b] ?? []);
}

/**
 * Waits (at most `ms`) until every socket has the events it should, then checks that
 * it got each exactly once and no task event of a board it is not in.
 */
async function checkExactDelivery(
  h: StepContext,
  sockets: { ws: WsClient; index: number; boards: string[] }[],
  happened: Record<string, [string, string][]>,
  ms: number,
): Promise<void> {
  const lacking = () =>
    sockets.filter(({ ws, boards }) =>
      expectedFor(boards, happened).some(([type, id]) => !ws.messages.some(taskEvent(type, id))),
    );
  const until = performance.now() + ms;
  while (lacking().length > 0 && performance.now() < until) await h.sleep(50);
  const late = lacking();
  if (late.length > 0) {
    const { ws, index, boards } = late[0]!;
    const want = expectedFor(boards, happened).map(([type, id]) => `${type} ${id}`);
    fail(`${late.length} of ${sockets.length} sockets did not get every event of their rooms.`, {
      expected: `socket #${index + 1} (in ${boards.join(" and ")}) to get: ${want.join(", ")}`,
      received: `its task events: ${show(ws.messages.filter(isAnyTaskEvent), 600)}`,
    });
  }
  await h.sleep(200);
  for (const { ws, index, boards } of sockets) {
    const want = expectedFor(boards, happened);
    const got = ws.messages.filter(isAnyTaskEvent);
    for (const [type, id] of want) {
      const n = got.filter(taskEvent(type, id)).length;
      check(
        n === 1,
        `Socket #${index + 1} (in ${boards.join(" and ")}) got ${type} for ${id} ${n} times.`,
        {
          expected: "each event exactly once, even for a socket in two rooms",
          received: show(got, 600),
        },
      );
    }
    const foreign = got.filter((m) => !want.some(([type, id]) => taskEvent(type, id)(m)));
    check(
      foreign.length === 0,
      `Socket #${index + 1} (in ${boards.join(" and ")}) got events of a room it is not in.`,
      {
        expected: `only events of ${boards.join(" and ")}`,
        received: show(foreign, 600),
      },
    );
  }
}

export default defineChecker({
  steps: [
    {
      slug: "join-ack",
      title: 'join answers { type: "joined", boardId, size }, and joining twice counts once',
      nudge:
        "Look at the join case of `handleMessage()` in `src/ws-server.ts` and at how `src/rooms.ts` stores the members of a room.",
      concept:
        "A room is a named set of sockets, one per board, and joining is a conversation: the server's confirmation, with the room's size, tells the client it will hear every change from then on. Since a room is a set, joining twice changes nothing.",
      hint: 'In handleMessage() (src/ws-server.ts), case "join": joinRoom(message.boardId, ws) from src/rooms.ts, then send { type: "joined", boardId, size: getRoomSize(boardId) }. Keep each room as a Set<WebSocket> so that a second join changes nothing; a join without a boardId gets { error: … }.',
      async run(h) {
        const a = await openSocket(h, "ws-a");
        const first = await joinBoard(a, "board-1");
        check(
          roomSizeOf(first) === 1,
          "The first socket to join board-1 is not alone in the room.",
          {
            expected: '{ "type": "joined", "boardId": "board-1", "size": 1 }',
            received: show(first),
          },
        );
        h.log.pass(`join → ${show(first)}`);
        const again = await joinBoard(a, "board-1");
        check(roomSizeOf(again) === 1, "Joining board-1 a second time counted the socket twice.", {
          expected: '"size": 1 (a room holds each socket once)',
          received: show(again),
        });
        h.log.pass("a second join still reports size 1");
        a.send({ type: "join" });
        const error = await a.next(errorMessage(), {
          timeout: 2000,
          what: "an { error } answer to a join without boardId",
        });
        h.log.pass(`a join without boardId → ${show(error)}`);
        await closeAll([a]);
      },
    },
    {
      slug: "room-delivery",
      title: "task events reach the sockets in the board's room, and only those",
      nudge:
        "Look at where task changes are announced in `src/routes/tasks.ts`, and at which sockets `broadcastToRoom()` in `src/rooms.ts` sends to.",
      concept:
        "Every task change should reach exactly the sockets looking at that board, and nobody else. Changes already pass through one place for long polls and SSE, and WebSocket clients should hear the same event from there, addressed to the board's room.",
      hint: 'After each change in src/routes/tasks.ts call broadcastToRoom(task.boardId, { type: "task_created", task }) (task_moved with { task }, task_deleted with { taskId }). broadcastToRoom() in src/rooms.ts must send only to the sockets of that room.',
      async run(h) {
        const [a, b, c] = await Promise.all(["ws-a", "ws-b", "ws-c"].map((n) => openSocket(h, n)));
        await Promise.all([
          joinBoard(a, "board-1"),
          joinBoard(b, "board-1"),
          joinBoard(c, "board-2"),
        ]);
        h.log.info("ws-a and ws-b joined board-1, ws-c joined board-2");

        const id = await newTask(h, "board-1", "Seen on board-1 only");
        await allReceive([a, b], "task_created", id);
        h.log.pass(`both board-1 sockets got task_created for ${id}`);
        await moveTask(h, id, "list-doing");
        await allReceive([a, b], "task_moved", id);
        h.log.pass("both got task_moved");
        await deleteTask(h, id);
        await allReceive([a, b], "task_deleted", id);
        h.log.pass("both got task_deleted");
        await h.sleep(200);
        checkNever(c, isAnyTaskEvent, "a task event of board-1 (it is only in board-2)");
        h.log.pass("ws-c (board-2) got none of them");

        const other = await newTask(h, "board-2", "Seen on board-2 only");
        await allReceive([c], "task_created", other);
        await h.sleep(200);
        for (const ws of [a, b])
          checkNever(ws, taskEvent("task_created", other), "an event of board-2");
        h.log.pass("a task on board-2 reached ws-c only");
        await closeAll([a, b, c]);
      },
    },
    {
      slug: "two-rooms",
      title: "a socket in two rooms gets the events of both, each once",
      nudge:
        "Look at what `joinRoom()` in `src/rooms.ts` does to the rooms a socket was already in.",
      concept:
        "A dashboard watching two boards joins both rooms. Rooms never share an event, so such a socket hears each change once, through the room of the board where it happened.",
      hint: "A socket may be in several rooms: joinRoom() adds it to that board's Set without taking it out of others (do not keep one room per socket).",
      async run(h) {
        const [both, second] = await Promise.all([
          openSocket(h, "ws-both"),
          openSocket(h, "ws-b2"),
        ]);
        await joinBoard(both, "board-1");
        await joinBoard(both, "board-2");
        await joinBoard(second, "board-2");
        h.log.info("ws-both joined board-1 and board-2, ws-b2 joined board-2");
        const one = await newTask(h, "board-1", "For the board-1 room");
        const two = await newTask(h, "board-2", "For the board-2 room");
        await allReceive([both], "task_created", one);
        await allReceive([both, second], "task_created", two);
        h.log.pass("ws-both got both tasks");
        await h.sleep(200);
        checkOnce(both, taskEvent("task_created", one), `task_created for ${one}`);
        checkOnce(both, taskEvent("task_created", two), `task_created for ${two}`);
        checkNever(second, taskEvent("task_created", one), "an event of board-1");
        h.log.pass("each once, and ws-b2 got only board-2's");
        await closeAll([both, second]);
      },
    },
    {
      slug: "leave-stops",
      title:
        'after leave (answered { type: "left", boardId }) a socket gets nothing from that room',
      nudge:
        "Look at the leave case of `handleMessage()` in `src/ws-server.ts` and at `leaveRoom()` in `src/rooms.ts`.",
      concept:
        "Leaving mirrors joining: the server confirms it, and from then on that room's events no longer reach the socket. A room left empty is dropped, so the map does not fill up with dead boards.",
      hint: 'Case "leave" in handleMessage() (src/ws-server.ts): leaveRoom(message.boardId, ws), then send { type: "left", boardId }. leaveRoom() in src/rooms.ts deletes the socket from the Set (and the room once it is empty).',
      async run(h) {
        const [a, b] = await Promise.all([openSocket(h, "ws-a"), openSocket(h, "ws-b")]);
        await Promise.all([joinBoard(a, "board-1"), joinBoard(b, "board-1")]);
        await leaveBoard(a, "board-1");
        h.log.pass('ws-a left board-1 and got { "type": "left", … }');
        const id = await newTask(h, "board-1", "After ws-a left");
        await allReceive([b], "task_created", id);
        await h.sleep(200);
        checkNever(a, taskEvent("task_created", id), "an event of board-1 after leaving it");
        h.log.pass("ws-b still gets events, ws-a does not");
        await closeAll([a, b]);
      },
    },
    {
      slug: "close-stops",
      title: "closed sockets leave their rooms, and the room keeps working",
      nudge:
        "Look at what `src/ws-server.ts` does when a socket closes, whether politely or by dropping the line.",
      concept:
        "A closed socket that stays in its rooms breaks nothing visible at first, but the sets only grow: memory leaks, the reported size lies, and later lessons' presence lists would show people who left long ago.",
      hint: 'Register ws.on("close", () => handleDisconnect(ws)) for every socket in src/ws-server.ts, and call leaveAllRooms(ws) there; it must take the socket out of every room it is in, whether it closed cleanly or just dropped.',
      timeout: 6000,
      async run(h) {
        const [a, b, c] = await Promise.all(["ws-a", "ws-b", "ws-c"].map((n) => openSocket(h, n)));
        await Promise.all([a, b, c].map((ws) => joinBoard(ws, "board-1")));
        b.close();
        c.terminate();
        await Promise.all([b.closed(), c.closed()]);
        h.log.info("ws-b closed cleanly, ws-c dropped its connection");
        const z = await openSocket(h, "ws-z");
        const size = await settleRoomSize(z, "board-1", 2, 1500);
        check(size === 2, "Closed sockets are still counted in board-1.", {
          expected: "size 2 (ws-a and ws-z) once ws-b and ws-c are gone",
          received: `size ${size} (sockets of this step and earlier ones may still be in the room)`,
        });
        h.log.pass("board-1 holds ws-a and ws-z only");
        const id = await newTask(h, "board-1", "After two sockets went away");
        await allReceive([a, z], "task_created", id);
        h.log.pass("the sockets still in the room get events");
        await closeAll([a, z]);
      },
    },
    {
      slug: "fan-out-200",
      title:
        "200 sockets in 3 groups (board-1, board-2, both) get exactly the events of their rooms",
      nudge:
        "Look at how `broadcastToRoom()` and `leaveAllRooms()` in `src/rooms.ts` behave with many sockets, sockets in two rooms, and sockets missing from a room.",
      concept:
        "At scale small slips show: every socket must get each event of its rooms exactly once, and taking one socket out must never disturb any other socket, even in rooms the leaving one was never in.",
      hint: "broadcastToRoom() (src/rooms.ts) sends to each socket of the room once; leaveAllRooms(ws) removes only that socket (with arrays, indexOf() of a missing socket is -1 and splice(-1, 1) removes someone else).",
      timeout: 15_000,
      async run(h) {
        const cookie = await sessionCookie(h);
        const opened = await openQuietSockets(h, 200, { cookie, batch: 25 });
        const sockets = opened.map((ws, index) => ({ ws, index, boards: boardsOf(index) }));
        for (let i = 0; i < sockets.length; i += 50) {
          await Promise.all(
            sockets.slice(i, i + 50).map(async ({ ws, boards }) => {
              for (const b of boards) await joinBoard(ws, b, 4000);
            }),
          );
        }
        h.log.pass("200 sockets joined: 67 board-1, 67 board-2, 66 both");

        const one = await newTask(h, "board-1", "Fan-out on board-1");
        const two = await newTask(h, "board-2", "Fan-out on board-2");
        await moveTask(h, one, "list-done");
        await deleteTask(h, two);
        const happened: Record<string, [string, string][]> = {
          "board-1": [
            ["task_created", one],
            ["task_moved", one],
          ],
          "board-2": [
            ["task_created", two],
            ["task_deleted", two],
          ],
        };
        await checkExactDelivery(h, sockets, happened, 5000);
        h.log.pass("every socket got exactly the events of its rooms (4 changes)");

        const leaving = sockets.filter((s) => s.index % 2 === 0);
        const staying = sockets.filter((s) => s.index % 2 === 1);
        await closeAll(leaving.map((s) => s.ws));
        h.log.info(`closed ${leaving.length} of them`);
        const three = await newTask(h, "board-1", "After half of them closed");
        const four = await newTask(h, "board-2", "After half of them closed, board-2");
        const later: Record<string, [string, string][]> = {
          "board-1": [...happened["board-1"]!, ["task_created", three]],
          "board-2": [...happened["board-2"]!, ["task_created", four]],
        };
        await checkExactDelivery(h, staying, later, 5000);
        h.log.pass(`the ${staying.length} sockets left got exactly the next events of their rooms`);

        const inBoard1 = staying.filter((s) => s.boards.includes("board-1")).length;
        const observer = await openSocket(h, "ws-observer");
        const size = await settleRoomSize(observer, "board-1", inBoard1 + 1, 1500);
        check(size === inBoard1 + 1, "board-1's size does not match the sockets still in it.", {
          expected: `size ${inBoard1 + 1} (${inBoard1} of the 200 plus ws-observer)`,
          received: `size ${size}`,
        });
        h.log.pass(`board-1 reports ${size} sockets, as it should`);
        await closeAll([observer]);
      },
    },
    ...lessonQuizSteps(import.meta.url),
  ],
});
