import { existsSync } from "node:fs";
import { MAX_CONNECTIONS, planBench, runBench, type Transport } from "../../bench/bench.ts";
import { renderPlan, renderReport, renderStep } from "../../bench/render.ts";
import { loadChecker, loadCourse } from "../../course/manifest.ts";
import { readProgress } from "../../course/progress.ts";
import { materialise } from "../../course/workspace.ts";
import { LearnerError } from "../../errors.ts";
import { removeTempDir } from "../../runner/teardown.ts";
import type { Parsed } from "../args.ts";
import { type CliIO, EXIT } from "../io.ts";
import { lessonArg, requireModules, styleOf, workspaceOf } from "../shared.ts";

/** The number given to --connections, within 1..MAX_CONNECTIONS. */
function connectionsOf(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw.replace(/[_,]/g, ""));
  if (!Number.isInteger(n) || n < 1 || n > MAX_CONNECTIONS) {
    throw new LearnerError(
      "USAGE",
      `--connections takes a whole number from 1 to ${MAX_CONNECTIONS.toLocaleString("en-US")}, not "${raw}".`,
      { hint: "For example `npm run labs -- bench 16 --connections 2000`." },
    );
  }
  return n;
}

/**
 * `labs bench [n|slug] [--ws|--sse] [--connections N] [--solution] [--json]`: opens
 * many clients against the learner's server (started as `labs check` starts it) and
 * reports what they cost it and how fast one change reaches them all. Exit 0 when
 * every connection opened and every client got the event, 1 otherwise, 2 when the
 * bench could not run.
 */
export async function benchCommand(p: Parsed, io: CliIO): Promise<number> {
  requireModules();
  if (p.flags.ws && p.flags.sse)
    throw new LearnerError("USAGE", "Choose one transport: --ws or --sse.", {
      hint: "Without either, the bench opens WebSockets when the lesson has them, else SSE streams.",
    });
  const transport: Transport | undefined = p.flags.ws ? "ws" : p.flags.sse ? "sse" : undefined;
  const connections = connectionsOf(p.flags.connections);
  const course = loadCourse();
  const named = p.positionals[0] ?? readProgress(workspaceOf(p, io), course).current;
  if (!named)
    throw new LearnerError("USAGE", "No lesson has been opened in this workspace yet.", {
      hint: "Name one: `npm run labs -- bench 16` (or `--solution` for the lesson's reference solution).",
    });
  const { lesson } = lessonArg({ ...p, positionals: [named] });
  const checker = await loadChecker(lesson, course);
  const plan = planBench(course, lesson, checker, { transport, connections });
  const json = Boolean(p.flags.json);
  const style = styleOf(io);
  if (!json) io.stdout.write(renderPlan(plan, style));

  let workspace: string;
  let copy: string | undefined;
  if (p.flags.solution) {
    copy = await materialise(lesson.solutionDir);
    workspace = copy;
  } else {
    workspace = workspaceOf(p, io);
    if (!existsSync(workspace))
      throw new LearnerError("WORKSPACE", `There is no workspace at ${workspace}.`, {
        hint: "Start a lesson with `npm run lesson <n>` (it creates the workspace), pass --workspace DIR, or bench the reference solution with --solution.",
      });
  }
  // On a terminal, a counter while the clients open; cleared before the next line.
  let counting = false;
  const clearCounter = () => {
    if (counting) io.stdout.write("\r\x1b[K");
    counting = false;
  };
  try {
    const report = await runBench(plan, {
      workspace,
      env: io.env,
      onStep: json
        ? undefined
        : (r) => {
            clearCounter();
            io.stdout.write(renderStep(r, style));
          },
      onProgress:
        json || !io.stdout.isTTY
          ? undefined
          : (opened, target) => {
              counting = true;
              io.stdout.write(
                `\r  ${style.dim(`… ${opened.toLocaleString("en-US")} of ${target.toLocaleString("en-US")} open`)}`,
              );
            },
    });
    clearCounter();
    io.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report, style));
    return report.complete ? EXIT.ok : EXIT.failed;
  } finally {
    clearCounter();
    if (copy) await removeTempDir(copy);
  }
}
