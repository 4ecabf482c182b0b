import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { killAll, killAllNow } from "./learner-process.ts";
import { killModuleHostsNow, stopModuleHosts } from "./module-host.ts";
import { refuseSpawns } from "./spawn-learner.ts";
import { killSpares, killSparesNow } from "./warm-pool.ts";

/**
 * What the runner must undo however it ends, and the one place that does it:
 * first the processes it started (learner servers, module hosts, prewarmed
 * spares, the runner's own helpers such as its redis-server), then the
 * temporary folders it made for a run (the run's databases, private copies of
 * workspaces). A run that ends normally undoes its own; this catches the rest
 * on a signal, a crash of the runner, or an exit nobody planned.
 */

/** How long the teardown after a signal or a crash may take before the runner exits anyway (ms). */
export const TEARDOWN_DEADLINE_MS = 3000;
/** How long a command that quits by itself on a signal (watch mode) gets before the teardown (ms). */
export const QUIT_GRACE_MS = 2000;
/** Exit codes for the signals that end the runner: 128 + the signal's number. */
export const SIGNAL_EXIT_CODES = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;
export type EndingSignal = keyof typeof SIGNAL_EXIT_CODES;

const folders = new Set<string>();
const helpers = new Set<() => void | Promise<void>>();
let sweepArmed = false;

/**
 * Makes sure the synchronous teardown runs when this process exits, in any
 * process that made something to undo (a test's too, not only the CLI's).
 */
function armExitSweep(): void {
  if (sweepArmed) return;
  sweepArmed = true;
  process.on("exit", tearDownNow);
}

/** Makes a temporary folder (`<parent>/<prefix>XXXXXX`) that the teardown removes if nothing else does. */
export async function makeTempDir(prefix: string, parent = tmpdir()): Promise<string> {
  const dir = await mkdtemp(join(parent, prefix));
  armExitSweep();
  folders.add(dir);
  return dir;
}

/** Removes a folder made by `makeTempDir` (or any folder), and forgets it. */
export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  folders.delete(dir);
}

/**
 * Registers how to stop one of the runner's own helper processes (not learner
 * code: its redis-server, say) at the teardown. `stop` must be quick, must not
 * throw, and may be called twice (the orderly teardown, then the exit's); the
 * function returned takes it back (once the helper has stopped).
 */
export function onTeardown(stop: () => void | Promise<void>): () => void {
  armExitSweep();
  helpers.add(stop);
  return () => helpers.delete(stop);
}

let tearingDown: Promise<void> | undefined;

/**
 * Stops every process the runner started and waits until each is reaped, then
 * removes the temporary folders. Idempotent: every call after the first gets
 * the same promise. Never rejects.
 */
export function tearDown(): Promise<void> {
  tearingDown ??= (async () => {
    refuseSpawns();
    // Processes first: they hold files open in the folders (SQLite's database and WAL).
    await Promise.allSettled([
      killAll(),
      stopModuleHosts(),
      killSpares(),
      ...[...helpers].map(async (stop) => stop()),
    ]);
    const all = [...folders];
    await Promise.allSettled(all.map(removeTempDir));
  })();
  return tearingDown;
}

/**
 * The same, synchronously and without waiting for anything (on process 'exit',
 * the last resort): SIGKILL to every process the runner started and its cage,
 * then the folders. Cages are emptied but their cgroup folders are left to the
 * orderly teardown, which can wait for the processes to be gone.
 */
export function tearDownNow(): void {
  killAllNow();
  killModuleHostsNow();
  killSparesNow();
  for (const stop of helpers) {
    try {
      void stop();
    } catch {
      // a helper that cannot be stopped must not keep the others running
    }
  }
  helpers.clear();
  for (const dir of folders) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // nothing more can be done on the way out
    }
  }
  folders.clear();
}

/** Tears down, waiting at most `ms`: resolves to true when the teardown finished in time. */
export async function tearDownWithin(ms = TEARDOWN_DEADLINE_MS): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([tearDown().then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

let exiting = false;
/** The deadlines in use (`guardProcess` may shorten them, for tests). */
let deadlineMs = TEARDOWN_DEADLINE_MS;
let graceMs = QUIT_GRACE_MS;

/**
 * Ends the runner with `code` after the teardown, or after `deadline` ms if the
 * teardown is stuck (the 'exit' handler then does what it can at once). What
 * the run would still print is dropped: it would only tell of servers being
 * killed. Called again while it waits (a second Ctrl+C), it exits at once.
 */
export async function exitAfterTeardown(code: number, deadline = deadlineMs): Promise<void> {
  process.exitCode = code;
  if (exiting) process.exit(code);
  exiting = true;
  silence();
  await tearDownWithin(deadline);
  process.exit(code);
}

/** Lets nothing more reach the terminal (or the pipe) from the run. */
function silence(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.write = ((_chunk: unknown, ...rest: unknown[]) => {
      const done = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      done?.();
      return true;
    }) as typeof stream.write;
  }
}

let quitter: (() => void) | undefined;
let signalled: number | undefined;

/**
 * Lets a command end by itself on SIGINT or SIGTERM (watch mode: stop watching,
 * say goodbye). If it has not ended `QUIT_GRACE_MS` later, the runner tears
 * down and exits anyway. Returns the function that takes the offer back.
 */
export function quitOnSignal(quit: () => void): () => void {
  quitter = quit;
  return () => {
    if (quitter === quit) quitter = undefined;
  };
}

/** The exit code a signal asked for, if one came (the runner keeps it even when a command quit by itself). */
export function signalExitCode(): number | undefined {
  return signalled;
}

/**
 * What the runner does on a signal that ends it: hands SIGINT and SIGTERM to a
 * command that quits by itself, else tears down and exits with 128 + n.
 */
export function endOnSignal(signal: EndingSignal): void {
  const code = SIGNAL_EXIT_CODES[signal];
  const quit = quitter;
  if (quit && signal !== "SIGHUP" && !exiting) {
    // Ctrl+C is how a learner leaves watch mode, like the q key: it ends with 0, so
    // npm prints no error, even when a run in progress has to be cut short after the
    // grace. Any other signal that the command does not answer in time keeps its code.
    quitter = undefined;
    const late = signal === "SIGINT" ? 0 : code;
    setTimeout(() => {
      if (late !== 0) signalled ??= late;
      void exitAfterTeardown(late);
    }, graceMs).unref();
    quit();
    return;
  }
  signalled ??= code;
  void exitAfterTeardown(code);
}

/**
 * Installs the runner's ways out: on 'exit', whatever the reason, the
 * synchronous teardown; on SIGHUP, SIGINT and SIGTERM, `endOnSignal`; on an
 * uncaught exception or an unhandled rejection (a bug in the runner), its
 * stack, the teardown, and exit code 1 (unless the runner is already on its way out).
 */
export function guardProcess(opts: { deadlineMs?: number; graceMs?: number } = {}): void {
  deadlineMs = opts.deadlineMs ?? TEARDOWN_DEADLINE_MS;
  graceMs = opts.graceMs ?? QUIT_GRACE_MS;
  armExitSweep();
  for (const signal of Object.keys(SIGNAL_EXIT_CODES) as EndingSignal[]) {
    process.on(signal, () => endOnSignal(signal));
  }
  const crashed = (error: unknown) => {
    // Once the runner is on its way out, what the interrupted run throws is expected.
    if (exiting) return;
    try {
      process.stderr.write(`${inspect(error)}\n`);
    } catch {
      // stderr is gone; the exit code still tells
    }
    void exitAfterTeardown(1);
  };
  process.on("uncaughtException", crashed);
  process.on("unhandledRejection", crashed);
}
