import { killAllNow } from "../runner/learner-process.ts";
import { killModuleHostsNow } from "../runner/module-host.ts";
import { killSparesNow } from "../runner/warm-pool.ts";
import { main } from "./main.ts";

const SIGNALS: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/**
 * Makes sure no learner server outlives the runner: on exit, whatever the
 * reason, every one still alive is killed. A signal that no command handles
 * itself (watch mode handles SIGINT and SIGTERM to quit cleanly) ends the runner.
 */
function guardExit(): void {
  process.on("exit", () => {
    killAllNow();
    killModuleHostsNow();
    killSparesNow();
  });
  // A reader that stops early (`labs hint 12 | head`) closes the pipe: end quietly.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
      process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
    });
  }
  for (const [signal, code] of Object.entries(SIGNALS)) {
    process.on(signal, () => {
      if (process.listenerCount(signal) > 1) return;
      process.exit(code);
    });
  }
}

/** Runs the CLI against the real process and sets the exit code. */
export async function run(): Promise<void> {
  guardExit();
  const code = await main({
    argv: process.argv.slice(2),
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
  });
  process.exitCode = code;
}
