import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/**
 * The tests' own look at the machine's processes, through /proc: what a run
 * left behind, found independently of the runner (and of LABS_PORTABLE, which
 * turns the runner's own /proc helpers off). Linux only, as these tests are.
 */

function otherPids(): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => pid !== process.pid);
}

function read(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** Processes whose environment holds `NAME=value`. */
export function processesWithEnv(name: string, value: string): number[] {
  const needle = `${name}=${value}`;
  return otherPids().filter((pid) => read(`/proc/${pid}/environ`).split("\0").includes(needle));
}

/** Processes whose command line or working directory mentions `text` (a folder of the test's, say). */
export function processesMentioning(text: string): number[] {
  return otherPids().filter((pid) => {
    let cwd = "";
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      // gone, or not ours to read
    }
    return cwd.includes(text) || read(`/proc/${pid}/cmdline`).includes(text);
  });
}

/** SIGKILL to each of `pids` that is still there (a failed test's leftovers). */
export function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
}
