/**
 * Helpers shared by the WebSocket labs (9-13 and later): logged-in sockets that
 * stay valid once the server asks for a session cookie, the small message
 * protocol of the course (echo, join/joined, leave/left, task events), the
 * hand-made handshake of how-websockets-work checked byte by byte, many quiet sockets at
 * once, and loading a module the learner wrote from the workspace.
 */
import { createHash, randomBytes } from "node:crypto";
import { check, fail, show } from "./assert.ts";
import { describeBytes, type RawExchangeResult, rawExchange, websocketAccept } from "./raw-http.ts";
import { describesTask, isObject, type Json } from "./taskboard.ts";
import type { Logger } from "./transcript.ts";
import type { ServerHandle, StepContext, WsClient } from "./types.ts";
import { openWs } from "./ws-client.ts";

/** The user the WebSocket labs log in as unless a step says otherwise. */
export const ALICE = "alice@example.com";

/** The GUID RFC 6455 appends to the key before hashing. */
export const WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/**
 * The Cookie header for `email` on `server`, or undefined while the server has no
 * `/login` (labs before 12). Logged in once per server process and reused.
 */
export async function sessionCookie(
  h: StepContext,
  email = ALICE,
  server: ServerHandle = h.server,
): Promise<string | undefined> {
  const key = `ws-steps:cookie:${server.pid}:${email}`;
  if (h.state.has(key)) return h.state.get(key) as string | undefined;
  const cookie = await h.login(email, server);
  h.state.set(key, cookie);
  return cookie;
}

/** Opens `/ws` (logged in as `email` when the server has `/login`). */
export async function openSocket(
  h: StepContext,
  name: string,
  opts: { email?: string; autoPong?: boolean; server?: ServerHandle } = {},
): Promise<WsClient> {
  const cookie = await sessionCookie(h, opts.email ?? ALICE, opts.server);
  return h.ws("/ws", { name, cookie, autoPong: opts.autoPong, server: opts.server });
}

/** A predicate for messages `{ type, … }` that also pass `more`. */
export function ofType(type: string, more: (m: Json) => boolean = () => true) {
  return (m: unknown): boolean => isObject(m) && m.type === type && more(m);
}

/** A predicate for the task event `type` about `taskId` (`{ type, task }` or `{ type, taskId }`). */
export function taskEvent(type: string, taskId: string) {
  return (m: unknown): boolean => isObject(m) && m.type === type && describesTask(m, taskId);
}

/** A predicate for `{ error: … }` messages (optionally with exactly `text`). */
export function errorMessage(text?: string) {
  return (m: unknown): boolean =>
    isObject(m) && m.error !== undefined && (text === undefined || m.error === text);
}

/** True for what the kit's WsClient records for a binary message: `{ binary: <bytes> }`. */
export function isBinaryRecord(m: unknown): boolean {
  return isObject(m) && Object.keys(m).length === 1 && typeof m.binary === "number";
}

/** Sends `{ type: "echo", text }` and waits for the same text to come back. */
export async function echo(ws: WsClient, text: string, timeout = 2000): Promise<void> {
  ws.send({ type: "echo", text });
  const shown = text.length > 40 ? `${text.slice(0, 20)}… (${text.length} chars)` : text;
  await ws.next(
    ofType("echo", (m) => m.text === text),
    {
      timeout,
      what: `the echo {"type":"echo","text":"${shown}"}`,
    },
  );
}

/** Sends `join` and waits for `{ type: "joined", boardId }`; returns that answer. */
export async function joinBoard(ws: WsClient, boardId: string, timeout = 2000): Promise<Json> {
  ws.send({ type: "join", boardId });
  return ws.next<Json>(
    ofType("joined", (m) => m.boardId === boardId),
    { timeout, what: `the answer {"type":"joined","boardId":"${boardId}",…}` },
  );
}

/** Sends `leave` and waits for `{ type: "left", boardId }`. */
export async function leaveBoard(ws: WsClient, boardId: string, timeout = 2000): Promise<void> {
  ws.send({ type: "leave", boardId });
  await ws.next(
    ofType("left", (m) => m.boardId === boardId),
    {
      timeout,
      what: `the answer {"type":"left","boardId":"${boardId}"}`,
    },
  );
}

/** The `size` a `joined` answer reports, failing when it is not a number. */
export function roomSizeOf(joined: Json): number {
  check(
    typeof joined.size === "number",
    "The joined answer does not say how many sockets are in the room.",
    {
      expected: '{ "type": "joined", "boardId": …, "size": getRoomSize(boardId) }',
      received: show(joined),
    },
  );
  return joined.size;
}

