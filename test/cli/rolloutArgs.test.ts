// memvault rollout's argument parsing and its status text (pure: no database).
import { describe, expect, it } from "vitest";
import { guardrailsFrom, parseDuration, parseShare, parseSteps } from "../../src/cli/rolloutArgs.ts";
import { nextDecision } from "../../src/cli/rolloutStatus.ts";
import type { RolloutStatus } from "../../src/sql/selectRolloutStatus.ts";

describe("rollout arguments", () => {
  it("steps are share:duration:samples with shares in basis points", () => {
    expect(parseSteps("0.5%:30s:10,10%:5m:200,100%:1h:0")).toEqual([
      { share_bp: 50, min_duration_seconds: 30, min_samples: 10 },
      { share_bp: 1000, min_duration_seconds: 300, min_samples: 200 },
      { share_bp: 10000, min_duration_seconds: 3600, min_samples: 0 },
    ]);
    for (const bad of ["10%", "10%:5m", "10:5m:1", "0%:1m:1", "101%:1m:1", "10%:5x:1", "10%:5m:-1", "10%:5m:1:9", "0.001%:1m:1"]) {
      expect(() => parseSteps(bad), bad).toThrow(expect.objectContaining({ code: "BAD_INPUT" }));
    }
    expect(parseShare("12.34%")).toBe(1234);
    expect(parseDuration("90", "--interval")).toBe(90);
  });

  it("guardrails default to the documented bounds and take overrides", () => {
    expect(guardrailsFrom({})).toEqual([
      { metric: "p95_latency_ms", max_ratio: 1.5 },
      { metric: "skip_rate", max_value: 0.05, max_delta: 0.02 },
      { metric: "error_rate", max_value: 0.01, max_delta: 0.01 },
    ]);
    expect(guardrailsFrom({ "max-p95-ms": "200", "max-skip-rate": "0.1" })[0]).toEqual({ metric: "p95_latency_ms", max_value: 200, max_ratio: 1.5 });
    expect(() => guardrailsFrom({ "max-error-rate": "-1" })).toThrow(expect.objectContaining({ code: "BAD_INPUT" }));
    expect(() => guardrailsFrom({ "max-p95-ratio": "fast" })).toThrow(expect.objectContaining({ code: "BAD_INPUT" }));
  });
});

describe("the next decision", () => {
  const at = new Date("2026-01-01T00:00:00Z");
  const status = (over: Partial<RolloutStatus["rollout"]>, samples = { control: 100, treatment: 100 }): RolloutStatus => ({
    rollout: {
      id: "1", name: "r", state: "running", control_variant: "a", treatment_variant: "b", current_step: 1, steps: 2, treatment_share_bp: 1000,
      failures: 0, failure_limit: 2, interval_seconds: 60, min_interval_samples: 10, step_started_at: at, evaluated_until: at,
      next_evaluation_at: new Date(at.getTime() + 60_000), step_min_duration_seconds: 60, step_min_samples: 50, started_at: at, finished_at: null, ...over,
    },
    steps: [{ step: 1, share_bp: 1000, min_duration_seconds: 60, min_samples: 50 }, { step: 2, share_bp: 5000, min_duration_seconds: 60, min_samples: 50 }],
    guardrails: [],
    measurements: [],
    stepSamples: samples,
    events: [],
  });

  it("says what the next evaluation will do", () => {
    expect(nextDecision(status({}))).toMatch(/advance to step 2 \(50%\) if the treatment passes; a failing interval counts \(1 of 2 rolls back\)/);
    expect(nextDecision(status({ current_step: 2 }))).toMatch(/promote b if the treatment passes/);
    expect(nextDecision(status({ failures: 1 }))).toMatch(/a failing interval rolls back/);
    expect(nextDecision(status({}, { control: 100, treatment: 20 }))).toMatch(/hold, waiting for 30 more samples in the smaller arm \(20 of 50\)/);
    expect(nextDecision(status({ step_min_duration_seconds: 600 }))).toMatch(/hold, waiting for the step's minimum duration/);
    expect(nextDecision(status({ state: "paused" }))).toMatch(/guardrails only/);
    expect(nextDecision(status({ state: "rolled_back" }))).toBe("none: the rollout is rolled_back");
  });
});
