/**
 * Made inside the process that runs the learner's connectRealTime() (see
 * `StepContext.loadModule`): the WebSocket, EventSource and fetch it is given,
 * each failing the way a hostile network makes it fail when the step blocks that
 * transport, and each reporting what it was asked to do.
 */
import { EventSource } from "eventsource";
import WebSocket from "ws";
import type { Kit } from "../../src/checks/learner-module.ts";

/** What the checker tells the kit: the blocked transports, the session, a port that refuses. */
interface Network {
  blocked: string[];
  cookie?: string;
  refused: string;
}

const kit: Kit = ({ report }) => {
  const say = (kind: "send" | "recv", text: string) => report("log", { kind, text });
  return {
    WebSocket: ({ blocked, cookie, refused }: Network) =>
      class LabWebSocket extends WebSocket {
        constructor(url: string) {
          const block = blocked.includes("websocket");
          super(block ? refused : url, { headers: cookie ? { Cookie: cookie } : {} });
          // ws throws on an "error" nobody listens to; the learner may only listen for "close".
          this.on("error", () => {});
          say("send", block ? `WebSocket ${url} (refused by the lab)` : `WebSocket ${url}`);
        }
      },
    EventSource: ({ blocked }: Network) =>
      class LabEventSource extends EventSource {
        constructor(url: string) {
          const block = blocked.includes("sse");
          super(url, {
            fetch: (input, init) =>
              block
                ? Promise.resolve(new Response("Bad Gateway", { status: 502 }))
                : fetch(input, init),
          });
          say(
            "send",
            block ? `EventSource ${url} (answered 502 by the lab)` : `EventSource ${url}`,
          );
        }
      },
    fetch:
      ({ blocked }: Network) =>
      (url: string, init?: { signal?: AbortSignal }) => {
        const { pathname, search } = new URL(url);
        const path = pathname + search;
        report("fetch", path);
        if (blocked.includes("long-poll") && /\/poll(\?|$)/.test(path)) {
          say("recv", `GET ${path} → 502 (the lab blocks long polling)`);
          return Promise.resolve(new Response("Bad Gateway", { status: 502 }));
        }
        say("send", `GET ${path}`);
        return fetch(url, { signal: init?.signal });
      },
  };
};

export default kit;
