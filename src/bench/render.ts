/**
 * The bench's report for a terminal, in the pretty reporter's style: figures first,
 * then small charts (connections opened over time as a sparkline, the broadcast's
 * latency as horizontal bars), then the course's estimate beside the learner's.
 * Without colour (a pipe, NO_COLOR) the charts use ASCII.
 */
import type { StepResult } from "../checks/results.ts";
import type { Style } from "../report/style.ts";
import { type BenchPlan, type BenchReport, CONCURRENCY, TRANSPORTS } from "./bench.ts";
import { fmtLimit } from "./limits.ts";

const SPARK_UNICODE = " ▁▂▃▄▅▆▇█";
const SPARK_ASCII = " .:-=+*#%@";

function fmt(n: number): string {
  return n.toLocaleString("en-US");
}

/** Bytes as `4.9 KB`, `52.1 MB` (1 KB = 1024 bytes). */
export function bytes(n: number): string {
  const sign = n < 0 ? "-" : "";
  let v = Math.abs(n);
  for (const unit of ["bytes", "KB", "MB", "GB"]) {
    if (v < 1024 || unit === "GB") {
      return unit === "bytes" ? `${sign}${Math.round(v)} bytes` : `${sign}${v.toFixed(1)} ${unit}`;
    }
    v /= 1024;
  }
  return `${n} bytes`;
}

/** A growth in bytes with its sign: `+46.3 MB`, `-2.1 MB`. */
function growth(n: number): string {
  return n < 0 ? bytes(n) : `+${bytes(n)}`;
}

/** A duration in ms as `412 ms` or `6.1 s`. */
export function ms(n: number | undefined): string {
  if (n === undefined) return "–";
  return n >= 10_000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`;
}

/** One character per value, its height relative to the largest. */
export function sparkline(values: number[], unicode: boolean): string {
  const chars = unicode ? SPARK_UNICODE : SPARK_ASCII;
  const max = Math.max(0, ...values);
  if (max === 0) return chars[0]!.repeat(values.length);
  return values
    .map((v) => {
      if (v === 0) return chars[0];
      return chars[Math.max(1, Math.round((v / max) * (chars.length - 1)))];
    })
    .join("");
}

/** A horizontal bar `width` wide at most, in eighths with Unicode. */
export function bar(value: number, max: number, width: number, unicode: boolean): string {
  if (max <= 0 || value <= 0) return "";
  const eighths = Math.max(1, Math.round((value / max) * width * 8));
  if (!unicode) return "#".repeat(Math.max(1, Math.round(eighths / 8)));
  const partial = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"][eighths % 8]!;
  return "█".repeat(Math.floor(eighths / 8)) + partial;
}

/** What the bench is about to do, before any server starts. */
export function renderPlan(plan: BenchPlan, style: Style): string {
  const s = style;
  const kind = TRANSPORTS[plan.transport];
  const where =
    plan.instances === 2 ? "spread over your server and server B, which share one Redis" : "";
  const lines = [
    "",
    s.bold(`Bench · Lesson ${plan.lesson.number} · ${plan.lesson.title}`),
    `  ${fmt(plan.connections)} ${kind.many} from this machine's loopback, ${CONCURRENCY * plan.instances} handshakes at a time${where ? `, ${where}` : ""}`,
  ];
  const limit = plan.runnerLimit.limit;
  if (limit) {
    lines.push(
      s.dim(
        `  open files: the runner may open ${fmtLimit(limit.soft)} (hard limit ${fmtLimit(limit.hard)}: ${plan.runnerLimit.note}); your server inherits that`,
      ),
    );
  } else lines.push(s.dim(`  open files: ${plan.runnerLimit.note}`));
  for (const cap of plan.caps) lines.push(`  ${s.yellow("Capped:")} ${cap}`);
  return `${lines.join("\n")}\n`;
}

/** A step's line as it finishes, like the check's. */
export function renderStep(r: StepResult, style: Style): string {
  const s = style;
  if (r.status === "pass")
    return `  ${s.green(s.ok)} ${r.title} ${s.dim(`(${ms(r.durationMs)})`)}\n`;
  if (r.status === "skipped") return "";
  const label = r.status === "error" ? s.yellow(s.bad) : s.red(s.bad);
  return `  ${label} ${s.bold(r.title)} ${s.dim(`(${ms(r.durationMs)})`)}\n`;
}

function label(text: string, style: Style): string {
  return style.bold(text.padEnd(13));
}

