import { spawnSync } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { constants } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describePlatform, hasNamespaces, portable, realPlatform } from "./platform.ts";

/** The shell script that enters the namespaces (beside this file, in the runner's installation). */
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "child", "sandbox.sh");
/** The root of the runner's installation: read-only to learner code. */
const RUNNER_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** What this machine lets the runner do to keep learner code apart. */
export interface SandboxSupport {
  /** `namespaces`: own PID and mount namespaces; `none`: process groups and the run marker only. */
  kind: "namespaces" | "none";
  /** In words, for `labs doctor` and the grade report. */
  detail: string;
  /** The unshare flags that worked (namespaces only). */
  flags?: string[];
}

const BASE_FLAGS = ["--mount", "--pid", "--fork", "--kill-child", "--mount-proc"];
let support: SandboxSupport | undefined;

/**
 * Finds out once per runner process whether learner code can run in its own PID
 * and mount namespaces (as root, or as any user where the kernel allows user
 * namespaces), by running the sandbox around `true`. `LABS_NO_SANDBOX=1` turns it off,
 * and so does `LABS_PORTABLE=1` (platform.ts).
 */
export function sandboxSupport(): SandboxSupport {
  if (support) return support;
  support = probe();
  return support;
}

function probe(): SandboxSupport {
  if (process.env.LABS_NO_SANDBOX) {
    return { kind: "none", detail: "turned off by LABS_NO_SANDBOX" };
  }
  if (!hasNamespaces()) {
    return {
      kind: "none",
      detail: portable()
        ? describePlatform()
        : `namespaces are Linux only (this is ${realPlatform()})`,
    };
  }
  const root = process.getuid?.() === 0;
  const tries = root ? [BASE_FLAGS] : [["--user", "--map-root-user", ...BASE_FLAGS]];
  let last = "";
  for (const flags of tries) {
    const r = spawnSync("/bin/sh", [SCRIPT, "true"], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...sandboxEnv(flags, [], [RUNNER_ROOT]) },
      timeout: 5000,
      encoding: "utf8",
    });
    if (r.status === 0) {
      return {
        kind: "namespaces",
        detail: `own PID and mount namespaces${root ? "" : " (in a user namespace)"}; the runner's installation is read-only`,
        flags,
      };
    }
    last = (r.stderr || r.error?.message || `exit ${r.status}`).trim().split("\n").at(-1) ?? "";
  }
  return { kind: "none", detail: `unshare is not allowed here (${last})` };
}

function sandboxEnv(
  flags: string[],
  procs: string[],
  readOnly: string[],
  writable: string[] = [],
): Record<string, string> {
  return {
    LABS_SB_UNSHARE: flags.join("\n"),
    LABS_SB_PROCS: procs.join("\n"),
    LABS_SB_RO: readOnly.join("\n"),
    LABS_SB_RW: writable.join("\n"),
  };
}

/** How to spawn one learner command: the program, its arguments and extra environment. */
export interface SandboxedCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
  sandboxed: boolean;
}

/**
 * Wraps `node <args>` for a learner process. Inside the sandbox the process sees
 * only its own processes (it cannot signal the runner, nor read the runner's
 * environment in /proc), the runner's installation is read-only (checkers,
 * runner code, node_modules), and `cwd` stays writable when it lies inside it.
 * `cgroupProcs` are the cage's `cgroup.procs` files, joined before the fork so
 * that nothing the learner starts escapes the cage.
 */
export function sandboxed(
  nodeArgs: string[],
  opts: { cwd: string; cgroupProcs?: string[] },
): SandboxedCommand {
  const s = sandboxSupport();
  if (s.kind !== "namespaces") {
    return { file: process.execPath, args: nodeArgs, env: {}, sandboxed: false };
  }
  const inside = (p: string) => {
    const rel = relative(RUNNER_ROOT, p);
    return rel === "" || (!rel.startsWith("..") && !rel.startsWith("/"));
  };
  const writable = [opts.cwd].filter((p) => inside(p) && p !== RUNNER_ROOT && existsSync(p));
  return {
    file: "/bin/sh",
    args: [SCRIPT, process.execPath, ...nodeArgs],
    env: sandboxEnv(s.flags!, opts.cgroupProcs ?? [], readOnlyPaths(), writable),
    sandboxed: true,
  };
}

/**
 * The runner's installation, and its node_modules where that is a link to
 * elsewhere (so that no package the runner imports can be rewritten through it).
 */
function readOnlyPaths(): string[] {
  const paths = [RUNNER_ROOT];
  try {
    const modules = realpathSync(join(RUNNER_ROOT, "node_modules"));
    if (relative(RUNNER_ROOT, modules).startsWith("..")) paths.push(modules);
  } catch {
    // no node_modules: nothing more to guard
  }
  return paths;
}

/**
 * The sandbox's PID 1 hands back the learner's exit status, so a learner process
 * killed by a signal arrives as code 128 + n; this turns it back into the signal.
 */
export function signalOfStatus(code: number | null): NodeJS.Signals | undefined {
  if (code === null || code <= 128) return undefined;
  const n = code - 128;
  return (Object.entries(constants.signals) as [NodeJS.Signals, number][]).find(
    ([, v]) => v === n,
  )?.[0];
}
