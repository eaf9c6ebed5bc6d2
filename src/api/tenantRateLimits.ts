// Per-tenant rate limits by class, counted from an operation's cost (checkOperation): a
// rememberMany of 40 spends 40 writes, a search with a query one search and one rerank.
// rate-limiter-flexible's in-memory limiter, fixed one-minute windows, per API process:
// with N processes behind a balancer a tenant gets up to N times the limit (docs/api.md, "Rate limits and load shedding").
// An operation is admitted whole or not at all: classes consumed before a refusal are
// given back (and the refused class's own count), so a refused request spends nothing.
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { CodedError } from "../codedError.ts";
import type { OperationCost } from "./operationCost.ts";

export type TenantRateLimitConfig = Record<keyof OperationCost, number>;
/** A cost class; in_flight: the tenant's cap on requests at once (tenantCap.ts); export: one export at a time per tenant. */
export type RateClass = keyof OperationCost | "in_flight" | "export";

export type Admission = { admitted: true } | { admitted: false; rateClass: RateClass; retryAfterMs: number };

export interface TenantRateLimits {
  /** Spends `cost` for the tenant, all classes or none. */
  admit(userHash: string, cost: Partial<OperationCost>): Promise<Admission>;
}

const WINDOW_SECONDS = 60;

/** Over a tenant's limit: nothing of the operation ran; retry after retryAfterMs. */
export class RateLimitedError extends CodedError<"RATE_LIMITED"> {
  readonly retryAfterMs: number;
  readonly rateClass: RateClass;
  constructor(rateClass: RateClass, retryAfterMs: number) {
    super("RATE_LIMITED", `rate limit for ${rateClass} reached; retry after ${retryAfterMs} ms`);
    this.rateClass = rateClass;
    this.retryAfterMs = retryAfterMs;
  }

  override get extensions() {
    return { code: this.code, retryAfterMs: this.retryAfterMs, rateClass: this.rateClass };
  }
}

export function createTenantRateLimits(perMinute: TenantRateLimitConfig): TenantRateLimits {
  const limiters = new Map<keyof OperationCost, RateLimiterMemory>();
  for (const [rateClass, points] of Object.entries(perMinute) as [keyof OperationCost, number][]) {
    if (points > 0) limiters.set(rateClass, new RateLimiterMemory({ keyPrefix: rateClass, points, duration: WINDOW_SECONDS }));
  }
  return {
    async admit(userHash, cost) {
      const spent: [RateLimiterMemory, number][] = [];
      for (const [rateClass, limiter] of limiters) {
        const points = cost[rateClass] ?? 0;
        if (points <= 0) continue;
        try {
          await limiter.consume(userHash, points);
          spent.push([limiter, points]);
        } catch (res) {
          if (!(res instanceof RateLimiterRes)) throw res;
          // The limiter counted the refused points too: give those back as well.
          await Promise.all([...spent, [limiter, points] as const].map(([l, p]) => l.reward(userHash, p)));
          // More than a whole window's points can never pass: say so rather than "retry later".
          const retryAfterMs = points > perMinute[rateClass] ? WINDOW_SECONDS * 1000 : Math.max(1, res.msBeforeNext);
          return { admitted: false, rateClass, retryAfterMs };
        }
      }
      return { admitted: true };
    },
  };
}
