import { isLearnerError, LearnerError } from "../errors.ts";
import { createStyle, wantsColor } from "../report/style.ts";
import type { Parsed } from "./args.ts";
import { parse } from "./args.ts";
import { benchCommand } from "./commands/bench.ts";
import { checkCommand } from "./commands/check.ts";
import { classReportCommand } from "./commands/class-report.ts";
import { devCommand } from "./commands/dev.ts";
import { doctorCommand } from "./commands/doctor.ts";
import { gradeCommand } from "./commands/grade.ts";
import { hintCommand } from "./commands/hint.ts";
import { lessonCommand } from "./commands/lesson.ts";
import { listCommand } from "./commands/list.ts";
import { newCommand } from "./commands/new.ts";
import { resetCommand } from "./commands/reset.ts";
import { solutionCommand } from "./commands/solution.ts";
import { webCommand } from "./commands/web.ts";
import { HELP } from "./help.ts";
import { type CliIO, EXIT } from "./io.ts";

type Command = (p: Parsed, io: CliIO) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  lesson: lessonCommand,
  web: webCommand,
  check: checkCommand,
  bench: benchCommand,
  list: listCommand,
  hint: hintCommand,
  reset: resetCommand,
  solution: solutionCommand,
  doctor: doctorCommand,
  grade: gradeCommand,
  "class-report": classReportCommand,
  dev: devCommand,
  new: newCommand,
};

/** Runs the CLI; returns the exit code (only the entry point sets process.exitCode). */
export async function main(io: CliIO): Promise<number> {
  const style = createStyle(wantsColor(io.stderr, io.env));
  try {
    const parsed = parse(io.argv);
    const name = parsed.command;
    if (!name || name === "help") {
      io.stdout.write(`${HELP[parsed.positionals[0] ?? "main"] ?? HELP.main}\n`);
      return name ? EXIT.ok : parsed.flags.help ? EXIT.ok : EXIT.usage;
    }
    const command = COMMANDS[name];
    if (!command) {
      throw new LearnerError("USAGE", `Unknown command "${name}".`, {
        hint: `Commands: ${Object.keys(COMMANDS).join(", ")}. Run \`npm run labs -- --help\`.`,
      });
    }
    if (parsed.flags.help) {
      io.stdout.write(`${HELP[name] ?? HELP.main}\n`);
      return EXIT.ok;
    }
    return await command(parsed, io);
  } catch (error) {
    if (isLearnerError(error)) {
      io.stderr.write(`${style.red("✗")} ${error.message}\n`);
      for (const d of error.details) io.stderr.write(`  ${d}\n`);
      if (error.hint) io.stderr.write(`${style.yellow("What to do:")} ${error.hint}\n`);
      return EXIT.usage;
    }
    const err = error as Error;
    io.stderr.write(
      `${style.red("Internal error")}: this is a bug in realtime-labs, not in your code.\n${err?.stack ?? String(error)}\nPlease report it with the command you ran.\n`,
    );
    return EXIT.bug;
  }
}
