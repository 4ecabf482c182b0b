import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { hasPassed, readProgress } from "../../course/progress.ts";
import { filesOf } from "../../course/workspace.ts";
import { LearnerError } from "../../errors.ts";
import type { Parsed } from "../args.ts";
import { type CliIO, EXIT } from "../io.ts";
import { lessonArg, styleOf, workspaceOf } from "../shared.ts";

/** `labs solution <n>`: the reference solution, or its diff from the workspace; after a pass or with --force. */
export async function solutionCommand(p: Parsed, io: CliIO): Promise<number> {
  const { lesson } = lessonArg(p);
  const ws = workspaceOf(p, io);
  const s = styleOf(io);
  if (!p.flags.force && !hasPassed(readProgress(ws), lesson.number)) {
    throw new LearnerError(
      "USAGE",
      `The solution of lesson ${lesson.number} opens once you have passed it.`,
      {
        hint: `Try \`npm run labs -- hint ${lesson.number}\` first. To look anyway: npm run labs -- solution ${lesson.number} --force`,
      },
    );
  }
  if (p.flags.diff) {
    const r = spawnSync(
      "diff",
      ["-ruN", "-x", "node_modules", "-x", ".labs", "-x", "*.db*", ws, lesson.solutionDir],
      { encoding: "utf8" },
    );
    if (r.error)
      throw new LearnerError("USAGE", "The `diff` program is not available here.", {
        hint: "Run without --diff to print the solution's files.",
      });
    io.stdout.write(r.stdout || "Your workspace matches the reference solution.\n");
    return EXIT.ok;
  }
  const files = (await filesOf(lesson.solutionDir)).filter((f) => f.startsWith("src/"));
  for (const f of files) {
    io.stdout.write(`\n${s.bold(`── ${f} `)}${s.dim("─".repeat(Math.max(0, 60 - f.length)))}\n`);
    io.stdout.write(await readFile(join(lesson.solutionDir, f), "utf8"));
  }
  io.stdout.write(
    `\n${s.dim(`(${files.length} files; --diff compares them with your workspace)`)}\n`,
  );
  return EXIT.ok;
}
