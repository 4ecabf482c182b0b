import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { runChecker } from "../../src/checks/harness.ts";
import type { LessonResult } from "../../src/checks/results.ts";
import { Transcript } from "../../src/checks/transcript.ts";
import type { LessonChecker } from "../../src/checks/types.ts";
import { createBuilder } from "../../src/runner/build.ts";
import { CHECK_TIMERS } from "../../src/runner/environment.ts";
import { Launcher } from "../../src/runner/launcher.ts";
import { processesWithEnv } from "./procs.ts";

/** Folder of the supervisor's broken-server fixtures. */
export const SUPERVISOR_FIXTURES = join(import.meta.dirname, "..", "fixtures", "supervisor");

/** Runs `checker` against a workspace and returns the result, the transcript and a tag to find leftovers by. */
export async function runScenario(
  workspace: string,
  checker: LessonChecker,
  opts: { readyTimeout?: number } = {},
): Promise<{
  result: LessonResult;
  transcript: Transcript;
  tag: string;
  leftovers: () => number[];
}> {
  const transcript = new Transcript();
  const tag = randomUUID();
  const builder = createBuilder(workspace);
  const launcher = new Launcher({
    builder,
    transcript,
    timers: CHECK_TIMERS,
    readyTimeout: opts.readyTimeout,
    extraEnv: { LABS_TEST_TAG: tag },
  });
  try {
    const result = await runChecker({
      lesson: { number: 0, slug: "scenario", title: "Scenario" },
      checker,
      launcher,
      transcript,
      timers: CHECK_TIMERS,
      workspace,
    });
    return { result, transcript, tag, leftovers: () => processesWithEnv("LABS_TEST_TAG", tag) };
  } finally {
    await builder.dispose();
  }
}
