import { createHash } from "node:crypto";
import net from "node:net";
import { CheckFailure } from "../errors.ts";
import { excerpt, type Logger } from "./transcript.ts";

const WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const HEAD_END = Buffer.from("\r\n\r\n");

/** The `Sec-WebSocket-Accept` value RFC 6455 derives from a `Sec-WebSocket-Key`. */
export function websocketAccept(key: string): string {
  return createHash("sha1")
    .update(key + WS_GUID)
    .digest("base64");
}

/** Options for `rawExchange`. */
export interface RawExchangeOptions {
  logger: Logger;
  /** How long to read (ms, default 2000); what came by then is returned. */
  timeout?: number;
  /** Stop reading once this returns true; replaces the default "end of the HTTP head". */
  until?: (bytes: Buffer) => boolean;
}

/** What came back over the socket, with the HTTP head taken apart. */
export interface RawExchangeResult {
  bytes: Buffer;
  text: string;
  statusLine: string;
  /** 0 when the first line is not an HTTP status line. */
  status: number;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The head up to and including the blank line (all bytes if it never ended). */
  headerBytes: Buffer;
  /** Bytes after the head. */
  rest: Buffer;
  /** True when the server closed the connection while we read. */
  socketClosed: boolean;
}

/** Writes `request` over a plain TCP socket and reads the answer, without any HTTP library. */
export function rawExchange(
  host: string,
  port: number,
  request: string | Buffer,
  opts: RawExchangeOptions,
): Promise<RawExchangeResult> {
  const { logger } = opts;
  const timeout = opts.timeout ?? 2000;
  const until = opts.until ?? ((b: Buffer) => b.includes(HEAD_END));
  const out = typeof request === "string" ? Buffer.from(request, "utf8") : request;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let socketClosed = false;
    let settled = false;
    const socket = net.connect({ host, port });
    const received = () => Buffer.concat(chunks);
    const finish = (error?: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const bytes = received();
      if (bytes.length === 0 && error) {
        const what =
          error.code === "ECONNREFUSED"
            ? `nothing listened on ${host}:${port} (connection refused)`
            : `the connection failed (${error.code ?? error.message})`;
        return reject(new CheckFailure(`Raw request to ${host}:${port}: ${what}.`));
      }
      logger.recv(bytes.length ? excerpt(bytes.toString("latin1"), 600) : "(nothing)");
      if (socketClosed) logger.info("the server closed the connection");
      resolve({ ...parseHead(bytes), socketClosed });
    };
    const timer = setTimeout(() => finish(), timeout);
    socket.on("connect", () => {
      logger.send(excerpt(out.toString("latin1"), 600));
      socket.write(out);
    });
    socket.on("data", (chunk) => {
      chunks.push(chunk);
      if (until(received())) finish();
    });
    socket.on("end", () => {
      socketClosed = true;
      finish();
    });
    socket.on("error", (err) => finish(err));
    socket.on("close", () => {
      socketClosed = true;
      finish();
    });
  });
}

/** Splits raw response bytes into status line, headers and the rest. */
function parseHead(bytes: Buffer): Omit<RawExchangeResult, "socketClosed"> {
  const end = bytes.indexOf(HEAD_END);
  const headerBytes = end < 0 ? bytes : bytes.subarray(0, end + HEAD_END.length);
  const rest = end < 0 ? Buffer.alloc(0) : bytes.subarray(end + HEAD_END.length);
  const lines = headerBytes.toString("latin1").split("\r\n");
  const statusLine = lines[0] ?? "";
  const match = /^HTTP\/\d(?:\.\d)? (\d{3})(?: |$)/.exec(statusLine);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return {
    bytes,
    text: bytes.toString("utf8"),
    statusLine,
    status: match ? Number(match[1]) : 0,
    headers,
    headerBytes,
    rest,
  };
}

/** An escaped dump of `buf`: printable ASCII as is, `\r` `\n` named, others `\xNN`; breaks after each LF. */
export function describeBytes(buf: Uint8Array, max = 2000): string {
  let out = "";
  const n = Math.min(buf.length, max);
  for (let i = 0; i < n; i++) {
    const b = buf[i];
    if (b === 0x0d) out += "\\r";
    else if (b === 0x0a) out += "\\n\n";
    else if (b === 0x5c) out += "\\\\";
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, "0")}`;
  }
  if (buf.length > max) out += `… (${buf.length - max} more bytes)`;
  return out;
}
