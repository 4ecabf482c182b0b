import type { ChildProcess } from "node:child_process";
import type { Transcript } from "../checks/transcript.ts";
import { LearnerError } from "../errors.ts";
import type { StartCommand } from "./build.ts";
import { type Cage, MEMORY_LIMIT_MB } from "./cage.ts";
import { RUN_MARKER } from "./marker.ts";
import { OutputCapture } from "./output-capture.ts";
import { hasProcfs } from "./platform.ts";
import { canConnect } from "./ports.ts";
import { listeningPorts, pidsWithEnv } from "./procfs.ts";
import { signalOfStatus } from "./sandbox.ts";
import { killGroup, killLearnerNow, reapLearner, spawnLearner } from "./spawn-learner.ts";
import { entryUrl } from "./warm-pool.ts";

/** How one learner process is started and bounded. */
export interface LearnerProcessOptions {
  /** Transcript label: `your server`, `server A` … */
  name: string;
  command: StartCommand;
  env: Record<string, string>;
  port: number;
  transcript: Transcript;
  /** How long the server may take to accept connections (ms). */
  readyTimeout?: number;
  /** SIGTERM → SIGKILL grace (ms). srvx's own graceful shutdown takes ≥1 s, so keep this short. */
  stopGrace?: number;
}

/** How a learner process ended. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the process was refused memory at the runner's cap. */
  memoryLimit?: boolean;
}

/**
 * How a process ended, as node reports it. In the sandbox the learner's process
 * is a child of the sandbox's PID 1, whose exit code carries a signal as 128 + n.
 */
export function statusOf(
  code: number | null,
  signal: NodeJS.Signals | null,
  sandboxed: boolean,
): ExitInfo {
  const fromCode = sandboxed ? signalOfStatus(code) : undefined;
  return fromCode ? { code: null, signal: fromCode } : { code, signal };
}

/** How a process ended, in words. */
export function describeExit(info: ExitInfo): string {
  if (info.memoryLimit) return `was killed: it used more than ${MEMORY_LIMIT_MB} MiB of memory`;
  return info.signal ? `was killed by ${info.signal}` : `exited with code ${info.code}`;
}

/** Learner processes started and not yet reaped (one that exited may have left strays in its cage). */
const live = new Set<LearnerProcess>();

/**
 * Kills every learner process this runner started that is still alive, at once
 * and synchronously: for an exit the runner did not plan (a closed terminal,
 * SIGTERM from CI), when there is no time to stop them one by one.
 */
export function killAllNow(): void {
  for (const p of live) p.killNow();
  live.clear();
}

/**
 * Kills every learner process this runner started that is still alive, and
 * waits for each to end and be reaped (its cage emptied and removed, strays
 * that left its group killed): the teardown after a signal, which has a moment.
 */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.kill()));
}

/**
 * One running learner server: spawned in its own process group, output captured
 * and capped, readiness probed on its port, stopped by signalling the whole group
 * and then reaping anything that still carries the run's marker.
 */
export class LearnerProcess {
  readonly name: string;
  readonly port: number;
  readonly env: Record<string, string>;
  readonly output: OutputCapture;
  private child?: ChildProcess;
  private exitInfo?: ExitInfo;
  private exitPromise?: Promise<ExitInfo>;
  private marker = "";
  private stopping = false;
  private cage?: Cage;
  private sandboxed = false;

  constructor(private readonly opts: LearnerProcessOptions) {
    this.name = opts.name;
    this.port = opts.port;
    this.env = { ...opts.env, PORT: String(opts.port) };
    this.output = new OutputCapture(opts.name, opts.transcript);
  }

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  get alive(): boolean {
    return this.child !== undefined && this.exitInfo === undefined;
  }

  /** Resolves when the process has exited (immediately if it has). */
  exited(): Promise<ExitInfo> {
    return this.exitPromise ?? Promise.resolve({ code: null, signal: null });
  }

