import { guardProcess, signalExitCode } from "../runner/teardown.ts";
import { main } from "./main.ts";

/**
 * Makes sure nothing of a run outlives the runner: whatever the way out (a
 * signal, a crash, the end of the command), the learner's processes are
 * stopped and the run's temporary folders removed (runner/teardown.ts). A
 * signal that no command handles itself ends the runner with 128 + the
 * signal's number; watch mode quits cleanly on SIGINT and SIGTERM and ends with 0.
 */
function guardExit(): void {
  guardProcess();
  // A reader that stops early (`labs hint 12 | head`) closes the pipe: end quietly.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
      process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
    });
  }
}

/** Runs the CLI against the real process and sets the exit code (a signal's, if one came). */
export async function run(): Promise<void> {
  guardExit();
  const code = await main({
    argv: process.argv.slice(2),
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
  });
  process.exitCode = signalExitCode() ?? code;
}
