/**
 * Made inside the process that runs the learner's client module (see
 * `StepContext.loadModule`): the WebSocket class the client is given, and the
 * `random()` it must use for its jitter, which reports each value it hands out.
 */
import WebSocket from "ws";
import type { Kit } from "../../src/checks/learner-module.ts";

const kit: Kit = ({ report }) => ({
  WebSocket: () => WebSocket,
  random: ({ values, client }: { values: number[]; client: string }) => {
    let i = 0;
    return () => {
      const value = values[i++ % values.length]!;
      report("random", { client, value });
      return value;
    };
  },
});

export default kit;
