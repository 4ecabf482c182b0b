import { readdirSync, readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import type { BenchReport } from "../../src/bench/bench.ts";
import { main } from "../../src/cli/main.ts";
import { listFixtures, materialiseFixture } from "../../src/course/fixtures.ts";
import { findLesson, loadCourse } from "../../src/course/manifest.ts";
import { materialise } from "../../src/course/workspace.ts";
import { hasProcfs } from "../../src/runner/platform.ts";
import { pidsWithCwd } from "../../src/runner/procfs.ts";
import { removeTempDir } from "../../src/runner/teardown.ts";
import { runCli, startCli } from "../helpers/cli.ts";

/**
 * `labs bench` against real servers with a small N: the reference solution of a
 * WebSocket lesson with two instances and Redis, one of an SSE lesson, and a broken
 * server that sends each event to one stream only. Each run must leave nothing
 * running: its servers' processes, its redis-server, its learner processes.
 */
const N = 200;
const course = loadCourse();
const temps: string[] = [];

afterAll(async () => {
  for (const dir of temps) await removeTempDir(dir);
});

/** True while `pid` runs: a zombie waiting for init to reap it runs no more. */
function running(pid: number): boolean {
  if (hasProcfs()) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3));
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pids still running, after giving the ones that are ending a bounded moment. */
async function stillRunning(pids: number[], ms = 3000): Promise<number[]> {
  const until = performance.now() + ms;
  let left = pids.filter(running);
  while (left.length && performance.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    left = left.filter(running);
  }
  return left;
}

/** Processes whose command line names a redis-server on `port` (redis-server shows `redis-server 127.0.0.1:PORT`). */
function redisOn(port: string): number[] {
  const found: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, "utf8").replace(/\0/g, " ");
      if (/redis-server/.test(cmd) && cmd.includes(`:${port}`)) found.push(Number(d));
    } catch {
      // gone while we looked
    }
  }
  return found;
}

/** Runs the CLI in this process (for what refuses before any server starts). */
async function inProcess(argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = "";
  const code = await main({
    argv,
    stdout: { write: () => true },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: process.stdin,
    env: { NO_COLOR: "1" },
  });
  return { code, stderr };
}

/** The processes whose parent is `ppid` and whose name is `comm`. */
function childrenNamed(ppid: number, comm: string): number[] {
  const found: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const status = readFileSync(`/proc/${d}/status`, "utf8");
      if (
        new RegExp(`^PPid:\\s+${ppid}$`, "m").test(status) &&
        new RegExp(`^Name:\\s+${comm}`, "m").test(status)
      )
        found.push(Number(d));
    } catch {
      // gone while we looked
    }
  }
  return found;
}

