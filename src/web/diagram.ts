import type { ShownLine, TranscriptLine } from "../checks/transcript.ts";
import { escapeMarkup as esc } from "../report/escape.ts";

/**
 * Draws a step's transcript as a sequence diagram, in HTML: one lane per actor
 * (the tester and the clients on the left, the server instances in the middle,
 * Redis on the right), an arrow per request, response, event, frame or publish
 * with its time and an excerpt of what it carried, a note per remark and line
 * of server output, the failing message marked and the failure said where it
 * happened. Everything the learner's code produced is escaped: a transcript
 * quotes the learner's server, which must never be able to script the page.
 */
export function sequenceDiagram(
  lines: readonly ShownLine[],
  opts: { failedAt?: { actor: string; line?: number }; failure?: string } = {},
): string {
  const lanes = laneOrder(lines, opts.failedAt?.actor);
  if (lanes.length === 0) return `<p class="seq-empty">Nothing was sent or received.</p>`;
  const index = new Map(lanes.map((lane, i) => [lane.name, i]));
  const firstServer = lanes.find((l) => l.role === "server")?.name;
  const start = lines.find((l): l is TranscriptLine => !("note" in l))?.at ?? 0;
  const rows: string[] = [];
  lines.forEach((line, i) => {
    if ("note" in line) {
      rows.push(
        `<div class="seq-row seq-skip"><span class="seq-gap">${esc(line.note)}</span></div>`,
      );
      return;
    }
    const time = `<span class="seq-time" title="${line.at} ms after the check started">+${line.at - start} ms</span>`;
    const from = index.get(line.actor)!;
    const peer = line.peer ?? firstServer;
    const to = peer === undefined ? undefined : index.get(peer);
    const failed = opts.failedAt?.line === i;
    if ((line.kind === "send" || line.kind === "recv") && to !== undefined && to !== from) {
      const [a, b] = line.kind === "send" ? [from, to] : [to, from];
      const [sender, receiver] = line.kind === "send" ? [line.actor, peer!] : [peer!, line.actor];
      const lo = Math.min(a, b);
      const span = Math.abs(a - b) + 1;
      const cls = [
        "seq-row",
        "seq-arrow",
        a < b ? "seq-right" : "seq-left",
        `seq-${line.message ?? "message"}`,
        failed ? "seq-failed" : "",
      ]
        .filter(Boolean)
        .join(" ");
      rows.push(
        `<div class="${cls}" data-from="${esc(sender)}" data-to="${esc(receiver)}" data-kind="${line.message ?? "message"}">${time}` +
          `<div class="seq-span" style="grid-column: ${lo + 2} / span ${span}; --span: ${span}">` +
          `<span class="seq-label" title="${esc(line.text)}">${failed ? '<b class="seq-x">✗</b> ' : ""}${kindTag(line)}${esc(line.text)}</span>` +
          `<span class="seq-line"></span>` +
          `</div>${line.replay ? copyButton(line.replay) : ""}</div>`,
      );
      return;
    }
    const cls = `seq-row seq-note seq-${line.kind}${failed ? " seq-failed" : ""}`;
    rows.push(
      `<div class="${cls}" data-actor="${esc(line.actor)}">${time}` +
        `<div class="seq-box" style="grid-column: ${from + 2} / span 1" title="${esc(line.text)}">${line.kind === "curl" ? "$ " : ""}${esc(line.text)}</div>` +
        `${line.kind === "curl" ? copyButton(line.text) : line.replay ? copyButton(line.replay) : ""}</div>`,
    );
  });
  if (opts.failedAt) {
    const at = index.get(opts.failedAt.actor) ?? 0;
    rows.push(
      `<div class="seq-row seq-fail-mark" data-actor="${esc(opts.failedAt.actor)}"><span class="seq-time"></span>` +
        `<div class="seq-box" style="grid-column: ${at + 2} / span 1">✗ failed here</div></div>`,
    );
    if (opts.failure) rows.push(`<div class="seq-row seq-fail-text">${esc(opts.failure)}</div>`);
  }
  const head = lanes
    .map(
      (l, i) =>
        `<div class="seq-lane seq-role-${l.role}" style="grid-column: ${i + 2}" data-lane="${esc(l.name)}">${esc(l.name)}</div>`,
    )
    .join("");
  return (
    `<div class="seq" style="--lanes: ${lanes.length}" role="figure" aria-label="Sequence diagram: ${esc(lanes.map((l) => l.name).join(", "))}">` +
    `<div class="seq-row seq-head"><span class="seq-time">time</span>${head}</div>` +
    `${rows.join("")}</div>`
  );
}

/** A lane of the diagram: who it is and where it goes. */
export interface Lane {
  name: string;
  role: "tester" | "client" | "server" | "redis";
}

const SERVER_NAME = /^(your server|server [A-Z0-9]+)$/;

/**
 * The lanes in the order they are drawn: the tester, then the clients in the
 * order they first appear, then the servers (a lane that others send to, or
 * that prints server output), then Redis.
 */
export function laneOrder(lines: readonly ShownLine[], extra?: string): Lane[] {
  const seen: string[] = [];
  const servers = new Set<string>();
  const note = (name: string | undefined) => {
    if (name !== undefined && !seen.includes(name)) seen.push(name);
  };
  for (const l of lines) {
    if ("note" in l) continue;
    note(l.actor);
    if (l.kind === "server" || SERVER_NAME.test(l.actor)) servers.add(l.actor);
    if (l.peer !== undefined && l.kind !== "server") {
      note(l.peer);
      if (l.peer !== "redis" && !lines.some((x) => !("note" in x) && x.peer === l.actor))
        servers.add(l.peer);
    }
  }
  // A message without a peer goes to the first server: that server needs a lane.
  const unaddressed = lines.some(
    (l) => !("note" in l) && (l.kind === "send" || l.kind === "recv") && l.peer === undefined,
  );
  if (unaddressed && servers.size === 0) {
    servers.add("your server");
    note("your server");
  }
  note(extra);
  const roleOf = (name: string): Lane["role"] =>
    name === "tester"
      ? "tester"
      : name === "redis"
        ? "redis"
        : servers.has(name) || SERVER_NAME.test(name)
          ? "server"
          : "client";
  const rank = { tester: 0, client: 1, server: 2, redis: 3 };
  return seen
    .map((name, i) => ({ name, role: roleOf(name), i }))
    .sort((a, b) => rank[a.role] - rank[b.role] || a.i - b.i)
    .map(({ name, role }) => ({ name, role }));
}

function kindTag(line: TranscriptLine): string {
  return line.message ? `<i class="seq-kind">${line.message}</i> ` : "";
}

function copyButton(text: string): string {
  return `<button type="button" class="seq-copy" data-copy="${esc(text)}" title="Copy the line that replays this: ${esc(text)}">copy replay</button>`;
}
