import { relative } from "node:path";
import { scaffoldLesson } from "../../course/scaffold.ts";
import { LearnerError } from "../../errors.ts";
import type { Parsed } from "../args.ts";
import { type CliIO, EXIT } from "../io.ts";
import { styleOf } from "../shared.ts";

/** `labs new <slug>`: scaffolds a lesson for an instructor. */
export async function newCommand(p: Parsed, io: CliIO): Promise<number> {
  const slug = p.positionals[0];
  if (!slug)
    throw new LearnerError("USAGE", "Which slug should the new lesson have?", {
      hint: "npm run labs -- new rate-limiting [--title 'Rate Limiting'] [--at 17]",
    });
  const at = p.flags.at ? Number(p.flags.at) : undefined;
  const { number, dir } = await scaffoldLesson({ slug, title: p.flags.title, at });
  const s = styleOf(io);
  io.stdout.write(
    `${s.green(s.done)} Lesson ${number} is at ${relative(process.cwd(), dir) || dir}, in the course history between its neighbours.\n` +
      `Next: write lesson.md (title, subtitle, task) and check.ts; write the code with\n  npm run labs -- dev edit --at ${slug}   (stops at the starter, then at the solution)\n` +
      `add four broken servers as fixture branches (AUTHORING.md, Broken fixtures), npm run labs -- dev save,\n  then: npm run labs -- dev check --lessons ${slug}   and   npm test\n`,
  );
  return EXIT.ok;
}
