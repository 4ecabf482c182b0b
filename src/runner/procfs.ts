import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { hasProcfs } from "./platform.ts";

/**
 * Linux /proc helpers used to diagnose and reap learner processes. On systems
 * without /proc (and in portable mode, see platform.ts) the runner's helpers
 * return empty results, so callers degrade to plain signals.
 */

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function pids(): number[] {
  try {
    return readdirSync("/proc")
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  } catch {
    return [];
  }
}

/** Process ids whose environment holds `NAME=value` (how a run's processes are found again). */
export function pidsWithEnv(name: string, value: string): number[] {
  if (!hasProcfs()) return [];
  const needle = `${name}=${value}`;
  const found: number[] = [];
  for (const pid of pids()) {
    if (pid === process.pid) continue;
    const env = read(`/proc/${pid}/environ`);
    if (env?.split("\0").includes(needle)) found.push(pid);
  }
  return found;
}

/** The inodes of the sockets `pidList` hold open. */
function socketInodes(pidList: number[]): Set<string> {
  const inodes = new Set<string>();
  for (const pid of pidList) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]);
      } catch {
        // the fd closed while we looked
      }
    }
  }
  return inodes;
}

/** One row of /proc/net/tcp{,6}: local and remote port, state, socket inode. */
interface TcpRow {
  localPort: number;
  remotePort: number;
  state: string;
  inode: string;
}

function tcpRows(): TcpRow[] {
  const rows: TcpRow[] = [];
  const port = (addr: string) => Number.parseInt(addr.split(":").pop() ?? "", 16);
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const text = read(table);
    if (!text) continue;
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9)
        rows.push({
          localPort: port(cols[1]),
          remotePort: port(cols[2]),
          state: cols[3],
          inode: cols[9],
        });
    }
  }
  return rows;
}

/** TCP ports on which any of `pidList` listens. */
export function listeningPorts(pidList: number[]): number[] {
  if (!hasProcfs()) return [];
  const inodes = socketInodes(pidList);
  const ports = tcpRows()
    .filter((r) => r.state === "0A" && inodes.has(r.inode))
    .map((r) => r.localPort);
  return [...new Set(ports)].sort((a, b) => a - b);
}

/** Local ports of the TCP connections that `pidList` hold to `remotePort`. */
export function connectionPorts(pidList: number[], remotePort: number): number[] {
  if (!hasProcfs()) return [];
  const inodes = socketInodes(pidList);
  return tcpRows()
    .filter((r) => r.remotePort === remotePort && inodes.has(r.inode))
    .map((r) => r.localPort);
}

/** Resident memory of a process in bytes, if known. */
export function rssBytes(pid: number): number | undefined {
  if (!hasProcfs()) return undefined;
  const m = /VmRSS:\s+(\d+) kB/.exec(read(`/proc/${pid}/status`) ?? "");
  return m ? Number(m[1]) * 1024 : undefined;
}

/**
 * Process ids whose working directory is `dir` (learner servers run in their workspace).
 * The runner does not use it; tests do, to find what a run left behind, so it reads
 * /proc in portable mode too.
 */
export function pidsWithCwd(dir: string): number[] {
  return pids().filter((pid) => {
    try {
      return pid !== process.pid && readlinkSync(`/proc/${pid}/cwd`) === dir;
    } catch {
      return false;
    }
  });
}