/**
 * Leaves and re-joins `boardId` until the reported room size is `expected`, for up to
 * `withinMs` (the server may notice a close a moment after the client). Returns the
 * last size seen.
 */
export async function settleRoomSize(
  ws: WsClient,
  boardId: string,
  expected: number,
  withinMs = 1000,
): Promise<number> {
  const until = performance.now() + withinMs;
  let size = roomSizeOf(await joinBoard(ws, boardId));
  while (size !== expected && performance.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    await leaveBoard(ws, boardId);
    size = roomSizeOf(await joinBoard(ws, boardId));
  }
  return size;
}

const SILENT: Logger = {
  actor: "quiet",
  info() {},
  send() {},
  recv() {},
  pass() {},
  curl() {},
};

/**
 * Opens `count` sockets to `/ws` in batches of `batch`, without writing each one to
 * the transcript; they are dropped when the run ends.
 */
export async function openQuietSockets(
  h: StepContext,
  count: number,
  opts: { cookie?: string; batch?: number; server?: ServerHandle } = {},
): Promise<WsClient[]> {
  const server = opts.server ?? h.server;
  const batch = opts.batch ?? 25;
  const sockets: WsClient[] = [];
  h.onTeardown(() => {
    for (const ws of sockets) ws.terminate();
  });
  for (let i = 0; i < count; i += batch) {
    const n = Math.min(batch, count - i);
    const opened = await Promise.all(
      Array.from({ length: n }, (_, j) =>
        openWs(`${server.wsUrl}/ws`, {
          name: `quiet-${i + j + 1}`,
          logger: SILENT,
          cookie: opts.cookie,
          timeout: 5000,
        }),
      ),
    );
    sockets.push(...opened);
  }
  return sockets;
}

// ---------------------------------------------------------------------------
// The hand-made handshake (how-websockets-work), spoken over raw TCP.

/** A fresh Sec-WebSocket-Key: 16 random bytes in base64. */
export function randomKey(): string {
  return randomBytes(16).toString("base64");
}

/** Options of a raw upgrade request; `null` leaves a header out. */
export interface RawUpgradeOptions {
  key?: string | null;
  version?: string | null;
  cookie?: string;
  headers?: Record<string, string>;
}

