import { LearnerError } from "../../errors.ts";
import type { Parsed } from "../args.ts";
import { type CliIO, EXIT } from "../io.ts";

/** `labs dev check`: the course checks itself (see src/course/self-check.ts). */
export async function devCommand(p: Parsed, io: CliIO): Promise<number> {
  const sub = p.positionals[0];
  if (sub !== "check") {
    throw new LearnerError("USAGE", `Unknown dev command "${sub ?? ""}".`, {
      hint: "Use `npm run labs -- dev check`.",
    });
  }
  const { selfCheck } = await import("../../course/self-check.ts");
  const report = await selfCheck({
    repeat: Number(p.flags.repeat ?? 1),
    lessons: p.flags.lessons,
    out: io.stdout,
    env: io.env,
    color: Boolean(io.stdout.isTTY),
  });
  return report.ok ? EXIT.ok : EXIT.failed;
}
