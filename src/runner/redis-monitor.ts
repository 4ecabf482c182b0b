import { excerpt, type Transcript } from "../checks/transcript.ts";
import { hasProcfs } from "./platform.ts";
import { connectionPorts } from "./procfs.ts";

/**
 * Watches a run's Redis with MONITOR and writes into the transcript what the
 * learner's servers send it (PUBLISH, SET, PEXPIRE …) on the run's keys and
 * channels, attributed to the server instance that sent it — the runner's own
 * clients cannot see that traffic, and lesson 16's sequence diagrams need it.
 *
 * Best effort throughout: it never throws, never prints, and outlives Redis
 * restarts by connecting again; a command it cannot attribute is left out.
 * Commands are attributed by the servers' sockets in /proc: without it (not
 * Linux, or LABS_PORTABLE) none could be, so the transcript says so instead.
 */

/** Lines one monitor writes before it says the rest is not shown (and stops watching). */
const MAX_LINES = 400;
/** How soon a lost connection is tried again. */
const RETRY_MS = 100;
/** How often, at most, the servers' connections are looked up again after an unknown client address. */
const LOOKUP_EVERY_MS = 100;
/** How long a client address found not to be a server's is taken as such without looking again. */
const STRANGER_MS = 1000;
/** How long one connection attempt may take (a local Redis answers or refuses at once). */
const CONNECT_TIMEOUT_MS = 1000;

/** Commands that are not worth a line even on the run's keys or channels: subscriptions, connection chatter, reads. */
const IGNORED = new Set([
  "SUBSCRIBE",
  "PSUBSCRIBE",
  "SSUBSCRIBE",
  "UNSUBSCRIBE",
  "PUNSUBSCRIBE",
  "SUNSUBSCRIBE",
  "PING",
  "CLIENT",
  "INFO",
  "HELLO",
  "SELECT",
  "AUTH",
  "COMMAND",
  "QUIT",
  "RESET",
  "MONITOR",
  // Reads change nothing: the diagram shows what the servers tell Redis and each other.
  ...["GET", "MGET", "GETRANGE", "STRLEN", "EXISTS", "TTL", "PTTL", "TYPE", "KEYS", "SCAN", "DUMP"],
  ...["HGET", "HMGET", "HGETALL", "HKEYS", "HVALS", "HLEN", "HEXISTS", "HSCAN"],
  ...["SMEMBERS", "SISMEMBER", "SMISMEMBER", "SCARD", "SSCAN", "SRANDMEMBER"],
  ...["ZRANGE", "ZRANGEBYSCORE", "ZREVRANGE", "ZREVRANGEBYSCORE", "ZSCORE", "ZMSCORE"],
  ...["ZCARD", "ZCOUNT", "ZRANK", "ZREVRANK", "ZSCAN", "LRANGE", "LLEN", "LINDEX"],
  ...["PUBSUB", "OBJECT"],
]);

type CreateClient = typeof import("redis").createClient;
type Client = ReturnType<CreateClient>;

export interface RedisMonitorServer {
  /** As the transcript names it: `your server`, `server B`. */
  name: string;
  /** The pids of its processes (those that may hold its connections to Redis). */
  pids: () => number[];
}

export interface RedisMonitor {
  /** Closes the connection and any retry timer; idempotent, and quick even when Redis is down. */
  stop(): Promise<void>;
}

/** One command as MONITOR reports it: the sending client's port and the command's words. */
export interface MonitoredCommand {
  /** The local port of the sender's connection; undefined for Lua scripts and Unix sockets. */
  port?: number;
  args: string[];
  /** When Redis ran it (ms since the epoch, from the line's timestamp). */
  at?: number;
}

/**
 * Parses a MONITOR line, e.g. `1700000000.123456 [0 127.0.0.1:54321] "PUBLISH" "ch" "a\"b"`.
 * Arguments come quoted and escaped the way Redis's `sdscatrepr` does it (`\"`,
 * `\\`, `\n`, `\r`, `\t`, `\a`, `\b`, `\xHH` for every other byte outside
 * printable ASCII, so UTF-8 text comes as `\xc3\xa9`); they are given back decoded.
 */
