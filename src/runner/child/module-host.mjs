// The process a learner's module runs in when a checker drives it (see
// src/runner/module-host.ts, the runner's side). It imports the lesson's kit (the
// checker's own helpers that must live beside the module, such as a WebSocket
// class), then the learner's module, and answers the runner's calls over the IPC
// channel. Everything here runs in a learner process: the runner takes what it
// sends as observations to check, never as results.
//
//   node module-host.mjs <module URL> [<kit URL>]
import { formatWithOptions } from "node:util";

const [moduleUrl, kitUrl] = process.argv.slice(2);
const send = process.send.bind(process);
const post = (message) => {
  try {
    send(message);
  } catch {
    // the runner has gone: nothing to tell
  }
};

/** Values handed to the runner by reference: functions and objects that are not plain data. */
const refs = new Map();
const refOf = new Map();
let nextRef = 1;

function describeKeys(value) {
  const keys = new Set();
  for (let o = value; o && o !== Object.prototype && o !== Function.prototype; ) {
    for (const k of Object.getOwnPropertyNames(o)) if (k !== "constructor") keys.add(k);
    o = Object.getPrototypeOf(o);
    if (keys.size > 60) break;
  }
  return [...keys].slice(0, 60);
}

function ref(value, kind) {
  let id = refOf.get(value);
  if (id === undefined) {
    id = nextRef++;
    refs.set(id, value);
    refOf.set(value, id);
  }
  const name = kind === "function" ? value.name : value.constructor?.name;
  return { $ref: id, kind, name: typeof name === "string" ? name : "", keys: describeKeys(value) };
}

function encodeError(error) {
  if (error instanceof Error) {
    return {
      $err: {
        name: String(error.name),
        message: String(error.message),
        stack: String(error.stack ?? "")
          .split("\n")
          .slice(0, 6)
          .join("\n"),
      },
    };
  }
  return { $err: { name: "thrown value", message: formatWithOptions({ depth: 2 }, "%o", error) } };
}

/** Turns a value into JSON-safe data for the runner (functions and instances by reference). */
function encode(value, depth = 0, seen = new Set()) {
  if (value === undefined) return { $u: 1 };
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : { $num: String(value) };
  if (typeof value === "bigint") return { $big: String(value) };
  if (typeof value === "symbol") return { $sym: String(value) };
  if (typeof value === "function") return ref(value, "function");
  if (value instanceof Error) return encodeError(value);
  if (seen.has(value) || depth > 12) return { $cut: 1 };
  if (value instanceof Date) return { $date: value.getTime() };
  seen.add(value);
  try {
    if (Array.isArray(value))
      return { $a: value.slice(0, 1000).map((v) => encode(v, depth + 1, seen)) };
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return ref(value, "object");
    const out = {};
    for (const key of Object.keys(value).slice(0, 200)) {
      try {
        out[key] = encode(value[key], depth + 1, seen);
      } catch (error) {
        out[key] = encodeError(error);
      }
    }
    return { $o: out };
  } finally {
    seen.delete(value);
  }
}

let kit = {};
const report = (event, data) => post({ t: "report", event: String(event), data: encode(data) });

/** Turns the runner's arguments back into values: callbacks, kit values, references. */
function decode(value) {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(decode);
  if ("$u" in value) return undefined;
  if ("$num" in value) return Number(value.$num);
  if ("$a" in value) return value.$a.map(decode);
  if ("$o" in value) {
    const out = {};
    for (const [k, v] of Object.entries(value.$o)) out[k] = decode(v);
    return out;
  }
  if ("$ref" in value) return refs.get(value.$ref);
  if ("$fn" in value) {
    const id = value.$fn;
    return (...args) => {
      post({ t: "callback", fn: id, args: args.map((a) => encode(a)) });
    };
  }
  if ("$throws" in value) {
    const { name, message } = value.$throws;
    return () => {
      const error = name === "TypeError" ? new TypeError(message) : new Error(message);
      throw error;
    };
  }
  if ("$kit" in value) {
    const make = kit[value.$kit];
    if (typeof make !== "function") throw new Error(`the lesson's kit has no ${value.$kit}`);
    return make(decode(value.config));
  }
  return value;
}

// Console output goes to the runner, in order with the answers to its calls.
for (const level of ["log", "info", "warn", "error", "debug"]) {
  console[level] = (...args) => {
    const text = args
      .map((a) =>
        a instanceof Error
          ? `${a.name}: ${a.message}`
          : typeof a === "string"
            ? a
            : formatWithOptions({ depth: 3, breakLength: Number.POSITIVE_INFINITY }, "%o", a),
      )
      .join(" ");
    post({ t: "console", level, text });
  };
}

let namespace;

async function answer(message) {
  const { id } = message;
  try {
    let value;
    const base = message.target ? refs.get(message.target) : namespace;
    if (base === undefined) throw new Error("that value is gone");
    if (message.t === "get") {
      value = base[message.name];
    } else {
      const fn = message.name ? base[message.name] : base;
      if (typeof fn !== "function") {
        throw new TypeError(`${message.name || "the value"} is not a function`);
      }
      const args = (message.args ?? []).map(decode);
      value = message.construct ? new fn(...args) : fn.apply(message.name ? base : undefined, args);
      if (value && typeof value.then === "function") {
        // detached: the call answers at once, and the promise may settle when it likes
        if (message.detach) {
          value.then(noop, noop);
          value = undefined;
        } else value = await value;
      }
      if (message.settle) await new Promise((r) => setImmediate(r));
    }
    post({ t: "result", id, value: encode(value) });
  } catch (error) {
    post({ t: "threw", id, error: encodeError(error).$err });
  }
}

const noop = () => {};

process.on("message", (message) => {
  if (message && (message.t === "call" || message.t === "get")) void answer(message);
});

try {
  if (kitUrl) {
    const made = (await import(kitUrl)).default;
    kit = typeof made === "function" ? made({ report }) : {};
  }
} catch (error) {
  post({ t: "kit-failed", error: encodeError(error).$err });
  process.exit(70);
}
try {
  namespace = await import(moduleUrl);
} catch (error) {
  // the runner ends this process once it has the message
  post({ t: "load-failed", error: encodeError(error).$err });
}
if (namespace) post({ t: "ready", exports: encode({ ...namespace }) });
