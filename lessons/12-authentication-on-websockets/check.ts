import { check, checkStatus, fail, show } from "../../src/checks/assert.ts";
import { isObject, type Json, jsonObject, pick } from "../../src/checks/taskboard.ts";
import {
  defineChecker,
  type StepContext,
  type WsClient,
  type WsClose,
} from "../../src/checks/types.ts";
import { WsHandshakeRefused } from "../../src/checks/ws-client.ts";
import { ALICE, errorMessage, ofType } from "../../src/checks/ws-steps.ts";
import { CheckFailure } from "../../src/errors.ts";
import { lessonQuizSteps } from "../../src/quiz/steps.ts";

/** Origins the server is told to trust in this lab (through ALLOWED_ORIGINS). */
const TRUSTED = "http://localhost:5173";
const ALLOWED_ORIGINS = `${TRUSTED},https://taskboard.example`;
/** Pages that must not get a socket with the user's cookie. */
const FOREIGN = ["https://evil.example", "https://taskboard.example.evil.test", "null"];

/** `POST /login` and the value of the session cookie it sets (fails when there is none). */
async function login(h: StepContext, email: string): Promise<string> {
  const cookie = await h.login(email);
  check(cookie, "POST /login answered 404.", {
    expected: "POST /login { email } → 200 { user } with Set-Cookie: session=<id>",
    received: "404: the route is missing (add authRoutes to src/app.ts)",
  });
  return cookie;
}

/** The user a `whoami` answer names: `{ user: { userId, name } }` or the fields at the top level. */
function userOf(answer: Json): { id: unknown; name: unknown } {
  const user = isObject(answer.user) ? answer.user : answer;
  return { id: pick(user, "userId", "id"), name: pick(user, "name") };
}

/** Sends `whoami` and checks the answer names `id` / `name`. */
async function checkWhoami(ws: WsClient, id: string, name: string): Promise<void> {
  ws.send({ type: "whoami" });
  const answer = await ws.next<Json>(ofType("whoami"), {
    timeout: 2000,
    what: 'the answer {"type":"whoami","user":{…}}',
  });
  const user = userOf(answer);
  check(user.id === id && user.name === name, `[${ws.name}] whoami names the wrong user.`, {
    expected: `{ "type": "whoami", "user": { "userId": "${id}", "name": "${name}" } }`,
    received: show(answer),
  });
}

/** Opens `path`; a refused handshake is returned instead of thrown. */
async function tryOpen(
  h: StepContext,
  path: string,
  opts: { name: string; cookie?: string; origin?: string },
): Promise<WsClient | WsHandshakeRefused> {
  try {
    return await h.ws(path, opts);
  } catch (error) {
    if (error instanceof WsHandshakeRefused) return error;
    throw error;
  }
}

/** Waits for the server to close `ws` and checks the code is 4001 with one of `reasons`. */
async function check4001(ws: WsClient, reasons: string[], why: string): Promise<WsClose> {
  let close: WsClose;
  try {
    close = await ws.closed({ timeout: 2000, what: `the server to close the socket (${why})` });
  } catch {
    fail(`The server kept the socket open when ${why}.`, {
      expected: `close code 4001 "${reasons[0]}"`,
      received: `an open socket; messages: ${show(ws.messages)}`,
    });
  }
  check(
    close.code === 4001 && reasons.includes(close.reason),
    `The close when ${why} is not 4001 "${reasons[0]}".`,
    {
      expected: reasons.map((r) => `code 4001, reason "${r}"`).join(" or "),
      received: `code ${close.code}, reason "${close.reason}"`,
    },
  );
  return close;
}

/** Opens a socket the server must accept (101) and then close with 4001 and one of `reasons`. */
async function expect4001(
  h: StepContext,
  opts: { name: string; cookie?: string; path?: string },
  reasons: string[],
  why: string,
): Promise<{ ws: WsClient; close: WsClose }> {
  const ws = await tryOpen(h, opts.path ?? "/ws", opts);
  if (ws instanceof WsHandshakeRefused) {
    fail(`The upgrade was refused with HTTP ${ws.status} when ${why}.`, {
      expected: `101, then close code 4001 "${reasons[0]}" (a browser cannot read the status of a refused handshake, but onclose sees the code and reason)`,
      received: `HTTP ${ws.status}`,
    });
  }
  return { ws, close: await check4001(ws, reasons, why) };
}

