import { describe, expect, it } from "vitest";
import { histogram, planBench, quantile, reasonOf, TRANSPORTS } from "../../../src/bench/bench.ts";
import { cpuTimeMs, fileLimitOf, openFiles, sampleProcesses } from "../../../src/bench/limits.ts";
import { bar, bytes, sparkline } from "../../../src/bench/render.ts";
import { findLesson, loadCourse } from "../../../src/course/manifest.ts";
import { LearnerError } from "../../../src/errors.ts";
import { hasProcfs } from "../../../src/runner/platform.ts";

const course = loadCourse();
const lesson = (slug: string) => findLesson(course, slug);

describe("the bench's plan", () => {
  it("picks WebSockets where the lesson has them, else SSE, and two instances with Redis", () => {
    const scaling = planBench(course, lesson("scaling-real-time"), { redis: true }, {});
    expect(scaling).toMatchObject({ transport: "ws", instances: 2, requested: 10_000 });
    const sse = planBench(course, lesson("building-an-sse-endpoint"), {}, { connections: 300 });
    expect(sse).toMatchObject({ transport: "sse", instances: 1, connections: 300 });
  });

  it("refuses a lesson without a stream, naming lessons that have one", () => {
    const refuse = () => planBench(course, lesson("short-polling"), {}, {});
    expect(refuse).toThrow(LearnerError);
    expect(refuse).toThrow(/no SSE stream or WebSocket/);
    try {
      refuse();
    } catch (error) {
      const ws = lesson(TRANSPORTS.ws.since);
      expect((error as LearnerError).hint).toContain(`bench ${ws.number}`);
    }
  });

  it("refuses --ws before WebSockets carry task changes, pointing at --sse", () => {
    try {
      planBench(course, lesson("sse-in-practice"), {}, { transport: "ws" });
      expect.unreachable();
    } catch (error) {
      expect((error as LearnerError).code).toBe("USAGE");
      expect((error as LearnerError).hint).toMatch(/--sse/);
    }
  });

  it("caps the count by the open-file limit and says how to raise it", () => {
    const plan = planBench(
      course,
      lesson("scaling-real-time"),
      { redis: true },
      {
        connections: 50_000,
      },
    );
    const soft = plan.runnerLimit.limit?.soft ?? Number.POSITIVE_INFINITY;
    if (soft < 50_000) {
      expect(plan.connections).toBeLessThan(soft);
      expect(plan.caps.join(" ")).toMatch(/ulimit -n/);
    } else expect(plan.connections).toBeLessThanOrEqual(50_000);
  });
});

describe("figures", () => {
  it("nearest-rank quantiles", () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(v, 0.5)).toBe(50);
    expect(quantile(v, 0.99)).toBe(99);
    expect(quantile([7], 0.99)).toBe(7);
    expect(quantile([], 0.5)).toBeUndefined();
  });

  it("a histogram starts at the bucket of the smallest value and counts everything once", () => {
    const values = [81.2, 85, 140, 199.9, 120, 121];
    const h = histogram(values);
    expect(h[0]!.fromMs).toBeLessThanOrEqual(81.2);
    expect(h.at(-1)!.toMs).toBeGreaterThan(199.9);
    expect(h.reduce((a, b) => a + b.count, 0)).toBe(values.length);
    expect(h.length).toBeLessThanOrEqual(10);
    expect(histogram([81.3])).toHaveLength(1);
  });

  it("groups failures by their cause", () => {
    expect(
      reasonOf(new Error("[ws-3] GET /ws: the WebSocket handshake failed: read ECONNRESET.")),
    ).toMatch(/^ECONNRESET/);
    expect(
      reasonOf(new Error("[ws-9] GET /ws: nothing listened on 127.0.0.1:1 (connection refused).")),
    ).toMatch(/^ECONNREFUSED/);
    expect(
      reasonOf(
        new Error("[ws-1] GET /ws: the server answered 401 instead of 101 Switching Protocols."),
      ),
    ).toBe("the server answered 401");
    expect(
      reasonOf(new Error("[ws-1] GET /ws: no answer to the WebSocket handshake within 3000 ms.")),
    ).toBe("no answer in time");
  });

  it("draws sparklines, bars and sizes", () => {
    expect(sparkline([0, 1, 2, 4], true)).toBe(" ▂▄█");
    expect(sparkline([0, 5], false)).toBe(" @");
    expect(bar(10, 10, 4, true)).toBe("████");
    expect(bar(1, 10, 4, false)).toBe("#");
    expect(bar(0, 10, 4, true)).toBe("");
    expect(bytes(5000)).toBe("4.9 KB");
    expect(bytes(48 * 1024 * 1024)).toBe("48.0 MB");
  });
});

describe.skipIf(!hasProcfs())("/proc readings", () => {
  it("reads this process's limit, descriptors, memory and CPU", () => {
    const limit = fileLimitOf("self");
    expect(limit?.soft).toBeGreaterThan(0);
    expect(openFiles("self")).toBeGreaterThan(2);
    expect(cpuTimeMs("self")).toBeGreaterThan(0);
    const sample = sampleProcesses([process.pid]);
    expect(sample.rss).toBeGreaterThan(1024 * 1024);
    expect(sample.main).toBe(process.pid);
  });
});
