import { isAvailable, loadCourse } from "../../course/manifest.ts";
import { hasPassed, readProgress } from "../../course/progress.ts";
import type { Parsed } from "../args.ts";
import { type CliIO, EXIT } from "../io.ts";
import { styleOf, workspaceOf } from "../shared.ts";

/** `labs list`: every lesson by section, with progress. */
export async function listCommand(p: Parsed, io: CliIO): Promise<number> {
  const course = loadCourse();
  const progress = readProgress(workspaceOf(p, io));
  const s = styleOf(io);
  let section = "";
  let done = 0;
  for (const l of course.lessons) {
    if (l.section !== section) {
      section = l.section;
      io.stdout.write(`\n${s.bold(section)}\n`);
    }
    const passed = hasPassed(progress, l);
    if (passed) done++;
    const mark = passed ? s.green(s.ok) : isAvailable(l) ? " " : s.dim("-");
    const current = progress.current === l.slug ? s.cyan("  ← current") : "";
    const title = isAvailable(l) ? l.title : s.dim(`${l.title} (coming soon)`);
    io.stdout.write(`  ${mark} ${String(l.number).padStart(2)}  ${title}${current}\n`);
  }
  io.stdout.write(
    `\n${done} of ${course.lessons.length} lessons passed. Start one with: npm run lesson <n>\n`,
  );
  return EXIT.ok;
}
