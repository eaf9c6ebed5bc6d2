// `memvault rollout` arguments: steps as share:duration:samples, durations as 30s/5m/1h,
// guardrails from flags with documented defaults.
import type { GuardrailSpec, RolloutStepSpec } from "../sql/createRerankRollout.ts";
import { CliError } from "./cliError.ts";

/** "90", "90s", "5m", "1h" → seconds. */
export function parseDuration(value: string, flag: string): number {
  const m = /^(\d+)(s|m|h)?$/.exec(value.trim());
  if (!m) throw new CliError("BAD_INPUT", `${flag}: '${value}' is not a duration (e.g. 30s, 5m, 1h)`);
  return Number(m[1]) * (m[2] === "h" ? 3600 : m[2] === "m" ? 60 : 1);
}

/** "1%" or "0.5%" → basis points; a share must be a whole number of basis points in (0, 100%]. */
export function parseShare(value: string): number {
  const m = /^(\d+(?:\.\d{1,2})?)%$/.exec(value.trim());
  const bp = m ? Math.round(Number(m[1]) * 100) : NaN;
  if (!(bp >= 1 && bp <= 10_000)) throw new CliError("BAD_INPUT", `--steps: share '${value}' must be a percentage between 0.01% and 100%`);
  return bp;
}

/** "1%:5m:100,10%:10m:500" → steps (share, minimum duration, minimum samples per arm). */
export function parseSteps(value: string): RolloutStepSpec[] {
  return value.split(",").map((part) => {
    const [share, duration, samples, ...rest] = part.split(":");
    if (!share || !duration || samples === undefined || rest.length || !/^\d+$/.test(samples)) {
      throw new CliError("BAD_INPUT", `--steps: '${part}' must be share:duration:samples, e.g. 10%:5m:200`);
    }
    return { share_bp: parseShare(share), min_duration_seconds: parseDuration(duration, "--steps"), min_samples: Number(samples) };
  });
}

function num(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) throw new CliError("BAD_INPUT", `${flag}: '${value}' must be a number >= 0`);
  return n;
}

export interface GuardrailFlags {
  "max-p95-ms"?: string;
  "max-p95-ratio"?: string;
  "max-skip-rate"?: string;
  "max-skip-delta"?: string;
  "max-error-rate"?: string;
  "max-error-delta"?: string;
}

/** Defaults: p95 at most 1.5x control's; skip rate at most 5% and 2 points over control's; error rate at most 1% and 1 point over. */
export function guardrailsFrom(flags: GuardrailFlags): GuardrailSpec[] {
  const clean = (g: GuardrailSpec): GuardrailSpec => Object.fromEntries(Object.entries(g).filter(([, v]) => v !== undefined)) as GuardrailSpec;
  const p95Ms = num(flags["max-p95-ms"], "--max-p95-ms");
  return [
    clean({ metric: "p95_latency_ms", ...(p95Ms !== undefined ? { max_value: p95Ms } : {}), max_ratio: num(flags["max-p95-ratio"], "--max-p95-ratio") ?? 1.5 }),
    clean({ metric: "skip_rate", max_value: num(flags["max-skip-rate"], "--max-skip-rate") ?? 0.05, max_delta: num(flags["max-skip-delta"], "--max-skip-delta") ?? 0.02 }),
    clean({ metric: "error_rate", max_value: num(flags["max-error-rate"], "--max-error-rate") ?? 0.01, max_delta: num(flags["max-error-delta"], "--max-error-delta") ?? 0.01 }),
  ];
}

export function wholeNumber(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value.trim())) throw new CliError("BAD_INPUT", `${flag}: '${value}' must be a whole number`);
  return Number(value);
}