export function parseMonitorLine(line: string): MonitoredCommand | undefined {
  const head = /^(\d+(?:\.\d+)?) \[\d+ (\S+)\] /.exec(line);
  if (!head) return undefined;
  const portMatch = /:(\d+)$/.exec(head[2]);
  const args: string[] = [];
  let i = head[0].length;
  while (i < line.length) {
    if (line[i] === " ") {
      i++;
      continue;
    }
    if (line[i] !== '"') {
      // Not how Redis writes arguments; take the word as it stands.
      const space = line.indexOf(" ", i);
      const end = space < 0 ? line.length : space;
      args.push(line.slice(i, end));
      i = end;
      continue;
    }
    i++;
    const bytes: number[] = [];
    while (i < line.length && line[i] !== '"') {
      const c = line.charCodeAt(i);
      if (line[i] === "\\" && i + 1 < line.length) {
        const e = line[i + 1];
        const hex = e === "x" ? /^[0-9a-fA-F]{2}/.exec(line.slice(i + 2, i + 4)) : null;
        if (hex) {
          bytes.push(Number.parseInt(hex[0], 16));
          i += 4;
          continue;
        }
        const named: Record<string, number> = { n: 10, r: 13, t: 9, a: 7, b: 8 };
        bytes.push(named[e] ?? e.charCodeAt(0));
        i += 2;
        continue;
      }
      if (c < 0x80) bytes.push(c);
      else bytes.push(...Buffer.from(line[i], "utf8"));
      i++;
    }
    i++; // the closing quote
    args.push(Buffer.from(bytes).toString("utf8"));
  }
  if (args.length === 0) return undefined;
  return { port: portMatch ? Number(portMatch[1]) : undefined, args, at: Number(head[1]) * 1000 };
}

/**
 * Starts watching the run's Redis at `url`. Resolves once the first attempt to
 * connect is over (watching, or retrying in the background), so that what the
 * servers send from then on is seen.
 */
