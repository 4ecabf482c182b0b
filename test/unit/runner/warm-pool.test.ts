import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Transcript } from "../../../src/checks/transcript.ts";
import { materialise } from "../../../src/course/self-check.ts";
import { createBuilder } from "../../../src/runner/build.ts";
import { CHECK_TIMERS } from "../../../src/runner/environment.ts";
import { Launcher } from "../../../src/runner/launcher.ts";
import { pidsWithCwd, pidsWithEnv } from "../../../src/runner/procfs.ts";
import { SUPERVISOR_FIXTURES } from "../../helpers/scenario.ts";

describe("prewarmed starts (watch mode)", () => {
  it("run the latest build with the run's environment, and leave nothing behind", async () => {
    const ws = await materialise(join(SUPERVISOR_FIXTURES, "healthy"));
    const builder = createBuilder(ws, "esbuild", { prewarm: true });
    const transcript = new Transcript();
    try {
      const first = new Launcher({
        builder,
        transcript,
        timers: CHECK_TIMERS,
        extraEnv: { LABS_TEST_TAG: ws },
      });
      const a = await first.launch("your server");
      const portA = a.port;
      await first.stopAll();

      const source = join(ws, "src", "server.ts");
      await writeFile(
        source,
        `${await readFile(source, "utf8")}\nconsole.log("second version on", process.env.PORT);\n`,
      );
      const second = new Launcher({
        builder,
        transcript,
        timers: CHECK_TIMERS,
        extraEnv: { LABS_TEST_TAG: ws },
      });
      const b = await second.launch("your server");
      const res = await fetch(`${b.url}/`);
      expect(await res.text()).toBe("ok");
      await second.stopAll();

      const printed = transcript.lines.filter((l) => l.actor === "your server").map((l) => l.text);
      expect(printed).toContain(`second version on ${b.port}`);
      expect(b.port).not.toBe(portA);
    } finally {
      await builder.dispose();
      await rm(ws, { recursive: true, force: true });
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(pidsWithEnv("LABS_TEST_TAG", ws)).toEqual([]);
    // the spare carries no run variables in its environment; it runs in the workspace
    expect(pidsWithCwd(ws)).toEqual([]);
  });
});
