import { join } from "node:path";
import type { Transcript } from "../checks/transcript.ts";
import type { ServerHandle, Timers } from "../checks/types.ts";
import type { ServerBuilder, StartCommand } from "./build.ts";
import { learnerEnv } from "./environment.ts";
import { LearnerProcess } from "./learner-process.ts";
import { freePort } from "./ports.ts";
import { makeTempDir, removeTempDir } from "./teardown.ts";

/** Settings shared by every instance started during one lesson's check. */
export interface LauncherOptions {
  builder: ServerBuilder;
  transcript: Transcript;
  timers: Timers;
  redisUrl?: string;
  extraEnv?: Record<string, string>;
  readyTimeout?: number;
}

/**
 * Starts instances of the learner's server for one check run, each on its own
 * free port with its own fresh database file in a temporary folder, and stops
 * them all (and removes the folder) at the end.
 */
export class Launcher {
  private readonly running: RunningServer[] = [];
  private command?: StartCommand;
  private tmp?: string;

  constructor(private readonly opts: LauncherOptions) {}

  /** What builds the learner's code (for modules a checker loads too). */
  get builder(): ServerBuilder {
    return this.opts.builder;
  }

  /** All instances started so far. */
  get servers(): readonly RunningServer[] {
    return this.running;
  }

  /** Builds once per run, then starts instance `name` and waits until it listens. */
  async launch(
    name: string,
    env: Record<string, string> = {},
    opts: { port?: number } = {},
  ): Promise<RunningServer> {
    this.command ??= await this.opts.builder.prepare();
    this.tmp ??= await makeTempDir("labs-run-");
    const port = opts.port ?? (await freePort());
    const databasePath = join(this.tmp, `${name.replace(/\W+/g, "-")}-${this.running.length}.db`);
    const proc = new LearnerProcess({
      name,
      command: this.command,
      port,
      transcript: this.opts.transcript,
      readyTimeout: this.opts.readyTimeout,
      env: learnerEnv({
        port,
        databasePath,
        timers: this.opts.timers,
        redisUrl: this.opts.redisUrl,
        extra: { ...this.opts.extraEnv, ...env },
      }),
    });
    const devPort = 3000 + this.running.length;
    // What this instance needs to be started by hand (the first one is the learner's
    // own `npm run dev` on 3000), so that replay lines naming its dev port have a server
    // to talk to. The run's own Redis prefix is left out: instances started by hand share none.
    const { REDIS_PREFIX: _prefix, ...own } = { ...this.opts.extraEnv, ...env };
    const devEnv: Record<string, string> = {
      ...(devPort === 3000
        ? {}
        : { PORT: String(devPort), DATABASE_PATH: `${name.replace(/\W+/g, "-")}.db` }),
      ...Object.fromEntries(Object.entries(this.opts.timers).map(([k, v]) => [k, String(v)])),
      ...(this.opts.redisUrl ? { REDIS_URL: "redis://localhost:6379" } : {}),
      ...own,
    };
    const server = new RunningServer(proc, databasePath, devPort, devEnv);
    this.running.push(server);
    await proc.start();
    return server;
  }

  /** Stops every instance and deletes the run's temporary files. */
  async stopAll(): Promise<void> {
    await Promise.all(this.running.map((s) => s.stop()));
    if (this.tmp) await removeTempDir(this.tmp);
    this.tmp = undefined;
    this.command = undefined;
  }
}

/** A started instance, as steps see it through `ServerHandle`. */
export class RunningServer implements ServerHandle {
  /** True while the runner itself is stopping or killing the process. */
  expectingExit = false;

  constructor(
    readonly process: LearnerProcess,
    readonly databasePath: string,
    readonly devPort = 3000,
    readonly devEnv: Readonly<Record<string, string>> = {},
  ) {}

  get name() {
    return this.process.name;
  }
  get host() {
    return "127.0.0.1";
  }
  get port() {
    return this.process.port;
  }
  get url() {
    return `http://127.0.0.1:${this.port}`;
  }
  get wsUrl() {
    return `ws://127.0.0.1:${this.port}`;
  }
  get env() {
    return this.process.env;
  }
  get pid() {
    return this.process.pid;
  }
  pids(): number[] {
    return this.process.groupPids();
  }
  get alive() {
    return this.process.alive;
  }
  outputTail(n = 20): string[] {
    return this.process.output.tail(n);
  }
  async kill(): Promise<void> {
    this.expectingExit = true;
    await this.process.kill();
  }
  async stop(): Promise<void> {
    this.expectingExit = true;
    await this.process.stop();
  }
  async restart(): Promise<void> {
    await this.stop();
    await this.process.start();
    this.expectingExit = false;
  }
}
