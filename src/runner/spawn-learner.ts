import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { Cage } from "./cage.ts";
import { RUN_MARKER } from "./marker.ts";
import { pidsWithEnv } from "./procfs.ts";
import { sandboxed } from "./sandbox.ts";

/** A freshly spawned learner process, with what the runner needs to bound and reap it. */
export interface LearnerChild {
  child: ChildProcess;
  /** The run marker in its environment (how strays are found again). */
  marker: string;
  /** Its cgroup cage, where the machine allows one. */
  cage?: Cage;
  /** True when it runs in the sandbox (own PID and mount namespaces). */
  sandboxed: boolean;
}

let refusing = false;

/**
 * From now on no learner code is started (the runner is tearing down: a run
 * still going would otherwise start servers again as the teardown kills them).
 */
export function refuseSpawns(): void {
  refusing = true;
}

/**
 * The one way the runner starts learner code (servers, prewarmed spares, module
 * hosts): node with `nodeArgs`, in its own process group, with exactly `env`
 * (an allow-listed environment) plus the run marker, inside a cgroup cage and
 * the sandbox where the machine allows them. stdout and stderr are pipes; `ipc`
 * adds a message channel.
 */
export function spawnLearner(opts: {
  nodeArgs: string[];
  cwd: string;
  env: Record<string, string>;
  ipc?: boolean;
}): LearnerChild {
  if (refusing) throw new Error("realtime-labs is stopping: no more learner processes are started");
  const marker = randomUUID();
  const cage = Cage.create(marker);
  const command = sandboxed(opts.nodeArgs, { cwd: opts.cwd, cgroupProcs: cage?.procsFiles() });
  const child = spawn(command.file, command.args, {
    cwd: opts.cwd,
    env: { ...opts.env, ...command.env, [RUN_MARKER]: marker },
    detached: true,
    stdio: ["ignore", "pipe", "pipe", ...(opts.ipc ? (["ipc"] as const) : [])],
  });
  // Outside the sandbox the cage is joined from here, a moment after the start.
  if (!command.sandboxed && child.pid) cage?.add(child.pid);
  return { child, marker, cage, sandboxed: command.sandboxed };
}

/** SIGKILL to a process group, ignoring one that is gone. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals = "SIGKILL"): void {
  if (!pid || pid <= 0) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

function killPid(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // gone already
  }
}

/** SIGKILL to a learner process's group and to everything in its cage, synchronously. */
export function killLearnerNow(pid: number | undefined, cage?: Cage): void {
  killGroup(pid);
  for (const p of cage?.pids() ?? []) killPid(p);
}

/**
 * After a learner process has ended: empties and removes its cage, and kills
 * whatever still carries its run marker (a child that left the group).
 */
export async function reapLearner(
  pid: number | undefined,
  cage: Cage | undefined,
  marker: string,
): Promise<void> {
  await cage?.remove();
  killGroup(pid);
  if (marker) for (const p of pidsWithEnv(RUN_MARKER, marker)) killPid(p);
}
