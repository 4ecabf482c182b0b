// The live view: follows the runner over Server-Sent Events. Every event carries
// HTML the runner rendered for the regions that changed; this script only puts it
// in place, keeps what the learner opened or closed, and says when the runner is
// out of reach. Resuming follows the course's own rules: event ids, Last-Event-ID
// (sent by the browser on its own reconnects, and as ?lastEventId= when this script
// opens a new stream), and a heartbeat whose absence means the stream is dead.
(() => {
  const conn = document.querySelector("[data-conn]");
  const choices = new Map(); // details the learner toggled: data-key -> open
  let source;
  let lastId = "";
  let heartbeatMs = 15000;
  let lastSeen = Date.now();
  let everConnected = false;

  const say = (state, text) => {
    conn.dataset.conn = state;
    conn.textContent = text;
    document.body.dataset.conn = state;
  };

  document.addEventListener(
    "toggle",
    (e) => {
      const d = e.target;
      if (d.dataset?.key && !d.dataset.rendering) choices.set(d.dataset.key, d.open);
    },
    true,
  );

  const apply = (regions, newRun, patches = {}) => {
    if (newRun) choices.clear();
    // a patch replaces one step of the list: `step:<slug>`
    for (const [name, html] of Object.entries(patches)) {
      const slug = name.startsWith("step:") ? name.slice(5) : undefined;
      const el = slug && document.querySelector(`[data-step="${CSS.escape(slug)}"]`);
      if (el) el.outerHTML = html;
    }
    for (const [name, html] of Object.entries(regions)) {
      const el = document.querySelector(`[data-region="${name}"]`);
      if (!el) continue;
      el.innerHTML = html;
      window.labsToFailure?.(el);
      for (const d of el.querySelectorAll("details[data-key]")) {
        if (!choices.has(d.dataset.key)) continue;
        d.dataset.rendering = "1";
        d.open = choices.get(d.dataset.key);
        setTimeout(() => delete d.dataset.rendering, 0);
      }
    }
  };

  const connect = () => {
    source?.close();
    const url = lastId ? `/events?lastEventId=${encodeURIComponent(lastId)}` : "/events";
    source = new EventSource(url);
    source.onopen = () => {
      lastSeen = Date.now();
      say("live", everConnected ? "live (reconnected)" : "live");
      everConnected = true;
    };
    source.onerror = () => {
      const restart = document.body.dataset.restart;
      say(
        "down",
        restart
          ? `disconnected: the runner has stopped. Run ${restart} again and this page picks up by itself`
          : "disconnected: the runner has stopped. Start it again and this page picks up by itself",
      );
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, 1000);
    };
    const seen = (e) => {
      lastSeen = Date.now();
      if (e.lastEventId) lastId = e.lastEventId;
    };
    source.addEventListener("hello", (e) => {
      seen(e);
      const info = JSON.parse(e.data);
      heartbeatMs = info.heartbeatMs;
      // "replayed": the runner still had what was missed; "snapshot": it is a new runner
      // (restarted), so the page is brought up to date in one go.
      if (info.resume !== "none") document.body.dataset.resumed = info.resume;
    });
    source.addEventListener("heartbeat", seen);
    source.addEventListener("snapshot", (e) => {
      seen(e);
      apply(JSON.parse(e.data).regions, true);
    });
    source.addEventListener("update", (e) => {
      seen(e);
      const data = JSON.parse(e.data);
      apply(data.regions, data.newRun, data.patches);
    });
  };

  // A stream that stays silent for three heartbeats is dead even if the socket is not.
  setInterval(() => {
    if (conn.dataset.conn === "live" && Date.now() - lastSeen > 3 * heartbeatMs) {
      say("stale", "no heartbeat from the runner: reconnecting");
      connect();
    }
  }, 1000);

  connect();
})();
