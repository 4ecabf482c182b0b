import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
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
  if (!p.flags.force && !hasPassed(readProgress(ws), lesson)) {
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
  if (!p.flags.full) {
    // The lesson's change, stored once in the course history: its starter to its solution.
    const patch = join(lesson.dir, "solution.patch");
    const text = existsSync(patch) ? await readFile(patch, "utf8") : "";
    for (const line of text.split("\n")) {
      io.stdout.write(
        `${/^(diff --git|index |--- |\+\+\+ )/.test(line) ? s.bold(line) : line.startsWith("+") ? s.green(line) : line.startsWith("-") ? s.red(line) : line.startsWith("@@") ? s.cyan(line) : line}\n`,
      );
    }
    io.stdout.write(
      `${s.dim(`(what the solution of lesson ${lesson.number} adds to its starter; --full prints the whole files, --diff compares them with your workspace)`)}\n`,
    );
    return EXIT.ok;
  }
  const files = (await filesOf(lesson.solutionDir)).filter(
    (f) => f.startsWith("src/") || f.startsWith("answers/") || f.startsWith("public/"),
  );
  for (const f of files) {
    io.stdout.write(`\n${s.bold(`── ${f} `)}${s.dim("─".repeat(Math.max(0, 60 - f.length)))}\n`);
    io.stdout.write(await readFile(join(lesson.solutionDir, f), "utf8"));
  }
  io.stdout.write(
    `\n${s.dim(`(${files.length} files; without --full you see only the lesson's change, --diff compares with your workspace)`)}\n`,
  );
  return EXIT.ok;
}