export default defineChecker({
  env: { ALLOWED_ORIGINS },
  steps: [
    {
      slug: "login-cookie",
      title:
        "POST /login sets an HttpOnly, SameSite=Lax session cookie; an unknown e-mail gets 401",
      nudge:
        "Look at `src/routes/auth.ts`: what `POST /login` answers, and which headers it sends, for a known and for an unknown e-mail.",
      concept:
        "Logging in creates a session on the server whose random id travels to the browser as a cookie. HttpOnly keeps page scripts from reading it, SameSite=Lax keeps most cross-site requests from carrying it, and Path=/ makes it reach `/ws` too.",
      hint: 'Add POST /login in src/routes/auth.ts (listed in src/app.ts): find the user by e-mail, createSession() (src/sessions.ts), and answer Response.json({ user }, { headers: { "Set-Cookie": "session=<id>; HttpOnly; SameSite=Lax; Path=/" } }). No such user → 401.',
      async run(h) {
        const res = await h.http.post("/login", { email: ALICE });
        checkStatus(res, 200);
        const user = pick(jsonObject(res), "user");
        check(
          isObject(user) && pick(user, "id", "userId") === "user-alice",
          "POST /login did not answer with the user.",
          {
            expected: '{ "user": { "id": "user-alice", "name": "Alice", … } }',
            received: show(res.json()),
          },
        );
        const all = res.headers.getSetCookie();
        const cookie = all.find((c) => c.trim().startsWith("session="));
        check(cookie, "POST /login set no session cookie.", {
          expected: "Set-Cookie: session=<id>; HttpOnly; SameSite=Lax; Path=/",
          received: all.length ? all.join("\n") : "no Set-Cookie header",
        });
        const [pair, ...attributes] = cookie.split(";").map((p) => p.trim());
        const value = pair!.slice("session=".length);
        check(
          value.length >= 16 && value !== "undefined",
          "The session cookie's value does not look like a session id.",
          {
            expected: "a long random id (crypto.randomUUID())",
            received: JSON.stringify(value),
          },
        );
        const attrs = attributes.map((a) => a.toLowerCase().replace(/\s+/g, ""));
        for (const [wanted, ok] of [
          ["HttpOnly", attrs.includes("httponly")],
          ["SameSite=Lax", attrs.includes("samesite=lax") || attrs.includes("samesite=strict")],
          ["Path=/", attrs.includes("path=/")],
        ] as const) {
          check(ok, `The session cookie lacks ${wanted}.`, {
            expected: "session=<id>; HttpOnly; SameSite=Lax; Path=/",
            received: cookie,
          });
        }
        h.log.pass(`200 { user: user-alice }, Set-Cookie: ${cookie}`);
        const unknown = await h.http.post("/login", { email: "mallory@example.com" });
        checkStatus(unknown, 401);
        check(
          !unknown.headers.getSetCookie().some((c) => /^\s*session=[^;\s]+/.test(c)),
          "A failed login still set a session cookie.",
          {
            received: unknown.headers.getSetCookie().join("\n"),
          },
        );
        h.log.pass("an unknown e-mail gets 401 and no cookie");
      },
    },
    {
      slug: "no-cookie",
      title:
        'an upgrade without a session cookie gets {"error":"Unauthorized"}, then close 4001 "Unauthorized"',
      nudge:
        "Look at the start of the `connection` handler in `src/ws-server.ts`: what happens to a socket whose upgrade request carried no session cookie.",
      concept:
        "A browser cannot read the status of a refused handshake, so the server completes the upgrade and then closes with an application code (4001, echoing HTTP's 401) and a reason. The page's onclose sees both and can tell 'log in first' from 'the network is down'.",
      hint: 'In the "connection" handler (src/ws-server.ts), read parseCookies(req.headers.cookie ?? "").get("session"); without one, send { error: "Unauthorized" }, call ws.close(4001, "Unauthorized") and return before any message handler is set up.',
      async run(h) {
        const ws = await tryOpen(h, "/ws", { name: "ws-anonymous" });
        if (ws instanceof WsHandshakeRefused) {
          fail(`The upgrade without a cookie was refused with HTTP ${ws.status}.`, {
            expected:
              'the upgrade (101), then {"error":"Unauthorized"} and close 4001 "Unauthorized"',
            received: `HTTP ${ws.status}`,
          });
        }
        const message = await ws.next(errorMessage(), {
          timeout: 2000,
          what: 'the message {"error":"Unauthorized"}',
        });
        check(
          isObject(message) && message.error === "Unauthorized",
          "The error message is not the one the course uses.",
          {
            expected: '{"error":"Unauthorized"}',
            received: show(message),
          },
        );
        h.log.pass('got {"error":"Unauthorized"}');
        const close = await check4001(ws, ["Unauthorized"], "no cookie was sent");
        h.log.pass(`then the close ${close.code} "${close.reason}"`);
      },
    },
    {
      slug: "bad-cookie",
      title:
        'an unknown session id closes 4001 "Invalid session"; other cookies alone count as none',
      nudge:
        "Look at what your authentication does once it has found a session cookie, and at how `parseCookies` reads a header that holds only other cookies.",
      concept:
        "Having a cookie is not the same as having a session: the id must name a session the server still knows, or anyone could make one up. A Cookie header without a session entry counts as no cookie at all.",
      hint: 'After reading the cookie, look it up with getSession(id) (src/sessions.ts); when it returns undefined send { error: "Invalid session" } and ws.close(4001, "Invalid session"). parseCookies() must split on ";" and trim each name.',
      async run(h) {
        const { close } = await expect4001(
          h,
          { name: "ws-forged", cookie: "session=not-a-real-session" },
          ["Invalid session"],
          "the session id is unknown",
        );
        h.log.pass(`session=not-a-real-session → ${close.code} "${close.reason}"`);
        const other = await expect4001(
          h,
          { name: "ws-no-session", cookie: "theme=dark; lang=en" },
          ["Unauthorized"],
          "the Cookie header has no session cookie",
        );
        h.log.pass(`Cookie: theme=dark; lang=en → ${other.close.code} "${other.close.reason}"`);
      },
    },
    {
      slug: "knows-user",
      title: "a logged-in socket stays open and answers whoami with its user",
      nudge:
        "Look at what your server remembers about a socket once its session checks out, and at the `whoami` case of the message handler.",
      concept:
        "Authentication happens once, at the handshake; from then on the socket itself stands for its user, so the server keeps track of which user each socket belongs to. Browsers send all of a site's cookies in one header, so the session cookie may sit between others.",
      hint: 'Once getSession() found the session, read the user (id, name) from the users table, keep it in socketUsers.set(ws, { userId, name }) (src/ws-server.ts), and answer { type: "whoami" } with { type: "whoami", user: socketUsers.get(ws) }.',
      async run(h) {
        const alice = await login(h, ALICE);
        const bob = await login(h, "bob@example.com");
        const a = await h.ws("/ws", { name: "ws-alice", cookie: alice });
        await checkWhoami(a, "user-alice", "Alice");
        h.log.pass("Alice's socket knows it is Alice");
        const cookies = `theme=dark; ${bob}; lang=en`;
        const b = await h.ws("/ws", { name: "ws-bob", cookie: cookies });
        try {
          await checkWhoami(b, "user-bob", "Bob");
        } catch (error) {
          // Alice's lone cookie worked: a refusal here is the reading of a Cookie header with several.
          const refused =
            !b.isOpen || b.messages.some((m) => isObject(m) && m.error === "Unauthorized");
          if (!refused) throw error;
          const close = b.isOpen
            ? undefined
            : await b.closed({ timeout: 500 }).catch(() => undefined);
          throw new CheckFailure(
            "Bob's upgrade carried his session cookie between two others and was refused, though Alice's lone session cookie worked.",
            {
              expected: `Cookie: ${cookies} read as theme, session and lang (each name trimmed)`,
              received: close
                ? `the socket closed with ${close.code} "${close.reason}"`
                : 'an {"error":"Unauthorized"} answer',
              hint: 'Cookie pairs are separated by "; ": in parseCookies() (src/cookies.ts), trim each name (and value) after splitting on ";", so " session" is found as "session".',
            },
          );
        }
        h.log.pass("Bob's socket (his cookie between two others) knows it is Bob");
        await h.sleep(200);
        check(a.isOpen && b.isOpen, "A logged-in socket was closed.", {
          expected: "both sockets open",
          received: `ws-alice ${a.isOpen ? "open" : "closed"}, ws-bob ${b.isOpen ? "open" : "closed"}`,
        });
        h.log.pass("both stay open");
      },
    },
    {
      slug: "deleted-session",
      title: "after POST /logout, the old cookie no longer opens a socket (close 4001)",
      nudge:
        "Look at `src/routes/auth.ts` and at what happens, on the server's side, to a session when its user logs out.",
      concept:
        "Logging out must destroy the session on the server, not only ask the browser to forget the cookie: a copy of the cookie may survive somewhere, and only a deleted session makes it worthless at once.",
      hint: 'Add POST /logout in src/routes/auth.ts: read the session cookie, deleteSession(id) (src/sessions.ts), answer 200 (or 204) with Set-Cookie: session=; Max-Age=0. The WebSocket check then finds no session and closes with 4001 "Invalid session".',
      async run(h) {
        const carol = await login(h, "carol@example.com");
        const before = await h.ws("/ws", { name: "ws-carol", cookie: carol });
        await checkWhoami(before, "user-carol", "Carol");
        h.log.pass("Carol's cookie opens a socket");
        const res = await h.http.post("/logout", undefined, { headers: { Cookie: carol } });
        checkStatus(res, 200, 204);
        h.log.pass(`POST /logout → ${res.status}`);
        const { close } = await expect4001(
          h,
          { name: "ws-carol-after", cookie: carol },
          ["Invalid session", "Unauthorized"],
          "the session was deleted by /logout",
        );
        h.log.pass(`the old cookie now gets ${close.code} "${close.reason}"`);
      },
    },
    {
      slug: "query-token-refused",
      title: "a session id in the URL (/ws?token=… or ?session=…) without the cookie is refused",
      nudge:
        "Look at where your WebSocket authentication takes the session id from: only one part of the upgrade request should count.",
      concept:
        "A token in the URL leaks: URLs end up in server and proxy logs, browser history and monitoring tools, where anyone who reads them can replay it. The cookie rides along on the upgrade by itself, so it is the only credential the server accepts.",
      hint: "Authenticate from the Cookie header only. Query strings end up in server logs, browser history and proxies, so src/ws-server.ts must not read a token or session id from req.url.",
      async run(h) {
        const cookie = await login(h, ALICE);
        const id = cookie.slice("session=".length);
        for (const query of [`token=${id}`, `session=${id}`]) {
          const ws = await tryOpen(h, `/ws?${query}`, { name: "ws-url-token" });
          if (ws instanceof WsHandshakeRefused) {
            check(
              [401, 403].includes(ws.status),
              `GET /ws?${query.split("=")[0]}=… was refused with ${ws.status}.`,
              {
                expected: "close 4001 after the upgrade (or HTTP 401/403)",
                received: `HTTP ${ws.status}`,
              },
            );
            h.log.pass(`?${query.split("=")[0]}=<id> → HTTP ${ws.status}`);
            continue;
          }
          let close: WsClose | undefined;
          try {
            close = await ws.closed({ timeout: 1500 });
          } catch {
            ws.send({ type: "whoami" });
            await h.sleep(200);
            fail(
              `A session id in the URL (?${query.split("=")[0]}=…) opened a socket without a cookie.`,
              {
                expected: 'close 4001 "Unauthorized": only the session cookie counts',
                received: `an open socket; messages: ${show(ws.messages)}`,
              },
            );
          }
          check(
            close.code === 4001,
            `?${query.split("=")[0]}=… closed with ${close.code}, not 4001.`,
            {
              expected: 'close 4001 "Unauthorized"',
              received: `code ${close.code}, reason "${close.reason}"`,
            },
          );
          h.log.pass(`?${query.split("=")[0]}=<id> → ${close.code} "${close.reason}"`);
        }
      },
    },
    {
      slug: "origin-checked",
      title: "an upgrade from a page of another site is refused with 403 before it happens",
      nudge:
        "Look at the `upgrade` listener in `src/ws-server.ts`, before the handshake is completed, and at how it compares the page's Origin with the allowed ones.",
      concept:
        "Same-origin rules do not cover WebSockets, so a script on any site can open a socket that carries your user's cookie (cross-site WebSocket hijacking). The Origin header, which page scripts cannot change, says which page is asking, and only an exact match with a trusted origin may pass.",
      hint: 'In the "upgrade" listener (src/ws-server.ts), before wss.handleUpgrade(): when req.headers.origin is set and is not exactly one of config.allowedOrigins (ALLOWED_ORIGINS, comma-separated), answer refuseUpgrade(socket, 403, …). Compare whole strings: "https://a.example.evil.test".startsWith("https://a.example") is true.',
      async run(h) {
        const cookie = await login(h, ALICE);
        const trusted = await tryOpen(h, "/ws", { name: "ws-trusted", cookie, origin: TRUSTED });
        if (trusted instanceof WsHandshakeRefused) {
          fail(
            `An upgrade from ${TRUSTED}, listed in ALLOWED_ORIGINS, was refused with ${trusted.status}.`,
            {
              expected: `101: ALLOWED_ORIGINS="${ALLOWED_ORIGINS}" is read in src/config.ts`,
              received: `HTTP ${trusted.status}`,
            },
          );
        }
        await checkWhoami(trusted, "user-alice", "Alice");
        h.log.pass(`Origin: ${TRUSTED} (in ALLOWED_ORIGINS) is accepted`);
        for (const origin of FOREIGN) {
          const ws = await tryOpen(h, "/ws", { name: "ws-foreign", cookie, origin });
          if (ws instanceof WsHandshakeRefused) {
            check(
              ws.status === 403,
              `The upgrade from Origin: ${origin} was refused with ${ws.status}, not 403.`,
              {
                expected: "HTTP 403 Forbidden",
                received: `HTTP ${ws.status}`,
                actor: "ws-foreign",
              },
            );
            h.log.pass(`Origin: ${origin} → 403 before the upgrade`);
            continue;
          }
          fail(`A page at ${origin} got a WebSocket that carries Alice's cookie.`, {
            expected:
              "HTTP 403 before the upgrade: that page's script would act as Alice (cross-site WebSocket hijacking)",
            received: "101 Switching Protocols",
            actor: "ws-foreign",
          });
        }
      },
    },
    ...lessonQuizSteps(import.meta.url),
  ],
});
