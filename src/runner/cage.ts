import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hasCgroups } from "./platform.ts";

/** Memory a learner server may use when the machine allows a cap (MiB); `LABS_MEMORY_MB` overrides. */
export const MEMORY_LIMIT_MB = Number(process.env.LABS_MEMORY_MB ?? 1024);
/** Processes a learner server may have at once (stops fork bombs). */
const PIDS_LIMIT = 512;

const ROOT = "/sys/fs/cgroup";

function ownPath(controller: string): string | undefined {
  try {
    for (const line of readFileSync("/proc/self/cgroup", "utf8").split("\n")) {
      const [, controllers, path] = line.split(":");
      if (controllers?.split(",").includes(controller)) return path;
    }
  } catch {
    // not Linux
  }
  return undefined;
}

function tryWrite(file: string, value: string): boolean {
  try {
    writeFileSync(file, value);
    return true;
  } catch {
    return false;
  }
}

/**
 * A control group (cgroup v1 `pids` and `memory`) that holds one learner
 * server and everything it starts: a child that leaves the process group,
 * starts a new session and clears its environment is still inside, so it is
 * still reaped, and the memory cap holds for Buffers outside V8's heap too.
 * Only where the runner may create cgroups (Linux, root, not in portable
 * mode); elsewhere `Cage.create` gives undefined and the runner relies on
 * process groups and its run marker.
 */
export class Cage {
  private constructor(
    private readonly pidsDir: string,
    private readonly memoryDir?: string,
  ) {}

  /** Creates a cage named `name`, or undefined when the machine does not allow it. */
  static create(name: string): Cage | undefined {
    if (process.env.LABS_NO_CAGE || !hasCgroups()) return undefined;
    const pidsPath = ownPath("pids");
    if (pidsPath === undefined || !existsSync(join(ROOT, "pids"))) return undefined;
    const pidsDir = join(ROOT, "pids", pidsPath, `realtime-labs-${name}`);
    try {
      mkdirSync(pidsDir);
    } catch {
      return undefined;
    }
    tryWrite(join(pidsDir, "pids.max"), String(PIDS_LIMIT));
    let memoryDir: string | undefined;
    const memPath = ownPath("memory");
    if (memPath !== undefined) {
      const dir = join(ROOT, "memory", memPath, `realtime-labs-${name}`);
      try {
        mkdirSync(dir);
        if (tryWrite(join(dir, "memory.limit_in_bytes"), String(MEMORY_LIMIT_MB * 1024 * 1024))) {
          tryWrite(join(dir, "memory.memsw.limit_in_bytes"), String(MEMORY_LIMIT_MB * 1024 * 1024));
          memoryDir = dir;
        } else rmdirSync(dir);
      } catch {
        memoryDir = undefined;
      }
    }
    return new Cage(pidsDir, memoryDir);
  }

  /** Puts a process (and so all it will start) into the cage. */
  add(pid: number): void {
    tryWrite(join(this.pidsDir, "cgroup.procs"), String(pid));
    if (this.memoryDir) tryWrite(join(this.memoryDir, "cgroup.procs"), String(pid));
  }

  /** The `cgroup.procs` files a process writes its own pid to, to enter the cage. */
  procsFiles(): string[] {
    return [this.pidsDir, this.memoryDir]
      .filter((d): d is string => d !== undefined)
      .map((d) => join(d, "cgroup.procs"));
  }

  /** The processes in the cage. */
  pids(): number[] {
    try {
      return readFileSync(join(this.pidsDir, "cgroup.procs"), "utf8")
        .split("\n")
        .filter(Boolean)
        .map(Number);
    } catch {
      return [];
    }
  }

  /** True when the kernel had to refuse memory to the cage (the server hit the cap). */
  hitMemoryLimit(): boolean {
    if (!this.memoryDir) return false;
    const read = (f: string) => {
      try {
        return readFileSync(join(this.memoryDir!, f), "utf8");
      } catch {
        return "";
      }
    };
    const oomKills = Number(/oom_kill (\d+)/.exec(read("memory.oom_control"))?.[1] ?? 0);
    return oomKills > 0 || Number(read("memory.failcnt") || 0) > 0;
  }

  /** Kills everything in the cage, until it is empty (bounded). */
  async killAll(): Promise<void> {
    for (let round = 0; round < 50; round++) {
      const pids = this.pids();
      if (pids.length === 0) return;
      for (const pid of pids) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone already
        }
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Kills what is left and removes the cage. */
  async remove(): Promise<void> {
    await this.killAll();
    for (const dir of [this.pidsDir, this.memoryDir]) {
      if (!dir) continue;
      for (let i = 0; i < 20; i++) {
        try {
          rmdirSync(dir);
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 10));
        }
      }
    }
  }
}
