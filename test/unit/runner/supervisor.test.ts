import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defineChecker } from "../../../src/checks/types.ts";
import { portable } from "../../../src/runner/platform.ts";
import { canConnect } from "../../../src/runner/ports.ts";
import { runScenario, SUPERVISOR_FIXTURES } from "../../helpers/scenario.ts";

const getRoot = defineChecker({
  steps: [
    {
      slug: "get-root",
      title: "GET / answers",
      hint: "answer GET /",
      timeout: 1500,
      run: async (h) => {
        const res = await h.http.get("/", { timeout: 10_000 });
        h.log.pass(`status ${res.status}`);
      },
    },
  ],
});

const fixture = (name: string) => join(SUPERVISOR_FIXTURES, name);

afterAll(async () => {
  // esbuild writes each fixture's bundle into its .labs folder
  for (const name of [
    "exits-at-once",
    "finishes-without-listening",
    "never-listens",
    "wrong-port",
    "crashes-mid-request",
    "hangs-forever",
    "floods-output",
    "syntax-error",
    "spawns-orphan",
    "healthy",
  ]) {
    await rm(join(fixture(name), ".labs"), { recursive: true, force: true });
  }
});

async function scenario(name: string, readyTimeout = 1500) {
  const t0 = performance.now();
  const run = await runScenario(fixture(name), getRoot, { readyTimeout });
  const ms = performance.now() - t0;
  const first = run.result.steps.find((s) => s.status !== "pass");
  return { ...run, first, ms };
}

describe("the supervisor of learner servers", () => {
  it("passes a healthy server and leaves nothing running", async () => {
    const { result, leftovers, transcript } = await scenario("healthy");
    expect(result.status).toBe("pass");
    expect(
      transcript.lines.some((l) => l.actor === "your server" && l.text.startsWith("listening on")),
    ).toBe(true);
    expect(leftovers()).toEqual([]);
  });

  it("names a server that exits at once, with its exit code and last output", async () => {
    const { first, ms, leftovers } = await scenario("exits-at-once");
    expect(first?.slug).toBe("server-starts");
    expect(first?.code).toBe("SERVER_EXITED");
    expect(first?.message).toMatch(/exited with code 1/);
    expect(first?.details?.join("\n")).toMatch(/Cannot find the database configuration/);
    expect(ms).toBeLessThan(5000);
    expect(leftovers()).toEqual([]);
  });

  it("tells a server that finishes without listening that it must keep running", async () => {
    const { first } = await scenario("finishes-without-listening");
    expect(first?.code).toBe("SERVER_EXITED");
    expect(first?.message).toMatch(/exited with code 0/);
    expect(first?.hint).toMatch(/must keep running/);
  });

  it("gives up on a server that never listens within its time limit", async () => {
    const { first, ms, leftovers } = await scenario("never-listens", 1000);
    expect(first?.code).toBe("SERVER_NEVER_LISTENED");
    expect(first?.details?.join("\n")).toMatch(/warming up forever/);
    expect(ms).toBeLessThan(4000);
    expect(leftovers()).toEqual([]);
  });

  it("finds the port a server listens on when it ignores PORT", async () => {
    const { first, leftovers } = await scenario("wrong-port", 1000);
    if (portable()) {
      // Without /proc the port cannot be found: the runner says so and points at PORT first.
      expect(first?.code).toBe("SERVER_NEVER_LISTENED");
      expect(first?.message).toMatch(/cannot tell which port it listens on/);
    } else {
      expect(first?.code).toBe("SERVER_WRONG_PORT");
      expect(first?.message).toMatch(/listening on port \d+, but the runner gave it PORT=\d+/);
    }
    expect(first?.hint).toMatch(/process\.env\.PORT/);
    expect(leftovers()).toEqual([]);
  });

  it("reports a crash in the middle of a request as the step's failure", async () => {
    const { first, leftovers } = await scenario("crashes-mid-request");
    expect(first?.slug).toBe("get-root");
    expect(["SERVER_EXITED", "CHECK_FAILED"]).toContain(first?.code);
    expect(`${first?.message} ${first?.details?.join(" ")}`).toMatch(/exited/);
    expect(leftovers()).toEqual([]);
  });

  it("times out a step against a server that never answers", async () => {
    const { first, ms, leftovers } = await scenario("hangs-forever");
    expect(first?.code).toBe("STEP_TIMEOUT");
    expect(first?.message).toMatch(/within 1500 ms/);
    expect(ms).toBeLessThan(5000);
    expect(leftovers()).toEqual([]);
  });

  it("caps a flooding server's output and still checks it", async () => {
    const { result, transcript, leftovers } = await scenario("floods-output");
    expect(result.status).toBe("pass");
    const serverLines = transcript.lines.filter((l) => l.actor === "your server");
    expect(serverLines.length).toBeLessThanOrEqual(201);
    expect(serverLines.at(-1)?.text).toMatch(/output capped/);
    expect(leftovers()).toEqual([]);
  });

  it("shows where a TypeScript syntax error is", async () => {
    const { first, leftovers } = await scenario("syntax-error");
    expect(first?.code).toBe("SERVER_BUILD_FAILED");
    expect(first?.message).toMatch(/src\/server\.ts:3:\d+/);
    expect(leftovers()).toEqual([]);
  });

  it("reaps a child that left the process group", async (ctx) => {
    ctx.skip(
      portable(),
      "Linux only: a child that leaves the group is found by its environment in /proc, or in the cage (cgroups) or the sandbox (namespaces); without them it is out of reach",
    );
    const { result, leftovers } = await scenario("spawns-orphan");
    expect(result.status).toBe("pass");
    await new Promise((r) => setTimeout(r, 100));
    expect(leftovers()).toEqual([]);
  });

  it("frees the port when it stops a server", async () => {
    const { result, transcript } = await scenario("healthy");
    const m = /port (\d+)/.exec(
      transcript.lines.find((l) => /listens on port/.test(l.text))?.text ?? "",
    );
    expect(result.status).toBe("pass");
    expect(m).not.toBeNull();
    expect(await canConnect(Number(m![1]))).toBe(false);
  });
});
