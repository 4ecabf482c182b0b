import type { Out } from "../report/pretty.ts";

/** Everything the CLI touches of the outside world, so tests can drive it in-process. */
export interface CliIO {
  argv: string[];
  stdout: Out & { isTTY?: boolean; columns?: number };
  stderr: Out & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(mode: boolean): unknown };
  env: NodeJS.ProcessEnv;
}

/** Exit codes: 0 all passed, 1 a step failed, 2 usage or environment trouble, 3 a bug in the runner. */
export const EXIT = { ok: 0, failed: 1, usage: 2, bug: 3 } as const;
