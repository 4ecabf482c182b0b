/**
 * Made inside the process that runs the learner's long-poll module (see
 * `StepContext.loadModule`): abort signals standing in for clients that close
 * their tab, and a count of the timers still running, reported to the checker.
 */
import type { Kit } from "../../src/checks/learner-module.ts";

/** Timers that keep the process alive (ref'ed `setTimeout`/`setInterval`), as Node counts them. */
const runningTimers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

const kit: Kit = ({ report }) => {
  const groups = new Map<string, AbortController[]>();
  return {
    /**
     * A signal of group `group` (one controller each, as one per request): every
     * signal of a group aborts `afterMs` after the first was made. Reports `made` with
     * the timers running as each is handed out, and `aborted` with the timers still
     * running `settleMs` after the abort.
     */
    signal: ({
      group,
      afterMs,
      settleMs,
    }: {
      group: string;
      afterMs: number;
      settleMs: number;
    }) => {
      report("made", { group, timers: runningTimers() });
      const controller = new AbortController();
      let members = groups.get(group);
      if (!members) {
        const all: AbortController[] = [];
        members = all;
        groups.set(group, all);
        // unref'ed, so that the kit's own timers are not counted
        setTimeout(() => {
          for (const c of all) c.abort();
          setTimeout(() => report("aborted", { group, timers: runningTimers() }), settleMs).unref();
        }, afterMs).unref();
      }
      members.push(controller);
      return controller.signal;
    },
  };
};

export default kit;
