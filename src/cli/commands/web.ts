import { readProgress } from "../../course/progress.ts";
import { LearnerError } from "../../errors.ts";
import type { Parsed } from "../args.ts";
import type { CliIO } from "../io.ts";
import { workspaceOf } from "../shared.ts";
import { lessonCommand } from "./lesson.ts";

/**
 * `labs web [n|slug]`: `labs lesson` with its web view, for the lesson named or,
 * without one, the lesson last opened in this workspace.
 */
export async function webCommand(p: Parsed, io: CliIO): Promise<number> {
  const named = p.positionals[0] ?? readProgress(workspaceOf(p, io)).current;
  if (!named)
    throw new LearnerError("USAGE", "No lesson has been opened in this workspace yet.", {
      hint: "Name one: `npm run labs -- web 4` (or `npm run lesson 4 -- --web`).",
    });
  return lessonCommand({ ...p, positionals: [named], flags: { ...p.flags, web: true } }, io);
}
