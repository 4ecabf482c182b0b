import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { createClient } from "redis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Transcript, type TranscriptLine } from "../../../src/checks/transcript.ts";
import { findRedisServer, provideRedis, type RedisHandle } from "../../../src/runner/redis.ts";
import {
  monitorRedis,
  parseMonitorLine,
  type RedisMonitor,
} from "../../../src/runner/redis-monitor.ts";

/**
 * A stand-in for a learner's server: a process that holds one connection to
 * Redis (reconnecting when it goes away) and runs the commands it is given on
 * stdin, answering `done` when they ran: `{ commands }` a line, on that
 * connection or, with `fresh: true`, on a new one.
 */
const FAKE_SERVER = `
const { createClient } = require("redis");
const connect = () => {
  const client = createClient({ url: process.env.REDIS_URL, socket: { reconnectStrategy: () => 50 } });
  client.on("error", () => {});
  return client.connect().then(() => client);
};
const first = connect().then((client) => (process.stdout.write("ready\\n"), client));
require("node:readline").createInterface({ input: process.stdin }).on("line", async (line) => {
  try {
    const { fresh, commands } = JSON.parse(line);
    const client = fresh ? await connect() : await first;
    await Promise.all(commands.map((args) => client.sendCommand(args)));
    process.stdout.write("done\\n");
  } catch (e) {
    process.stdout.write("failed " + e.message + "\\n");
  }
});
`;

interface FakeServer {
  child: ChildProcess;
  pid: number;
  /** Runs the commands; resolves once Redis answered them all. */
  run(...commands: string[][]): Promise<void>;
  /** Runs the commands on a connection of their own, opened for them. */
  runFresh(...commands: string[][]): Promise<void>;
}

const children: ChildProcess[] = [];

async function fakeServer(url: string): Promise<FakeServer> {
  const child = spawn(process.execPath, ["-e", FAKE_SERVER], {
    cwd: process.cwd(),
    env: { ...process.env, REDIS_URL: url },
    stdio: ["pipe", "pipe", "inherit"],
  });
  children.push(child);
  const answers: ((line: string) => void)[] = [];
  const next = () => new Promise<string>((resolve) => answers.push(resolve));
  const lines = createInterface({ input: child.stdout! });
  lines.on("line", (line) => answers.shift()?.(line));
  const ready = await next();
  expect(ready).toBe("ready");
  const send = async (message: object) => {
    const answer = next();
    child.stdin!.write(`${JSON.stringify(message)}\n`);
    expect(await answer).toBe("done");
  };
  return {
    child,
    pid: child.pid!,
    run: (...commands) => send({ commands }),
    runFresh: (...commands) => send({ fresh: true, commands }),
  };
}