  /** Spawns the process and waits until its port accepts connections. */
  async start(): Promise<void> {
    this.exitInfo = undefined;
    this.stopping = false;
    await this.checkPortFree();
    const { command } = this.opts;
    const spare = command.warm && command.entry ? await command.warm.take() : undefined;
    const started =
      spare ?? spawnLearner({ nodeArgs: command.args, cwd: command.cwd, env: this.env });
    const child = started.child;
    this.marker = started.marker;
    this.cage = started.cage;
    this.sandboxed = started.sandboxed;
    if (spare) child.send({ env: this.env, entry: entryUrl(command.entry!) });
    this.child = child;
    live.add(this);
    this.output.attach(child.stdout!, child.stderr!);
    this.exitPromise = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exitInfo = {
          ...statusOf(code, signal, this.sandboxed),
          memoryLimit: this.cage?.hitMemoryLimit(),
        };
        resolve(this.exitInfo);
      });
      child.once("error", () => {
        this.exitInfo = { code: null, signal: null };
        resolve(this.exitInfo);
      });
      if (child.exitCode !== null || child.signalCode !== null) {
        this.exitInfo = { code: child.exitCode, signal: child.signalCode };
        resolve(this.exitInfo);
      }
    });
    await this.waitReady();
  }

  private async waitReady(): Promise<void> {
    const timeout = this.opts.readyTimeout ?? 8000;
    const deadline = performance.now() + timeout;
    // Connecting to a port nobody listens on fails at once, so trying often is cheap,
    // and the sooner a listening server is seen the sooner its check starts.
    let delay = 2;
    while (performance.now() < deadline) {
      if (this.exitInfo) throw this.exitedEarly();
      if (await canConnect(this.port, "127.0.0.1", 250)) {
        await this.checkPortOwner();
        return;
      }
      if (this.exitInfo) throw this.exitedEarly();
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 1.25, 25);
    }
    const ports = listeningPorts(this.groupPids()).filter((p) => p !== this.port);
    const tail = this.output.tail(15);
    await this.stop();
    const details = tail.length
      ? ["Last lines of your server's output:", ...tail]
      : ["Your server printed nothing."];
    if (!hasProcfs()) {
      // Without /proc the runner cannot see which port it does listen on: it says so.
      throw new LearnerError(
        "SERVER_NEVER_LISTENED",
        `Your server was still running after ${timeout} ms but never accepted a connection on port ${this.port} (the PORT it was given). On this system the runner cannot tell which port it listens on instead, if any.`,
        {
          hint: "If it listens on another port, read the port from the environment: `const port = Number(process.env.PORT ?? 3000)` and pass it to serve({ port }). Otherwise make sure src/server.ts calls serve({ fetch: app.fetch, port }) and that nothing before it blocks (an endless loop, a promise that never settles, a top-level await on something that never answers).",
          details,
        },
      );
    }
    if (ports.length > 0) {
      throw new LearnerError(
        "SERVER_WRONG_PORT",
        `Your server is listening on port ${ports.join(", ")}, but the runner gave it PORT=${this.port}.`,
        {
          hint: "Read the port from the environment: `const port = Number(process.env.PORT ?? 3000)` and pass it to serve({ port }).",
          details: tail.length ? ["Last lines of your server's output:", ...tail] : [],
        },
      );
    }
    throw new LearnerError(
      "SERVER_NEVER_LISTENED",
      `Your server was still running after ${timeout} ms but never accepted a connection on port ${this.port}.`,
      {
        hint: "Make sure src/server.ts calls serve({ fetch: app.fetch, port }) and that nothing before it blocks (an endless loop, a promise that never settles, a top-level await on something that never answers).",
        details,
      },
    );
  }

  /**
   * Something answers on the port; make sure it is this server and not another
   * process squatting the port meant for it. Where /proc tells (Linux), by the
   * sockets its processes hold; elsewhere `checkPortFree` has looked before the start.
   */
  private async checkPortOwner(): Promise<void> {
    if (!hasProcfs()) return;
    for (let i = 0; i < 20; i++) {
      if (this.exitInfo) throw this.exitedEarly();
      if (listeningPorts(this.groupPids()).includes(this.port)) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    await this.stop();
    throw this.portTaken();
  }

  /**
   * Without /proc, who holds a port cannot be told once the server runs, so the
   * port is probed before it starts: what answers then is another process's.
   * (One that takes the port later makes the server fail to listen: SERVER_EXITED.)
   */
  private async checkPortFree(): Promise<void> {
    if (hasProcfs()) return;
    if (await canConnect(this.port, "127.0.0.1", 250)) throw this.portTaken();
  }

  private portTaken(): LearnerError {
    return new LearnerError(
      "SERVER_PORT_TAKEN",
      `Port ${this.port} answers, but not from ${this.name}: another process holds it.`,
      {
        hint: "Your server must listen only on the PORT it is given. If another program of yours is running, stop it.",
        details: this.output.tail(10),
      },
    );
  }

  private exitedEarly(): LearnerError {
    const { code } = this.exitInfo!;
    const how = describeExit(this.exitInfo!);
    const tail = this.output.tail(20);
    return new LearnerError(
      "SERVER_EXITED",
      `Your server ${how} before it accepted connections on port ${this.port}.`,
      {
        hint:
          code === 0
            ? "A server must keep running: check that src/server.ts starts listening (serve(...)) instead of finishing."
            : "Read the error above: it is the last thing your server printed. Fix it and save.",
        details: tail.length
          ? ["Last lines of your server's output:", ...tail]
          : ["Your server printed nothing."],
      },
    );
  }

  /** The pids of this run: the process group leader plus anything carrying the run's marker. */
  groupPids(): number[] {
    const found = new Set(pidsWithEnv(RUN_MARKER, this.marker));
    if (this.alive && this.pid > 0) found.add(this.pid);
    return [...found];
  }

  /** SIGTERM to the group, a short grace, then SIGKILL; finally reaps strays that left the group. */
  async stop(grace = this.opts.stopGrace ?? 200): Promise<void> {
    if (!this.child || this.stopping) {
      await this.exited();
      return;
    }
    this.stopping = true;
    if (this.alive) {
      killGroup(this.pid, "SIGTERM");
      const exited = await Promise.race([
        this.exited().then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), grace)),
      ]);
      if (!exited) killGroup(this.pid);
    }
    await this.exited();
    await this.reap();
    await this.output.flush();
  }

  /** SIGKILL to the group at once (a crash, as scaling-real-time needs). */
  async kill(): Promise<void> {
    if (!this.child) return;
    this.stopping = true;
    if (this.alive) killGroup(this.pid);
    await this.exited();
    await this.reap();
  }

  /** SIGKILL to the group and the cage, synchronously (used on the runner's own exit). */
  killNow(): void {
    // the group only while its leader lives: a pid that has ended may name someone else's group
    killLearnerNow(this.alive ? this.pid : undefined, this.cage);
  }

  private async reap(): Promise<void> {
    await reapLearner(this.pid, this.cage, this.marker);
    this.cage = undefined;
    live.delete(this);
  }
}