const INDENT = " ".repeat(15);

/** The whole report. */
export function renderReport(r: BenchReport, style: Style): string {
  const s = style;
  const unicode = s.ok !== "PASS";
  const kind = TRANSPORTS[r.transport];
  const out: string[] = [""];
  const o = r.open;

  // Connections
  const rate = o.perSecond ? `: ${fmt(o.perSecond)} per second` : "";
  const opened =
    o.opened === r.target
      ? s.green(`${fmt(o.opened)} opened`)
      : s.yellow(`${fmt(o.opened)} of ${fmt(r.target)} opened`);
  out.push(
    `  ${label("Connections", s)}${opened}, ${o.failed ? s.red(`${fmt(o.failed)} failed`) : "0 failed"} in ${ms(o.durationMs)}${rate} ${s.dim(`(${r.endpoint})`)}`,
  );
  if (o.opened > 0 && o.timeline.length > 1) {
    out.push(
      `${INDENT}${s.cyan(sparkline(o.timeline, unicode))} ${s.dim(`opened per ${ms(o.bucketMs)}`)}`,
    );
  }
  const cpu = o.cpu;
  if (cpu.serverPerConnection !== undefined || cpu.runnerPerConnection !== undefined) {
    const parts = [
      cpu.serverPerConnection !== undefined
        ? `your server${r.instances.length > 1 ? "s" : ""} ${cpu.serverPerConnection.toFixed(2)} ms`
        : undefined,
      cpu.runnerPerConnection !== undefined
        ? `the runner's clients ${cpu.runnerPerConnection.toFixed(2)} ms`
        : undefined,
    ].filter(Boolean);
    out.push(`${INDENT}${s.dim(`CPU per connection: ${parts.join(", ")}`)}`);
  }
  for (const f of o.failures.slice(0, 4)) {
    // One client's own words, without its name: what the reason was read from.
    const example = f.example.replace(/^\[[^\]]*\]\s*/, "");
    out.push(
      `${INDENT}${s.red(`${fmt(f.count)} ×`)} ${f.reason} ${s.dim(`(e.g. ${shorten(example)})`)}`,
    );
  }

  // Memory
  const m = r.memory;
  if (!m.measurable) out.push(`  ${label("Memory", s)}${s.dim(m.why ?? "not measurable here")}`);
  else if (m.measured <= 0)
    out.push(`  ${label("Memory", s)}${s.dim("no connection to divide by")}`);
  else {
    const parts: string[] = [];
    if (m.rssGrowth !== undefined && m.rssPerConnection !== undefined)
      parts.push(
        `RSS ${growth(m.rssGrowth)}: ${s.bold(`${bytes(m.rssPerConnection)} per connection`)}`,
      );
    if (m.heapGrowth !== undefined && m.heapPerConnection !== undefined)
      parts.push(`JS heap ${growth(m.heapGrowth)}: ${bytes(m.heapPerConnection)} per connection`);
    out.push(`  ${label("Memory", s)}${parts.join(" · ") || s.dim("not measured")}`);
    if (parts.length)
      out.push(
        `${INDENT}${s.dim(`growth over the ${fmt(m.measured)} connections opened after a warm-up of ${fmt(o.warmup)}, garbage collected first${r.instances.length > 1 ? ", both instances together" : ""}`)}`,
      );
  }
  if (m.measurable && m.fdGrowth !== undefined && m.fdsPerConnection !== undefined) {
    const each = r.instances
      .map((i) => {
        const open = i.after.fds ?? i.before.fds;
        const limit = i.fileLimit !== undefined ? ` of ${fmtLimit(i.fileLimit)}` : "";
        return open !== undefined ? `${i.name} ${fmt(open)}${limit}` : undefined;
      })
      .filter(Boolean)
      .join(", ");
    out.push(
      `  ${label("Descriptors", s)}${m.fdGrowth < 0 ? "" : "+"}${fmt(m.fdGrowth)}: ${s.bold(`${m.fdsPerConnection.toFixed(2)} per connection`)} ${s.dim(`(open now: ${each})`)}`,
    );
  }
  const caps = r.instances.map((i) => i.memoryCapMiB).find((x) => x !== undefined);
  if (r.instances.length) {
    const bits = [
      caps !== undefined ? `memory capped at ${fmt(caps)} MiB (the runner's cage)` : undefined,
      r.limits.serverHeapMB !== undefined
        ? `JS heap at ${fmt(r.limits.serverHeapMB)} MB`
        : undefined,
    ].filter(Boolean);
    if (bits.length) out.push(`${INDENT}${s.dim(`each server: ${bits.join(", ")}`)}`);
  }

  // Broadcast
  const b = r.broadcast;
  if (b) {
    const reached =
      b.missed === 0
        ? s.green(`all ${fmt(b.clients)} clients got it`)
        : s.red(`${fmt(b.missed)} of ${fmt(b.clients)} clients never got it`);
    out.push(`  ${label("Broadcast", s)}${b.trigger} → task_created: ${reached}`);
    if (b.received > 0) {
      out.push(
        `${INDENT}p50 ${s.bold(ms(b.p50))} · p99 ${s.bold(ms(b.p99))} · last ${s.bold(ms(b.last))} ${s.dim(`after the request was sent${b.responseMs !== undefined ? `; its response came after ${ms(b.responseMs)}` : ""}`)}`,
      );
    }
    for (const why of b.missedBecause)
      out.push(`${INDENT}${s.red(`${fmt(why.count)} ×`)} ${why.reason}`);
    if (r.instances.length > 1) {
      r.instances.forEach((inst, i) => {
        const l = inst.latency;
        if (!l) return;
        const how = i === 0 ? "the same instance" : "through Redis";
        const got =
          l.received === l.clients ? "" : s.red(`, ${fmt(l.clients - l.received)} missed`);
        out.push(
          `${INDENT}${`${inst.name} (${how}):`.padEnd(30)} ${fmt(l.clients)} clients${got}, p50 ${ms(l.p50)} · p99 ${ms(l.p99)} · last ${ms(l.last)}`,
        );
      });
    }
    const most = Math.max(0, ...b.histogram.map((x) => x.count));
    if (b.received > 1 && b.histogram.length > 1) {
      const ranges = b.histogram.map((h) => `${fmt(h.fromMs)}–${fmt(h.toMs)} ms`);
      const wide = Math.max(...ranges.map((x) => x.length));
      b.histogram.forEach((h, i) => {
        out.push(
          `${INDENT}${s.dim(ranges[i]!.padStart(wide))} ${s.cyan(bar(h.count, most, 30, unicode).padEnd(30))} ${fmt(h.count)}`,
        );
      });
    }
  }

  for (const note of r.notes) out.push(`  ${s.yellow("Note:")} ${note}`);

  if (r.failure) {
    out.push("", `  ${s.red(r.failure.message)}`);
    for (const d of r.failure.details.slice(0, 20)) out.push(`    ${d}`);
    out.push(`  ${s.yellow("Hint:")} ${r.failure.hint}`);
  }

  // The course beside the learner's figures.
  out.push("");
  out.push(`  ${label("The course", s)}${r.course.perConnection}; ${r.course.perServer}`);
  const yours: string[] = [];
  if (m.rssPerConnection !== undefined) yours.push(`${bytes(m.rssPerConnection)} of RSS`);
  if (m.fdsPerConnection !== undefined) yours.push(`${m.fdsPerConnection.toFixed(2)} descriptors`);
  const held = `${fmt(o.opened)} ${o.opened === 1 ? kind.one : kind.many} ${r.failure ? "opened" : "held"}${r.instances.length > 1 ? ` by ${r.instances.length} instances` : ""}${o.durationMs ? ` after ${ms(o.durationMs)} of opening` : ""}`;
  out.push(
    `  ${label("Yours", s)}${yours.length ? `${yours.join(" and ")} per connection; ` : ""}${held}`,
  );
  const verdict = r.complete
    ? `${s.green(s.done)} Bench finished in ${ms(r.durationMs)}.`
    : `${s.yellow(s.bad)} Bench incomplete after ${ms(r.durationMs)}: ${incompleteBecause(r)}.`;
  out.push("", `  ${verdict}`, "");
  return out.join("\n");
}

function incompleteBecause(r: BenchReport): string {
  if (r.failure) return `the step "${r.failure.title}" failed`;
  const why: string[] = [];
  if (r.open.opened < r.target)
    why.push(`${fmt(r.target - r.open.opened)} connections did not open`);
  if (r.broadcast && r.broadcast.missed > 0)
    why.push(`${fmt(r.broadcast.missed)} clients never got the event`);
  return why.join(", ") || "it stopped early";
}

function shorten(text: string, n = 90): string {
  const t = text.replace(/\s+/g, " ").trim();
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
}
