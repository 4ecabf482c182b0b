/**
 * Made inside the process that runs the learner's long-poll module (see
 * `StepContext.loadModule`): abort signals standing in for clients that close
 * their tab, and a count of the timers still running, reported to the checker.
 */
import type { Kit } from "../../src/checks/learner-module.ts";

/** Timers that keep the process alive (ref'ed `setTimeout`/`setInterval`), as Node counts them. */
const runningTimers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

const kit: Kit = ({ report }) => {
  const controllers: AbortController[] = [];
  return {
    /**
     * A signal of its own (one per request); every signal aborts `afterMs` after the
     * first was made. Reports `made` with the timers running as each is handed out,
     * and `aborted` with the timers still running `settleMs` after the abort.
     */
    signal: ({ afterMs, settleMs }: { afterMs: number; settleMs: number }) => {
      report("made", { timers: runningTimers() });
      const controller = new AbortController();
      if (controllers.push(controller) === 1) {
        // unref'ed, so that the kit's own timers are not counted
        setTimeout(() => {
          for (const c of controllers) c.abort();
          setTimeout(() => report("aborted", { timers: runningTimers() }), settleMs).unref();
        }, afterMs).unref();
      }
      return controller.signal;
    },
  };
};

export default kit;