export async function monitorRedis(opts: {
  url: string;
  prefix: string;
  transcript: Transcript;
  servers: () => readonly RedisMonitorServer[];
}): Promise<RedisMonitor> {
  const { url, prefix, transcript } = opts;
  if (!hasProcfs()) {
    transcript.add(
      "redis",
      "info",
      "the Redis commands your servers send are not shown: on this system the runner cannot tell which connection is whose",
    );
    return { stop: async () => {} };
  }
  let createClient: CreateClient;
  let ErrorReply: typeof import("redis").ErrorReply;
  let redisPort: number;
  try {
    ({ createClient, ErrorReply } = await import("redis"));
    redisPort = Number(new URL(url).port || 6379);
  } catch {
    return { stop: async () => {} };
  }

  let stopped = false;
  /**
   * Done watching: the cap is reached, or Redis refuses MONITOR (an ACL without it, say);
   * the connection is closed and not opened again.
   */
  let finished = false;
  let shown = 0;
  let client: Client | undefined;
  let retry: NodeJS.Timeout | undefined;

  // --- who sent it: client port → server name -------------------------------
  const owners = new Map<number, string>();
  /** Ports found not to be a server's, and when. */
  const strangers = new Map<number, number>();
  let lookedUpAt = Number.NEGATIVE_INFINITY;
  /** Commands waiting for the next lookup (kept in order: later ones wait behind them). */
  let waiting: { port: number; args: string[]; at?: number }[] = [];
  let waitTimer: NodeJS.Timeout | undefined;

  const lookUp = () => {
    lookedUpAt = performance.now();
    let servers: readonly RedisMonitorServer[] = [];
    try {
      servers = opts.servers();
    } catch {
      return;
    }
    for (const s of servers) {
      try {
        for (const port of connectionPorts(s.pids(), redisPort)) {
          owners.set(port, s.name);
          strangers.delete(port);
        }
      } catch {
        // that server's processes are gone or unreadable
      }
    }
  };

  /** The server that holds `port`; null when it is none of them; undefined when it cannot be told yet. */
  const ownerOf = (port: number): string | null | undefined => {
    const known = owners.get(port);
    if (known !== undefined) return known;
    const now = performance.now();
    const since = strangers.get(port);
    if (since !== undefined && now - since < STRANGER_MS) return null;
    if (now - lookedUpAt < LOOKUP_EVERY_MS) return undefined;
    lookUp();
    const found = owners.get(port);
    if (found !== undefined) return found;
    strangers.set(port, now);
    return null;
  };

  const drainWaiting = () => {
    clearTimeout(waitTimer);
    waitTimer = undefined;
    const batch = waiting;
    waiting = [];
    // One lookup for the whole batch: every port in it was unknown or behind one that was.
    lookUp();
    const now = performance.now();
    for (const w of batch) {
      const who = owners.get(w.port);
      if (who) write(who, w.args, w.at);
      else strangers.set(w.port, now);
    }
  };

  // --- writing lines ----------------------------------------------------------
  const write = (who: string, args: string[], at?: number) => {
    if (finished || stopped) return;
    try {
      if (shown >= MAX_LINES) {
        finished = true;
        transcript.add(
          "redis",
          "info",
          `further Redis commands of your servers are not shown (${MAX_LINES} shown)`,
        );
        close();
        return;
      }
      shown++;
      const name = excerpt(args[0].toUpperCase(), 40);
      const words = args.slice(1).map((a) => excerpt(a.split(prefix).join(""), 160));
      const text = excerpt([name, ...words].join(" "), 300);
      // placed at the time Redis ran it, not when its MONITOR line came, so that a
      // PUBLISH comes before the deliveries it caused
      transcript.add(
        who,
        "send",
        text,
        {
          peer: "redis",
          message: name === "PUBLISH" || name === "SPUBLISH" ? "publish" : "command",
        },
        at,
      );
    } catch {
      // a reporter's listener failed; the monitor must not take the check down with it
    }
  };

  const onLine = (reply: unknown) => {
    if (stopped || finished) return;
    try {
      const cmd = parseMonitorLine(String(reply));
      if (!cmd || cmd.port === undefined) return; // Lua scripts, Unix sockets: not a server's connection
      if (IGNORED.has(cmd.args[0].toUpperCase())) return;
      if (!cmd.args.slice(1).some((a) => a.startsWith(prefix))) return;
      const entry = { port: cmd.port, args: cmd.args, at: cmd.at };
      if (waiting.length > 0) {
        waiting.push(entry);
        return;
      }
      const who = ownerOf(entry.port);
      if (who) write(who, entry.args, entry.at);
      else if (who === undefined) {
        // Looked up less than LOOKUP_EVERY_MS ago (a server that just connected, say, next to
        // another): wait for the next lookup rather than dropping it.
        waiting.push(entry);
        const wait = Math.max(0, lookedUpAt + LOOKUP_EVERY_MS - performance.now());
        waitTimer = setTimeout(drainWaiting, wait);
        waitTimer.unref();
      }
    } catch {
      // a line we could not read
    }
  };

  // --- the connection ---------------------------------------------------------
  const discard = (c: Client) => {
    try {
      c.destroy();
    } catch {
      // already closed
    }
  };

  const close = () => {
    clearTimeout(retry);
    retry = undefined;
    const c = client;
    client = undefined;
    if (c) discard(c);
  };

  const lost = (c: Client) => {
    if (client !== c) return;
    client = undefined;
    discard(c);
    if (stopped || finished) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, RETRY_MS);
    retry.unref();
  };

  const connect = async (): Promise<void> => {
    if (stopped || finished) return;
    let c: Client;
    try {
      c = createClient({
        url,
        socket: { reconnectStrategy: false, connectTimeout: CONNECT_TIMEOUT_MS },
        // Not a client of the course: no offline queue, no lib-name announcements to wait for.
        disableOfflineQueue: true,
        disableClientInfo: true,
      });
      // Kept referenced: a check awaits this connection with nothing else in the event loop
      // (an unreferenced socket would let Node exit mid-await); stop() always closes it.
      c.on("error", () => lost(c));
    } catch {
      return;
    }
    client = c;
    try {
      await c.connect();
      if (client !== c) return;
      // A new connection (after a restart, say): the servers' connections are new too.
      owners.clear();
      strangers.clear();
      await c.monitor(onLine);
    } catch (e) {
      // Redis answered, and not with MONITOR: asking again every 100 ms would not change that.
      if (e instanceof ErrorReply && !/^(LOADING|BUSY|TRYAGAIN)\b/.test(e.message)) finished = true;
      lost(c);
    }
  };

  // A Redis that takes the connection but never answers must not hold the check up.
  let firstTimer: NodeJS.Timeout | undefined;
  await Promise.race([
    connect(),
    new Promise<void>((resolve) => {
      firstTimer = setTimeout(resolve, CONNECT_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(firstTimer);

  return {
    stop: async () => {
      if (stopped) return;
      // Commands seen before the stop but still waiting to be attributed get their lines now.
      try {
        if (waiting.length) drainWaiting();
      } catch {
        // nothing to do about it
      }
      stopped = true;
      clearTimeout(waitTimer);
      waitTimer = undefined;
      close();
    },
  };
}
