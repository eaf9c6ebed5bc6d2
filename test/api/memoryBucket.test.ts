// The memory bucket over a real pool: memory transactions never hold more than their share
// of it, a burst waits its turn (FIFO) and is served, a transaction that waits past the
// stalled-database bound is shed with OVERLOADED, and pg's own pool never has a waiter.
import { describe, expect, it } from "vitest";
import { createMemoryBucket, OverloadedError } from "../../src/api/memoryBucket.ts";
import { withTenantFrom } from "../../src/db/withTenant.ts";
import { tenantHash } from "../support/tenant.ts";
import { useTestDatabase } from "../support/testDatabase.ts";

const fx = useTestDatabase();

/** Runs `n` guarded transactions of `ms` each at once; samples the pool while they run. */
async function burst(bucket: ReturnType<typeof createMemoryBucket>, n: number, ms: number, onShed?: () => void) {
  const real = withTenantFrom(fx.pool, { userHash: tenantHash("bucket"), role: "memvault_user" });
  let maxBusy = 0;
  let maxWaiting = 0;
  const sampler = setInterval(() => {
    maxBusy = Math.max(maxBusy, fx.pool.totalCount - fx.pool.idleCount);
    maxWaiting = Math.max(maxWaiting, fx.pool.waitingCount);
  }, 2);
  // The order shares are granted in (the transaction itself may then connect in any order).
  const order: number[] = [];
  const results = await Promise.allSettled(
    Array.from({ length: n }, (_, i) =>
      bucket.guard((fn) => {
        order.push(i);
        return real(fn);
      }, onShed)(async (tx) => {
        // The transaction under test is a slow one: it holds its share for `ms`.
        await tx.query("select pg_catalog.pg_sleep($1::float8)", [ms / 1000]);
        return i;
      }),
    ),
  );
  clearInterval(sampler);
  return { results, maxBusy, maxWaiting, order };
}

describe("memory bucket", () => {
  it("a burst larger than the share waits its turn in order and is served, holding at most the share", async () => {
    const bucket = createMemoryBucket({ connections: 2, maxInflight: 100, maxWaitMs: 5_000 });
    const { results, maxBusy, maxWaiting, order } = await burst(bucket, 8, 100);
    expect(results.every((r) => r.status === "fulfilled")).toBe(true);
    expect(maxBusy).toBeLessThanOrEqual(2);
    expect(maxBusy).toBeGreaterThan(0);
    expect(maxWaiting).toBe(0);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]); // first come, first served
    expect(bucket.stats()).toEqual({ inflight: 0, connectionsInUse: 0, waiting: 0 });
  });

  it("a transaction that waits past maxWaitMs (a stalled database) is shed with OVERLOADED, a retry hint and onShed; the share is whole again afterwards", async () => {
    const bucket = createMemoryBucket({ connections: 1, maxInflight: 100, maxWaitMs: 150 });
    let told = 0;
    const { results } = await burst(bucket, 5, 200, () => told++);
    const shed = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason);
    expect(results[0]!.status).toBe("fulfilled");
    expect(shed.length).toBeGreaterThanOrEqual(3);
    expect(told).toBe(shed.length);
    for (const err of shed) {
      expect(err).toBeInstanceOf(OverloadedError);
      expect(err.extensions).toMatchObject({ code: "OVERLOADED" });
      expect(err.retryAfterMs).toBeGreaterThan(0);
    }
    expect(bucket.stats()).toEqual({ inflight: 0, connectionsInUse: 0, waiting: 0 });
    expect((await burst(bucket, 1, 1)).results[0]!.status).toBe("fulfilled");
  });

  it("a transaction that fails gives its share back", async () => {
    const bucket = createMemoryBucket({ connections: 1, maxInflight: 10, maxWaitMs: 0 });
    const guarded = bucket.guard(withTenantFrom(fx.pool, { userHash: tenantHash("bucket"), role: "memvault_user" }));
    await expect(guarded((tx) => tx.query("select 1/0"))).rejects.toMatchObject({ code: "22012" });
    await expect(guarded(async () => 7)).resolves.toBe(7);
  });

  it("admits at most maxInflight requests; each release counts once", () => {
    const bucket = createMemoryBucket({ connections: 1, maxInflight: 2, maxWaitMs: 0 });
    const a = bucket.enter()!;
    const b = bucket.enter()!;
    expect(bucket.enter()).toBeUndefined();
    a();
    a();
    expect(bucket.stats().inflight).toBe(1);
    const c = bucket.enter();
    expect(c).toBeDefined();
    b();
    c!();
    expect(bucket.stats().inflight).toBe(0);
  });
});
