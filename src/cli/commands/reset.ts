import { existsSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import { readProgress, writeProgress } from "../../course/progress.ts";
import { resetWorkspace } from "../../course/workspace.ts";
import { LearnerError } from "../../errors.ts";
import type { Parsed } from "../args.ts";
import { type CliIO, EXIT } from "../io.ts";
import { lessonArg, styleOf, workspaceOf } from "../shared.ts";

/** `labs reset <n>`: backs the workspace up, then replaces it with lesson n's starter. */
export async function resetCommand(p: Parsed, io: CliIO): Promise<number> {
  const { lesson } = lessonArg(p);
  const ws = workspaceOf(p, io);
  const s = styleOf(io);
  if (existsSync(ws) && !p.flags.yes) {
    if (!io.stdin.isTTY) {
      throw new LearnerError(
        "USAGE",
        "reset replaces your workspace's files; it asks first, and there is no terminal to ask on.",
        {
          hint: `Add --yes to confirm: npm run labs -- reset ${lesson.number} --yes (a backup is made first).`,
        },
      );
    }
    const rl = createInterface({ input: io.stdin, output: io.stdout as NodeJS.WritableStream });
    const answer = await rl.question(
      `Replace ${ws} with lesson ${lesson.number}'s starter? A backup is made first. [y/N] `,
    );
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      io.stdout.write("Nothing changed.\n");
      return EXIT.ok;
    }
  }
  const progress = readProgress(ws);
  const backup = await resetWorkspace(ws, lesson);
  // the workspace now holds exactly this lesson's starter: the next lesson merges from here
  await writeProgress(ws, { ...progress, laid: lesson.slug });
  if (backup) io.stdout.write(`${s.dim("Backed up your work to")} ${backup}\n`);
  io.stdout.write(`${s.green(s.done)} ${ws} now holds lesson ${lesson.number}'s starter.\n`);
  return EXIT.ok;
}
