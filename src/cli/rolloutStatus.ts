// `memvault rollout status`: the arms, the latest intervals' numbers and verdicts, the
// step, and what the next evaluation will decide.
import type { RolloutStatus } from "../sql/selectRolloutStatus.ts";

const pct = (bp: number) => `${(bp / 100).toFixed(bp % 100 ? 2 : 0)}%`;
const rate = (r: number | null) => (r === null ? "-" : `${(r * 100).toFixed(1)}%`);
const ms = (v: number | null) => (v === null ? "-" : v.toFixed(1));
const time = (d: Date | null) => (d ? d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z") : "-");

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}

/** What the next evaluation will do, in words. */
export function nextDecision(s: RolloutStatus, now = new Date()): string {
  const r = s.rollout;
  if (r.state === "pending") return `none until started: memvault rollout start ${r.name}`;
  if (!["running", "paused"].includes(r.state)) return `none: the rollout is ${r.state}`;
  const at = r.next_evaluation_at ? `at ${time(r.next_evaluation_at)}` : "soon";
  const lastChance = r.failures + 1 >= r.failure_limit ? "a failing interval rolls back" : `a failing interval counts (${r.failures + 1} of ${r.failure_limit} rolls back)`;
  if (r.state === "paused") return `${at}: guardrails only (paused; resume to advance); ${lastChance}`;
  const needs: string[] = [];
  const due = r.step_started_at && r.step_min_duration_seconds !== null ? new Date(r.step_started_at.getTime() + r.step_min_duration_seconds * 1000) : undefined;
  const evalAt = r.next_evaluation_at ?? now;
  if (due && due > evalAt) needs.push(`the step's minimum duration (until ${time(due)})`);
  const have = Math.min(s.stepSamples.control, s.stepSamples.treatment);
  if (r.step_min_samples !== null && have < r.step_min_samples) needs.push(`${r.step_min_samples - have} more samples in the smaller arm (${have} of ${r.step_min_samples})`);
  const next = s.steps.find((st) => st.step === r.current_step + 1);
  const move = next ? `advance to step ${next.step} (${pct(next.share_bp)})` : `promote ${r.treatment_variant}`;
  return needs.length ? `${at}: hold, waiting for ${needs.join(" and ")}; ${lastChance}` : `${at}: ${move} if the treatment passes; ${lastChance}`;
}

export function formatRolloutStatus(s: RolloutStatus, now = new Date()): string {
  const r = s.rollout;
  const out: string[] = [];
  out.push(`rollout ${r.name}: ${r.state}, step ${r.current_step} of ${r.steps}, treatment share ${pct(r.treatment_share_bp)}, failures ${r.failures} of ${r.failure_limit}`);
  out.push(`control ${r.control_variant}, treatment ${r.treatment_variant}; interval ${r.interval_seconds}s; started ${time(r.started_at)}${r.finished_at ? `; finished ${time(r.finished_at)}` : ""}`);
  out.push(`steps: ${s.steps.map((st) => `${st.step === r.current_step ? "*" : ""}${pct(st.share_bp)} for ${st.min_duration_seconds}s, ${st.min_samples} samples/arm`).join(" -> ")}`);
  const bounds = (g: RolloutStatus["guardrails"][number]) =>
    [g.max_value !== null ? `<= ${g.max_value}` : "", g.max_ratio !== null ? `<= ${g.max_ratio}x control` : "", g.max_delta !== null ? `<= control + ${g.max_delta}` : ""].filter(Boolean).join(" and ");
  out.push(`guardrails (treatment): ${s.guardrails.map((g) => `${g.metric} ${bounds(g)}`).join("; ")}`);
  out.push("");
  out.push(`samples this step: control ${s.stepSamples.control}, treatment ${s.stepSamples.treatment}`);
  if (s.measurements.length) {
    const rows = [["interval end", "arm", "variant", "samples", "p95 ms", "skip", "error", "verdict", "reasons"]];
    for (const m of s.measurements) {
      rows.push([time(m.window_end), m.arm, m.variant, String(m.samples), ms(m.p95_latency_ms), rate(m.skip_rate), rate(m.error_rate), m.verdict, m.reasons.join("; ")]);
    }
    out.push(table(rows));
  } else {
    out.push("no interval measured yet");
  }
  out.push("");
  out.push(`next decision: ${nextDecision(s, now)}`);
  out.push("");
  out.push("events:");
  out.push(table(s.events.map((e) => [time(e.at), e.actor, `${e.from_state ?? "-"} -> ${e.to_state}`, `step ${e.step}`, pct(e.share_bp), e.reason])));
  return out.join("\n");
}