/** The bytes of a WebSocket upgrade request for `path`. */
export function upgradeRequest(
  server: ServerHandle,
  path: string,
  opts: RawUpgradeOptions = {},
): string {
  const lines = [
    `GET ${path} HTTP/1.1`,
    `Host: ${server.host}:${server.port}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
  ];
  if (opts.key !== null) lines.push(`Sec-WebSocket-Key: ${opts.key ?? randomKey()}`);
  if (opts.version !== null) lines.push(`Sec-WebSocket-Version: ${opts.version ?? "13"}`);
  if (opts.cookie) lines.push(`Cookie: ${opts.cookie}`);
  for (const [name, value] of Object.entries(opts.headers ?? {})) lines.push(`${name}: ${value}`);
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/** One WebSocket frame taken apart (the payload unmasked if it was masked). */
export interface Frame {
  fin: boolean;
  /** The three RSV bits as a number (0 unless an extension was agreed). */
  rsv: number;
  opcode: number;
  masked: boolean;
  /** The payload length the header announces. */
  length: number;
  headerLength: number;
  /** The payload bytes that arrived (all of them when `complete`). */
  payload: Buffer;
  complete: boolean;
}

/** Reads the frame at the start of `bytes`; undefined while even its header is incomplete. */
export function decodeFrame(bytes: Buffer): Frame | undefined {
  if (bytes.length < 2) return undefined;
  const fin = (bytes[0] & 0x80) !== 0;
  const rsv = (bytes[0] >> 4) & 0x07;
  const opcode = bytes[0] & 0x0f;
  const masked = (bytes[1] & 0x80) !== 0;
  let length = bytes[1] & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (bytes.length < 4) return undefined;
    length = bytes.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (bytes.length < 10) return undefined;
    length = Number(bytes.readBigUInt64BE(2));
    offset = 10;
  }
  let mask: Buffer | undefined;
  if (masked) {
    if (bytes.length < offset + 4) return undefined;
    mask = bytes.subarray(offset, offset + 4);
    offset += 4;
  }
  const available = Math.max(0, Math.min(length, bytes.length - offset));
  const payload = Buffer.from(bytes.subarray(offset, offset + available));
  if (mask) for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
  return {
    fin,
    rsv,
    opcode,
    masked,
    length,
    headerLength: offset,
    payload,
    complete: bytes.length - offset >= length,
  };
}

const HEAD_END = Buffer.from("\r\n\r\n");

/** True once `bytes` hold an HTTP head and one complete frame after it. */
export function headAndFrameArrived(bytes: Buffer): boolean {
  const end = bytes.indexOf(HEAD_END);
  if (end < 0) return false;
  return decodeFrame(bytes.subarray(end + HEAD_END.length))?.complete === true;
}

/** Sends a raw upgrade request for `path` and reads the answer (and, if asked, one frame). */
export function rawUpgrade(
  h: StepContext,
  path: string,
  opts: RawUpgradeOptions & { untilFrame?: boolean; actor?: string; timeout?: number } = {},
): Promise<RawExchangeResult> {
  return rawExchange(h.server.host, h.server.port, upgradeRequest(h.server, path, opts), {
    logger: h.actor(opts.actor ?? "raw"),
    timeout: opts.timeout ?? 2000,
    until: opts.untilFrame ? headAndFrameArrived : undefined,
  });
}

/** What came back, for a failure message: the escaped bytes, or why there were none. */
export function describeAnswer(res: RawExchangeResult, part: Buffer = res.bytes): string {
  if (res.bytes.length === 0) {
    return res.socketClosed
      ? "nothing: the server closed the connection without answering"
      : "nothing within 2 s";
  }
  return `\n${describeBytes(part, 1500)}`;
}

/** Fails unless the answer's status line is `HTTP/1.1 101 …`. */
export function checkSwitchingProtocols(res: RawExchangeResult, path: string): void {
  check(res.status === 101, `GET ${path} with an upgrade request did not answer 101.`, {
    expected: "a status line HTTP/1.1 101 Switching Protocols",
    received: describeAnswer(res, res.headerBytes),
  });
  check(res.statusLine.startsWith("HTTP/1.1 "), "The 101 answer does not start with HTTP/1.1.", {
    expected: "HTTP/1.1 101 Switching Protocols",
    received: JSON.stringify(res.statusLine),
  });
}

/** Fails unless the 101 carries `Upgrade: websocket` and `Connection: Upgrade`. */
export function checkUpgradeHeaders(res: RawExchangeResult): void {
  const upgrade = res.headers.upgrade;
  check(
    upgrade !== undefined && upgrade.trim().toLowerCase() === "websocket",
    "The 101 answer lacks the header Upgrade: websocket.",
    {
      expected: "Upgrade: websocket",
      received:
        upgrade === undefined ? describeAnswer(res, res.headerBytes) : `Upgrade: ${upgrade}`,
    },
  );
  const connection = res.headers.connection;
  const tokens = (connection ?? "").split(",").map((t) => t.trim().toLowerCase());
  check(tokens.includes("upgrade"), "The 101 answer lacks the header Connection: Upgrade.", {
    expected: "Connection: Upgrade",
    received:
      connection === undefined ? describeAnswer(res, res.headerBytes) : `Connection: ${connection}`,
  });
}

/** The steps from a key to its accept value, written out for a learner. */
export function explainAccept(key: string): string {
  const sha1 = createHash("sha1").update(key + WS_GUID);
  const digest = sha1.digest();
  return [
    "",
    `  key             ${key}`,
    `  key + GUID      ${key}${WS_GUID}`,
    `  SHA-1 (hex)     ${digest.toString("hex")}   (20 bytes)`,
    `  base64 of those 20 bytes = ${digest.toString("base64")}`,
  ].join("\n");
}

/** A guess at what went wrong when `value` is not the accept value of `key`. */
function acceptMistake(key: string, value: string): string | undefined {
  const sha1 = (text: string) => createHash("sha1").update(text);
  if (value === sha1(key).digest("base64"))
    return "It is the hash of the key alone: append the GUID before hashing.";
  if (value === sha1(key + WS_GUID).digest("hex"))
    return "It is the hex digest: the header wants the raw 20 bytes in base64.";
  if (value === Buffer.from(sha1(key + WS_GUID).digest("hex")).toString("base64")) {
    return "It is the hex string encoded again in base64: base64-encode the raw digest bytes instead.";
  }
  if (value === sha1(Buffer.from(key, "base64").toString("latin1") + WS_GUID).digest("base64")) {
    return "The key was base64-decoded first: hash the key exactly as it was sent, as text.";
  }
  return undefined;
}

/** Fails unless the Sec-WebSocket-Accept header matches `key` byte for byte. */
export function checkAccept(res: RawExchangeResult, key: string): void {
  const expected = websocketAccept(key);
  const head = res.headerBytes.toString("latin1");
  const line = head.split("\r\n").find((l) => /^sec-websocket-accept\s*:/i.test(l));
  if (line === undefined) {
    fail("The 101 answer has no Sec-WebSocket-Accept header.", {
      expected: `Sec-WebSocket-Accept: ${expected}, computed as:${explainAccept(key)}`,
      received: describeAnswer(res, res.headerBytes),
    });
  }
  const value = line.slice(line.indexOf(":") + 1).trim();
  if (value !== expected) {
    const mistake = acceptMistake(key, value);
    fail(`Sec-WebSocket-Accept is wrong for the key ${key}.${mistake ? ` ${mistake}` : ""}`, {
      expected: `Sec-WebSocket-Accept: ${expected}, computed as:${explainAccept(key)}`,
      received: `the header line, byte by byte: ${describeBytes(Buffer.from(line, "latin1"))}\nThe whole head:\n${describeBytes(res.headerBytes)}`,
    });
  }
}

const OPCODES: Record<number, string> = {
  0: "continuation",
  1: "text",
  2: "binary",
  8: "close",
  9: "ping",
  10: "pong",
};

/** Fails unless one complete, unmasked, final text frame follows the 101 head; returns its text. */
export function checkTextFrame(res: RawExchangeResult): string {
  const rest = res.rest;
  check(rest.length > 0, "No frame came after the 101 answer.", {
    expected: "one text frame right after the blank line that ends the 101 head",
    received:
      res.bytes.length === 0
        ? describeAnswer(res)
        : `only the head:\n${describeBytes(res.headerBytes)}`,
  });
  const frame = decodeFrame(rest);
  const bytes = `\n${describeBytes(rest.subarray(0, 200))}`;
  check(frame, "The bytes after the 101 head are not a whole frame header.", {
    expected: "at least 2 bytes: 0x81 (FIN + text) and the payload length",
    received: bytes,
  });
  const first = `first byte 0x${rest[0].toString(16).padStart(2, "0")}`;
  check(frame.fin, `The frame's FIN bit is not set (${first}).`, {
    expected: "0x81 as the first byte: FIN (0x80) + opcode 1 (text)",
    received: bytes,
  });
  check(frame.rsv === 0, `The frame sets RSV bits (${first}); no extension was agreed.`, {
    expected: "0x81 as the first byte",
    received: bytes,
  });
  check(
    frame.opcode === 1,
    `The frame's opcode is ${frame.opcode} (${OPCODES[frame.opcode] ?? "reserved"}), not 1 (text).`,
    { expected: "0x81 as the first byte: FIN + opcode 1", received: bytes },
  );
  check(!frame.masked, "The frame is masked: frames from a server must not be.", {
    expected: "the second byte's top bit (0x80) clear; only clients mask",
    received: bytes,
  });
  check(
    frame.complete,
    `The frame announces ${frame.length} payload bytes, but only ${rest.length - frame.headerLength} came.`,
    {
      expected: "the length in the header to equal the payload's length in bytes (UTF-8)",
      received: bytes,
    },
  );
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(frame.payload);
  } catch {
    fail("The text frame's payload is not valid UTF-8.", { received: bytes });
  }
  const after = rest.subarray(frame.headerLength + frame.length);
  const next = decodeFrame(after);
  check(
    after.length === 0 || (next && next.rsv === 0 && !next.masked && next.opcode in OPCODES),
    `${after.length} bytes after the frame are not a frame: the length field (${frame.length}) is smaller than the payload.`,
    {
      expected:
        "a length field equal to the number of payload bytes (above 125: 126 + 2 bytes, or 127 + 8 bytes)",
      received: bytes,
    },
  );
  try {
    JSON.parse(text);
  } catch {
    fail("The text frame does not carry JSON.", {
      expected: 'a JSON message such as {"type":"welcome",…}',
      received: JSON.stringify(text),
    });
  }
  return text;
}

/**
 * The whole hand-made handshake (how-websockets-work) on `path`: 101, headers, the accept value for two
 * keys, a readable text frame, and a real `ws` client that reads it.
 */
export async function checkHandMadeHandshake(h: StepContext, path: string): Promise<void> {
  const key = randomKey();
  const res = await rawUpgrade(h, path, { key, untilFrame: true });
  checkSwitchingProtocols(res, path);
  checkUpgradeHeaders(res);
  checkAccept(res, key);
  const text = checkTextFrame(res);
  h.log.pass(
    `GET ${path}: 101, the right Sec-WebSocket-Accept, and a text frame ${show(text, 80)}`,
  );
  const ws = await h.ws(path, { name: "ws-client" });
  const message = await ws.next(undefined, { timeout: 2000, what: "the server's text frame" });
  check(!isBinaryRecord(message), "The ws client got a binary message.", {
    expected: "a text message",
    received: show(message),
  });
  ws.terminate();
  h.log.pass(`a real WebSocket client read ${show(message, 80)}`);
}
