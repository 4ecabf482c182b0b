import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { Transcript } from "../../../src/checks/transcript.ts";
import { Cage } from "../../../src/runner/cage.ts";
import {
  describePlatform,
  hasCgroups,
  hasNamespaces,
  hasProcfs,
  portable,
} from "../../../src/runner/platform.ts";
import { listeningPorts, pidsWithCwd, pidsWithEnv } from "../../../src/runner/procfs.ts";
import { monitorRedis } from "../../../src/runner/redis-monitor.ts";

const before = process.env.LABS_PORTABLE;

afterEach(() => {
  if (before === undefined) delete process.env.LABS_PORTABLE;
  else process.env.LABS_PORTABLE = before;
});

/** A process that carries `TAG=<tag>` in its environment and runs until killed. */
function tagged(tag: string) {
  return spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], {
    env: { ...process.env, LABS_PLATFORM_TAG: tag },
    stdio: "ignore",
  });
}

describe("LABS_PORTABLE, the switch to the code paths of a system without /proc and cgroups", () => {
  it("is on for any value but empty and 0", () => {
    for (const [value, on] of [
      ["1", true],
      ["yes", true],
      ["0", false],
      ["", false],
    ] as const) {
      process.env.LABS_PORTABLE = value;
      expect(portable(), `LABS_PORTABLE=${value}`).toBe(on);
    }
    delete process.env.LABS_PORTABLE;
    expect(portable()).toBe(false);
  });

  it("turns /proc, cgroups and namespaces off, and says so with the real platform", () => {
    process.env.LABS_PORTABLE = "1";
    expect([hasProcfs(), hasCgroups(), hasNamespaces()]).toEqual([false, false, false]);
    expect(describePlatform()).toBe(
      `portable mode on ${process.platform} (LABS_PORTABLE=1): the runner uses no /proc, cgroups or namespaces, as on macOS`,
    );
    expect(Cage.create(`portable-${randomUUID()}`)).toBeUndefined();
    delete process.env.LABS_PORTABLE;
    expect(hasProcfs()).toBe(process.platform === "linux");
    expect(describePlatform()).toBe(process.platform);
  });

  it.runIf(process.platform === "linux")(
    "makes the runner's /proc helpers find nothing, while tests still see the processes",
    async () => {
      const tag = randomUUID();
      const child = tagged(tag);
      try {
        await new Promise((r) => setTimeout(r, 100));
        delete process.env.LABS_PORTABLE;
        expect(pidsWithEnv("LABS_PLATFORM_TAG", tag)).toEqual([child.pid]);
        process.env.LABS_PORTABLE = "1";
        expect(pidsWithEnv("LABS_PLATFORM_TAG", tag)).toEqual([]);
        expect(listeningPorts([process.pid])).toEqual([]);
        // not a runner helper: the tests' way to find what a run left in a workspace
        expect(pidsWithCwd(process.cwd())).toContain(child.pid);
      } finally {
        child.kill("SIGKILL");
      }
    },
  );

  it("leaves the Redis monitor out, with a line in the transcript, where connections cannot be told apart", async () => {
    process.env.LABS_PORTABLE = "1";
    const transcript = new Transcript();
    const monitor = await monitorRedis({
      url: "redis://127.0.0.1:1",
      prefix: "labs:test:",
      transcript,
      servers: () => [],
    });
    await monitor.stop();
    expect(transcript.lines.map((l) => `${l.actor}: ${l.text}`)).toEqual([
      "redis: the Redis commands your servers send are not shown: on this system the runner cannot tell which connection is whose",
    ]);
  });
});