async function bench(args: string[]): Promise<{ code: number | null; report: BenchReport }> {
  const run = await runCli(["bench", ...args, "--connections", String(N), "--json"], {
    timeout: 45_000,
  });
  let report: BenchReport;
  try {
    report = JSON.parse(run.stdout) as BenchReport;
  } catch {
    throw new Error(`no JSON report (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
  return { code: run.code, report };
}

/** Nothing the run started is left: the servers' processes and the run's own Redis. */
async function expectNothingLeft(report: BenchReport): Promise<void> {
  const pids = report.instances.flatMap((i) => i.pids);
  if (hasProcfs()) expect(pids.length).toBeGreaterThan(0);
  expect(await stillRunning(pids)).toEqual([]);
  if (report.redis?.owned && hasProcfs()) {
    expect(await stillRunning(redisOn(new URL(report.redis.url).port))).toEqual([]);
  }
}

function expectSaneLatency(b: NonNullable<BenchReport["broadcast"]>): void {
  expect(b.p50).toBeGreaterThanOrEqual(0);
  expect(b.p50!).toBeLessThanOrEqual(b.p99!);
  expect(b.p99!).toBeLessThanOrEqual(b.last!);
  expect(b.histogram.reduce((a, x) => a + x.count, 0)).toBe(b.received);
}

describe("labs bench", () => {
  it("measures WebSockets on two instances sharing Redis (scaling-real-time)", async () => {
    const { code, report } = await bench(["scaling-real-time", "--solution"]);
    expect(report.failure).toBeUndefined();
    expect(code).toBe(0);
    expect(report.transport).toBe("ws");
    expect(report.open).toMatchObject({ opened: N, failed: 0 });
    expect(report.open.perSecond).toBeGreaterThan(0);
    const b = report.broadcast!;
    expect(b).toMatchObject({ clients: N, received: N, missed: 0 });
    expectSaneLatency(b);
    // Clients spread over both instances; the second one's got the event through Redis.
    expect(report.instances.map((i) => i.clients)).toEqual([N / 2, N / 2]);
    for (const inst of report.instances) expect(inst.latency?.received).toBe(N / 2);
    if (hasProcfs()) {
      const m = report.memory;
      expect(m.measurable).toBe(true);
      expect(typeof m.rssPerConnection).toBe("number");
      expect(m.heapPerConnection).toBeGreaterThan(0);
      expect(m.fdsPerConnection).toBeGreaterThan(0.9);
      expect(m.fdsPerConnection).toBeLessThan(1.2);
    }
    expect(report.complete).toBe(true);
    await expectNothingLeft(report);
  }, 50_000);

  it("measures SSE streams (building-an-sse-endpoint)", async () => {
    const { code, report } = await bench(["building-an-sse-endpoint", "--solution"]);
    expect(code).toBe(0);
    expect(report.transport).toBe("sse");
    expect(report.endpoint).toBe("GET /boards/board-1/events");
    expect(report.open).toMatchObject({ opened: N, failed: 0 });
    expect(report.broadcast).toMatchObject({ clients: N, received: N, missed: 0 });
    expectSaneLatency(report.broadcast!);
    if (hasProcfs()) expect(report.memory.heapPerConnection).toBeGreaterThan(0);
    await expectNothingLeft(report);
  }, 50_000);

  it("reports the clients a broken broadcast never reached, within its bounded wait", async () => {
    const lesson = findLesson(course, "building-an-sse-endpoint");
    const fixture = listFixtures(lesson).find((f) => f.name === "first-client-only")!;
    const dir = await materialiseFixture(lesson, fixture);
    temps.push(dir);
    const t0 = performance.now();
    const { code, report } = await bench([lesson.slug, "--workspace", dir]);
    expect(performance.now() - t0).toBeLessThan(30_000);
    expect(code).toBe(1);
    expect(report.complete).toBe(false);
    expect(report.open.opened).toBe(N);
    const b = report.broadcast!;
    expect(b.received).toBeGreaterThanOrEqual(1);
    expect(b.missed).toBe(N - b.received);
    expect(b.missed).toBeGreaterThan(0);
    expect(b.missedBecause[0]?.reason).toMatch(/nothing within/);
    await expectNothingLeft(report);
    expect(await stillRunning(pidsWithCwd(dir))).toEqual([]);
  }, 50_000);

  it.skipIf(!hasProcfs())(
    "stops its servers and Redis when interrupted while the clients open (Ctrl+C)",
    async () => {
      const lesson = findLesson(course, "scaling-real-time");
      const dir = await materialise(lesson.solutionDir);
      temps.push(dir);
      const cli = startCli(["bench", lesson.slug, "--workspace", dir, "--connections", "10000"]);
      await cli.waitFor(/server B starts/, 30_000);
      const redis = childrenNamed(cli.child.pid!, "redis-server");
      expect(redis.length).toBe(1);
      expect(pidsWithCwd(dir).length).toBeGreaterThan(0);
      cli.child.kill("SIGINT");
      expect(await cli.exited).toBe(130);
      expect(await stillRunning(redis)).toEqual([]);
      expect(await stillRunning(pidsWithCwd(dir))).toEqual([]);
    },
    50_000,
  );

  it("refuses an unknown lesson and a lesson with no stream, naming one that has it", async () => {
    const unknown = await inProcess(["bench", "99", "--solution"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/There is no lesson "99"/);
    const polling = await inProcess(["bench", "short-polling", "--solution"]);
    expect(polling.code).toBe(2);
    expect(polling.stderr).toMatch(/no SSE stream or WebSocket that carries task changes/);
    const ws = findLesson(course, "rooms-and-broadcasting");
    expect(polling.stderr).toContain(`npm run labs -- bench ${ws.number}`);
    const early = await inProcess(["bench", "sse-in-practice", "--ws", "--solution"]);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/--sse/);
  });
});
