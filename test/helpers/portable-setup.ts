import type { RunnerTask, RunnerTestFile } from "vitest";
import { afterAll, beforeEach } from "vitest";

/**
 * Setup of the `portable` test project (LABS_PORTABLE=1, see vitest.config.ts).
 * Much of cli.test.ts is about the CLI itself (help, usage errors, progress,
 * hints, reset), and a few malicious servers attack what no platform code
 * guards (the environment allow-list, the reporters' prefixes): the portable
 * code paths do not touch them, and running them twice would cost a minute
 * and more. Those are skipped here; they run in the native project.
 */
const PICKS: { file: RegExp; only?: RegExp[]; except?: RegExp[] }[] = [
  {
    file: /[\\/]test[\\/]e2e[\\/]cli\.test\.ts$/,
    // learner servers through the CLI (a grade's passes and fails, a check's private
    // copies, watch mode), the runner stopped from outside, and doctor's report
    only: [
      /checks a reference solution on a private copy/,
      /reports the machine's state with doctor/,
      /turns green when the solution is saved/,
      /leaves no learner server behind on/,
      /grades reference solutions as passing and starters as failing/,
    ],
  },
  {
    file: /[\\/]test[\\/]e2e[\\/]malicious\.test\.ts$/,
    except: [/keeps secrets of the grader's environment away/, /does not take fake verdict lines/],
  },
];

const pickOf = (file: RunnerTestFile) => PICKS.find((p) => p.file.test(file.filepath));
const seen = new Set<RunnerTestFile>();

beforeEach((ctx) => {
  const pick = pickOf(ctx.task.file);
  if (!pick) return;
  seen.add(ctx.task.file);
  const name = ctx.task.name;
  const runs =
    (pick.only?.some((re) => re.test(name)) ?? true) &&
    !(pick.except?.some((re) => re.test(name)) ?? false);
  ctx.skip(!runs, "not about the portable code paths; it runs in the native project");
});

/** Every test in `task`, however deep in describes. */
function testsOf(task: RunnerTask): RunnerTask[] {
  return task.type === "suite" ? task.tasks.flatMap(testsOf) : [task];
}

// A test renamed in a picked file would silently stop running (or stop being skipped): say so.
afterAll(() => {
  for (const file of seen) {
    const names = testsOf(file).map((t) => t.name);
    const patterns = [...(pickOf(file)?.only ?? []), ...(pickOf(file)?.except ?? [])];
    const stale = patterns.filter((re) => !names.some((n) => re.test(n)));
    if (stale.length)
      throw new Error(
        `test/helpers/portable-setup.ts names tests that ${file.name} no longer has: ${stale.join(", ")}`,
      );
  }
});