async function waitFor<T>(what: () => T | undefined, ms = 3000): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const found = what();
    if (found !== undefined) return found;
    if (performance.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.skipIf(!findRedisServer())("watching the run's Redis with MONITOR", () => {
  let redis: RedisHandle;
  let transcript: Transcript;
  let monitor: RedisMonitor | undefined;
  let a: FakeServer;
  let b: FakeServer;
  const redisLines = () => transcript.lines.filter((l) => l.peer === "redis");
  const line = (pred: (l: TranscriptLine) => boolean) => () => redisLines().find(pred);

  beforeAll(async () => {
    // Never REDIS_URL: the test restarts Redis, which needs a private redis-server.
    redis = await provideRedis(new Transcript(), { PATH: process.env.PATH });
  });

  afterEach(async () => {
    await monitor?.stop();
    monitor = undefined;
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGKILL");
        await exited;
      }
    }
  });

  afterAll(async () => {
    await redis?.stop();
  });

  async function start() {
    transcript = new Transcript();
    a = await fakeServer(redis.url);
    b = await fakeServer(redis.url);
    monitor = await monitorRedis({
      url: redis.url,
      prefix: redis.prefix,
      transcript,
      servers: () => [
        { name: "your server", pids: () => [a.pid] },
        { name: "server B", pids: () => [b.pid] },
      ],
    });
  }

  it("shows the servers' commands on the run's keys, by server, and nothing else", async () => {
    await start();
    const p = redis.prefix;
    const event = JSON.stringify({ type: "task_created", task: { title: "héllo\nworld" } });
    await a.run(["PUBLISH", `${p}board:board-1`, event]);
    await b.run(["SET", `${p}presence:board-1:alice`, "1", "PX", "5000"]);

    const published = await waitFor(line((l) => l.text.startsWith("PUBLISH")));
    expect(published).toMatchObject({
      actor: "your server",
      kind: "send",
      peer: "redis",
      message: "publish",
    });
    expect(published.text).toBe(`PUBLISH board:board-1 ${event.replace("\n", "\\n")}`);
    const set = await waitFor(line((l) => l.text.startsWith("SET")));
    expect(set).toMatchObject({
      actor: "server B",
      kind: "send",
      peer: "redis",
      message: "command",
    });
    expect(set.text).toBe("SET presence:board-1:alice 1 PX 5000");

    // A client that is no server: left out, once its address is looked up and found no server's.
    await new Promise((r) => setTimeout(r, 150));
    const outsider = createClient({ url: redis.url, socket: { reconnectStrategy: false } });
    outsider.on("error", () => {});
    await outsider.connect();
    try {
      await outsider.set(`${p}presence:board-1:bob`, "1");
      await outsider.publish(`${p}board:board-1`, "from the tester");
      // A server's new connection right after that lookup: shown all the same, when it may look again.
      await a.runFresh(["PUBLISH", `${p}board:board-2`, "fresh"]);
      await outsider.publish(`${p}board:board-1`, "from the tester again");
    } finally {
      await outsider.close().catch(() => {});
    }
    // Not the run's keys, (un)subscriptions, pings and reads: none of them shows.
    await a.run(["SET", "other-run:key", "x"], ["PUBLISH", "board:board-1", "{}"]);
    await b.run(["UNSUBSCRIBE", `${p}board:board-1`], ["PING", `${p}ping`]);
    await b.run(
      ["GET", `${p}presence:board-1:alice`],
      ["ZRANGEBYSCORE", `${p}presence:board-1`, "0", "+inf"],
    );
    // MONITOR reports in order: once this shows, everything above has been seen (and left out).
    await a.run(["DEL", `${p}marker`]);
    await waitFor(line((l) => l.text === "DEL marker"));
    expect(redisLines().map((l) => `${l.actor}: ${l.text}`)).toEqual([
      `your server: PUBLISH board:board-1 ${event.replace("\n", "\\n")}`,
      "server B: SET presence:board-1:alice 1 PX 5000",
      "your server: PUBLISH board:board-2 fresh",
      "your server: DEL marker",
    ]);
  });

  it("carries on after Redis restarts, and stops quickly", async () => {
    await start();
    const p = redis.prefix;
    await a.run(["PUBLISH", `${p}board:board-1`, "before"]);
    await waitFor(line((l) => l.text === "PUBLISH board:board-1 before"));

    await redis.restart(200);
    // The fake server reconnects on its own; publish until the monitor, back too, sees one.
    let n = 0;
    const deadline = performance.now() + 4000;
    let seen: TranscriptLine | undefined;
    while (!seen && performance.now() < deadline) {
      n++;
      await a.run(["PUBLISH", `${p}board:board-1`, `after ${n}`]);
      await new Promise((r) => setTimeout(r, 50));
      seen = redisLines().find((l) => l.text.startsWith("PUBLISH board:board-1 after"));
    }
    expect(seen).toMatchObject({ actor: "your server", message: "publish" });
    await b.run(["SET", `${p}presence:board-1:carol`, "1"]);
    await waitFor(line((l) => l.text === "SET presence:board-1:carol 1" && l.actor === "server B"));

    const t0 = performance.now();
    await monitor!.stop();
    expect(performance.now() - t0).toBeLessThan(200);
    await monitor!.stop(); // idempotent
    const count = transcript.lines.length;
    await a.run(["PUBLISH", `${p}board:board-1`, "after the stop"]);
    await new Promise((r) => setTimeout(r, 300));
    expect(transcript.lines.length).toBe(count);
  });

  it("stops quickly while Redis is down", async () => {
    await start();
    const restarted = redis.restart(1000);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    await monitor!.stop();
    expect(performance.now() - t0).toBeLessThan(200);
    await restarted;
  });

  it("writes at most 400 lines, then says the rest is not shown", async () => {
    await start();
    const p = redis.prefix;
    const commands = Array.from({ length: 420 }, (_, i) => ["SET", `${p}k${i}`, "v"]);
    await a.run(...commands);
    const info = await waitFor(() =>
      transcript.lines.find((l) => l.actor === "redis" && l.kind === "info"),
    );
    expect(info.text).toMatch(/not shown/);
    expect(redisLines()).toHaveLength(400);
    expect(redisLines().at(-1)?.text).toBe("SET k399 v");
  });
});

describe("parsing MONITOR lines", () => {
  it("decodes Redis's escapes, UTF-8 bytes included, and finds the client's port", () => {
    const raw = String.raw`1796143269.160557 [0 127.0.0.1:59872] "PUBLISH" "labs-x:board:1" "h\xc3\xa9llo \"q\" \n\t\\ end"`;
    expect(parseMonitorLine(raw)).toEqual({
      port: 59872,
      args: ["PUBLISH", "labs-x:board:1", 'héllo "q" \n\t\\ end'],
      at: expect.closeTo(1796143269160.557, 2),
    });
    expect(parseMonitorLine(`1.5 [0 [::1]:6000] "GET" "k"`)).toEqual({
      port: 6000,
      args: ["GET", "k"],
      at: 1500,
    });
    expect(parseMonitorLine(`1.5 [0 lua] "GET" "k"`)?.port).toBeUndefined();
    expect(parseMonitorLine("OK")).toBeUndefined();
  });
});
