import { main } from "./main.ts";

/** Runs the CLI against the real process and sets the exit code. */
export async function run(): Promise<void> {
  const code = await main({
    argv: process.argv.slice(2),
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
  });
  process.exitCode = code;
}
