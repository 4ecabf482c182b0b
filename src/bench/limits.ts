/**
 * What bounds a bench run on this machine, and what the learner's server
 * processes use: the open-file limits of the runner and of the servers, the
 * loopback port range, and each server's resident memory and descriptors read
 * from /proc. Everything here answers `undefined` where it cannot be known (no
 * /proc, or `LABS_PORTABLE=1`: see runner/platform.ts), so the report can say
 * "not measurable here" instead of guessing.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { hasProcfs } from "../runner/platform.ts";
import { rssBytes } from "../runner/procfs.ts";

/** An open-file limit (RLIMIT_NOFILE); `Infinity` for "unlimited". */
export interface FileLimit {
  soft: number;
  hard: number;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function limitValue(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (t === "unlimited") return Number.POSITIVE_INFINITY;
  const n = Number(t);
  return Number.isFinite(n) && t !== "" ? n : undefined;
}

/** The open-file limit of a process, from `/proc/<pid>/limits` (Linux only). */
export function fileLimitOf(pid: number | "self"): FileLimit | undefined {
  if (!hasProcfs()) return undefined;
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(read(`/proc/${pid}/limits`) ?? "");
  const soft = limitValue(m?.[1]);
  const hard = limitValue(m?.[2]);
  return soft !== undefined && hard !== undefined ? { soft, hard } : undefined;
}

/**
 * The runner's own open-file limit: /proc on Linux, else what a shell started by
 * the runner inherits (`ulimit -Sn`, `ulimit -Hn`), which is the runner's own.
 */
export function runnerFileLimit(): FileLimit | undefined {
  const fromProc = fileLimitOf("self");
  if (fromProc) return fromProc;
  const r = spawnSync("/bin/sh", ["-c", "ulimit -Sn; ulimit -Hn"], {
    encoding: "utf8",
    timeout: 2000,
  });
  const [soft, hard] = (r.stdout ?? "").split("\n").map(limitValue);
  return soft !== undefined && hard !== undefined ? { soft, hard } : undefined;
}

/** What `raiseRunnerFileLimit` found and did. */
export interface RaisedLimit {
  limit?: FileLimit;
  /** In words: what was done (or why nothing was), for the report. */
  note: string;
}

/**
 * Raises the runner's soft open-file limit to its hard limit where it is lower.
 * Node cannot call setrlimit itself (it already raises the soft limit to the
 * hard one when it starts, on Linux and macOS), so this asks `prlimit` (util-linux)
 * to do it for the runner's pid. The servers are started afterwards and inherit
 * the limit. A hard limit can only be raised from outside (root, or the shell).
 */
export function raiseRunnerFileLimit(): RaisedLimit {
  const before = runnerFileLimit();
  if (!before) return { note: "the runner's open-file limit is not known here" };
  if (before.soft >= before.hard) {
    return {
      limit: before,
      note: "node raised the soft limit to it at start-up",
    };
  }
  const hard = Number.isFinite(before.hard) ? String(before.hard) : "unlimited";
  const r = spawnSync("prlimit", [`--pid=${process.pid}`, `--nofile=${hard}:${hard}`], {
    encoding: "utf8",
    timeout: 2000,
  });
  const after = runnerFileLimit() ?? before;
  if (r.status === 0 && after.soft > before.soft) {
    return {
      limit: after,
      note: `raised from ${fmtLimit(before.soft)} to ${fmtLimit(after.soft)} with prlimit`,
    };
  }
  return {
    limit: before,
    note: `could not raise the soft limit ${fmtLimit(before.soft)} (prlimit ${r.error ? "is not installed" : "failed"})`,
  };
}

/** A limit as text: `20,000` or `unlimited`. */
export function fmtLimit(n: number): string {
  return Number.isFinite(n) ? n.toLocaleString("en-US") : "unlimited";
}

/** How many descriptors a process holds open (`/proc/<pid>/fd`). */
export function openFiles(pid: number | "self"): number | undefined {
  if (!hasProcfs()) return undefined;
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

/**
 * How many local ports one client address has for connections to one server
 * port (`ip_local_port_range`): the most connections a single instance can take
 * from 127.0.0.1.
 */
export function ephemeralPorts(): number | undefined {
  if (!hasProcfs()) return undefined;
  const m = /(\d+)\s+(\d+)/.exec(read("/proc/sys/net/ipv4/ip_local_port_range") ?? "");
  return m ? Number(m[2]) - Number(m[1]) + 1 : undefined;
}

/** True when a process sits in one of the runner's memory cages (cgroup `realtime-labs-…`). */
export function inMemoryCage(pid: number): boolean {
  if (!hasProcfs()) return false;
  return /^\d+:[^:]*memory[^:]*:.*realtime-labs-/m.test(read(`/proc/${pid}/cgroup`) ?? "");
}

let ticksPerSecond: number | undefined;

/** The kernel's clock ticks per second (`getconf CLK_TCK`, almost always 100). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const r = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8", timeout: 2000 });
    const n = Number((r.stdout ?? "").trim());
    ticksPerSecond = Number.isFinite(n) && n > 0 ? n : 100;
  }
  return ticksPerSecond;
}

/** CPU time a process has used so far (user + system, ms), from `/proc/<pid>/stat`. */
export function cpuTimeMs(pid: number | "self"): number | undefined {
  if (!hasProcfs()) return undefined;
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // Fields after the command name (which may hold spaces) start at field 3.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return ((utime + stime) * 1000) / clockTicks();
}

/** What one instance's processes use at one moment. */
export interface ProcessSample {
  /** Resident memory of all its processes, in bytes. */
  rss?: number;
  /** Descriptors all its processes hold open. */
  fds?: number;
  /** CPU time all its processes have used so far (ms). */
  cpuMs?: number;
  /** The process that holds the most memory: the server itself (the others are the sandbox's wrappers). */
  main?: number;
}

/**
 * Sums RSS and open descriptors over every process of one instance (in the
 * sandbox the server runs below a wrapper, so `pids` holds several).
 */
export function sampleProcesses(pids: readonly number[]): ProcessSample {
  if (!hasProcfs() || pids.length === 0) return {};
  let rss: number | undefined;
  let fds: number | undefined;
  let cpuMs: number | undefined;
  let main: number | undefined;
  let most = -1;
  for (const pid of pids) {
    const r = rssBytes(pid);
    const f = openFiles(pid);
    if (r !== undefined) {
      rss = (rss ?? 0) + r;
      if (r > most) {
        most = r;
        main = pid;
      }
    }
    if (f !== undefined) fds = (fds ?? 0) + f;
    const c = cpuTimeMs(pid);
    if (c !== undefined) cpuMs = (cpuMs ?? 0) + c;
  }
  return { rss, fds, cpuMs, main };
}
