// Reranker rollouts in the database: bucketing, the operator functions and who may call
// them, the state machine, and evaluate_rerank_rollout's measurements and decisions.
// Time is moved by backdating a rollout's window, never by sleeping.
import { createHash } from "node:crypto";
import fc from "fast-check";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { asIdentity, tenantHash } from "../support/tenant.ts";
import { waitFor } from "../support/waitFor.ts";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.ts";

let db: TestDatabase;
let root: pg.Pool;
let operator: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  root = db.pool();
  operator = db.pool("operator");
  for (const name of ["ctl", "trt", "other"]) {
    await operator.query("select memvault.create_rerank_variant($1, null, $2, null)", [name, `http://127.0.0.1:9/${name}`]);
  }
});

afterAll(async () => {
  await operator.end();
  await root.end();
  await db.drop();
});

beforeEach(async () => {
  // One active rollout at a time: whatever the last test left running is over.
  await root.query("update memvault.rerank_rollouts set state = 'aborted', finished_at = now() where state in ('running', 'paused')");
  await root.query("update memvault.rerank_settings set default_variant = null");
});

/** The bucket as specified: first 32 bits of SHA-256(salt ':' user_hash), mod 10000. */
const specBucket = (salt: string, userHash: string) => createHash("sha256").update(`${salt}:${userHash}`, "utf8").digest().readUInt32BE(0) % 10_000;

const GUARDRAILS = [
  { metric: "p95_latency_ms", max_value: 200, max_ratio: 2 },
  { metric: "skip_rate", max_value: 0.1, max_delta: 0.05 },
  { metric: "error_rate", max_value: 0.05 },
];

let seq = 0;
async function createRollout(opts: { steps?: object[]; failureLimit?: number; minSamples?: number; salt?: string; interval?: number } = {}): Promise<{ name: string; id: string }> {
  const name = `r${++seq}`;
  const { rows } = await operator.query(
    "select memvault.create_rerank_rollout($1, 'ctl', 'trt', $2::jsonb, $3::jsonb, $4, $5, $6, $7)::text as id",
    [
      name,
      JSON.stringify(opts.steps ?? [{ share_bp: 1000, min_duration_seconds: 10, min_samples: 20 }, { share_bp: 5000, min_duration_seconds: 10, min_samples: 20 }]),
      JSON.stringify(GUARDRAILS),
      opts.interval ?? 10,
      opts.failureLimit ?? 2,
      opts.minSamples ?? 5,
      opts.salt ?? null,
    ],
  );
  return { name, id: rows[0].id };
}

/** Moves the rollout's clock back: its current window ended `seconds` ago (earlier samples move a day back, out of it). */
async function backdate(id: string, seconds: number) {
  await root.query("update memvault.rerank_rollout_samples set finished_at = finished_at - interval '1 day' where rollout_id = $1::bigint", [id]);
  await root.query(
    `update memvault.rerank_rollouts set evaluated_until = now() - make_interval(secs => $2::int + interval_seconds),
            step_started_at = now() - make_interval(secs => $2::int + interval_seconds) where id = $1::bigint`,
    [id, seconds],
  );
}

/** n samples in the window that backdate() opened (finished a moment after it began). */
async function addSamples(id: string, arm: "control" | "treatment", n: number, outcome: string, latencyMs: number | null, tenantKey: number | null = null) {
  await root.query(
    `insert into memvault.rerank_rollout_samples (rollout_id, arm, variant, requested_at, finished_at, outcome, latency_ms, tenant_key)
     select r.id, $2, case $2 when 'control' then r.control_variant else r.treatment_variant end,
            r.evaluated_until, r.evaluated_until + interval '100 milliseconds', $4, $5::float8, $6::bigint
     from memvault.rerank_rollouts r, generate_series(1, $3::int)
     where r.id = $1::bigint`,
    [id, arm, n, outcome, latencyMs, tenantKey],
  );
}

/** n samples from each of `tenants` tenants (keys from `firstKey` on). */
async function addTenantSamples(id: string, arm: "control" | "treatment", tenants: number, n: number, outcome: string, latencyMs: number, firstKey: number) {
  for (let t = 0; t < tenants; t++) await addSamples(id, arm, n, outcome, latencyMs, firstKey + t);
}

const evaluate = async (id: string, client: pg.Pool | pg.PoolClient = root) =>
  (await client.query("select memvault.evaluate_rerank_rollout($1::bigint) as r", [id])).rows[0].r as { decision: string; state: string; step: number; failures: number; verdicts: Record<string, string> };
const rollout = async (id: string) => (await root.query("select * from memvault.rerank_rollouts where id = $1::bigint", [id])).rows[0];
const defaultVariant = async () => (await root.query("select default_variant from memvault.rerank_settings")).rows[0].default_variant as string | null;

/** What rerank_assignment() answers for each tenant, as memvault_worker. */
async function assignments(tenants: string[]): Promise<Map<string, { arm: string | null; name: string } | undefined>> {
  const client = await root.connect();
  const out = new Map<string, { arm: string | null; name: string } | undefined>();
  try {
    await client.query("begin");
    await client.query("select set_config('role', 'memvault_worker', true)");
    for (const t of tenants) {
      await client.query("select set_config('app.user_hash', $1, true)", [t]);
      out.set(t, (await client.query("select arm, name from memvault.rerank_assignment()")).rows[0]);
    }
    await client.query("commit");
  } finally {
    client.release();
  }
  return out;
}

describe("bucketing", () => {
  it("rerank_bucket is the specified hash, in [0, 10000), for any salt and tenant (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40, unit: "binary" }).filter((s) => !s.includes("\u0000")), fc.uint8Array({ minLength: 32, maxLength: 32 }), async (salt, bytes) => {
        const userHash = Buffer.from(bytes).toString("hex");
        const { rows } = await root.query("select memvault.rerank_bucket($1, $2) as b", [salt, userHash]);
        expect(rows[0].b).toBe(specBucket(salt, userHash));
        expect(rows[0].b).toBeGreaterThanOrEqual(0);
        expect(rows[0].b).toBeLessThan(10_000);
      }),
      { numRuns: 150 },
    );
  });

  it("raising the share only adds tenants, the share is close to the step's, and a new salt draws a new sample", async () => {
    const tenants = Array.from({ length: 1000 }, (_, i) => tenantHash(`bucket ${i}`));
    const { name, id } = await createRollout({ salt: "salt-one" });
    await operator.query("select memvault.start_rerank_rollout($1)", [name]);
    const step1 = await assignments(tenants);
    const treated1 = tenants.filter((t) => step1.get(t)?.arm === "treatment");
    expect(treated1.length).toBeGreaterThan(75);
    expect(treated1.length).toBeLessThan(125);
    for (const t of tenants) expect(step1.get(t)?.name).toBe(step1.get(t)?.arm === "treatment" ? "trt" : "ctl");
    // The same tenant, asked again on another connection: the same arm.
    expect(await assignments(treated1.slice(0, 20))).toEqual(new Map(treated1.slice(0, 20).map((t) => [t, { arm: "treatment", name: "trt" }])));

    await root.query("update memvault.rerank_rollouts set current_step = 2 where id = $1::bigint", [id]);
    const step2 = await assignments(tenants);
    const treated2 = new Set(tenants.filter((t) => step2.get(t)?.arm === "treatment"));
    for (const t of treated1) expect(treated2.has(t)).toBe(true);
    expect(treated2.size).toBeGreaterThan(450);
    expect(treated2.size).toBeLessThan(550);

    await operator.query("select memvault.abort_rerank_rollout($1)", [name]);
    const { name: other } = await createRollout({ salt: "salt-two" });
    await operator.query("select memvault.start_rerank_rollout($1)", [other]);
    const otherArms = await assignments(tenants);
    const treatedB = tenants.filter((t) => otherArms.get(t)?.arm === "treatment");
    expect(treatedB.length).toBeGreaterThan(75);
    expect(treatedB.length).toBeLessThan(125);
    // Independent draws of 10% overlap on about 1% of tenants, not 10%.
    expect(treatedB.filter((t) => treated1.includes(t)).length).toBeLessThan(35);
  });

  it("no tenant setting: no assignment at all", async () => {
    const { name } = await createRollout();
    await operator.query("select memvault.start_rerank_rollout($1)", [name]);
    const rows = await asIdentity(root, { role: "memvault_worker" }, async (c) => (await c.query("select * from memvault.rerank_assignment()")).rows);
    expect(rows).toEqual([]);
  });
});

describe("who may do what", () => {
  it("only the operator (or a superuser) may call the rollout functions", async () => {
    for (const role of ["memvault_user", "memvault_worker", "memvault_monitor", "memvault_authenticator"]) {
      await expect(asIdentity(root, { role, userHash: tenantHash("x") }, (c) => c.query("select memvault.create_rerank_variant('sneaky', null, 'http://x/', null)"))).rejects.toMatchObject({ code: "42501" });
      await expect(asIdentity(root, { role, userHash: tenantHash("x") }, (c) => c.query("select memvault.start_rerank_rollout('r1')"))).rejects.toMatchObject({ code: "42501" });
    }
    await expect(asIdentity(root, { role: "memvault_worker" }, (c) => c.query("select memvault.set_default_rerank_variant('trt')"))).rejects.toMatchObject({ code: "42501" });
  });

  it("nobody writes the operator tables directly, not even the operator", async () => {
    const writes = [
      "insert into memvault.rerank_variants (name, remote_url) values ('direct', 'http://x/')",
      "update memvault.rerank_rollouts set state = 'promoted'",
      "update memvault.rerank_settings set default_variant = 'trt'",
      "delete from memvault.rerank_rollout_events",
      "insert into memvault.rerank_rollout_samples (rollout_id, arm, variant, requested_at, finished_at, outcome) values (1, 'treatment', 'trt', now(), now(), 'reranked')",
      "update memvault.rerank_rollout_measurements set verdict = 'ok'",
    ];
    for (const role of ["memvault_operator", "memvault_worker", "memvault_monitor", "memvault_user"]) {
      for (const sql of writes) {
        await expect(asIdentity(root, { role, userHash: tenantHash("x") }, (c) => c.query(sql)), `${role}: ${sql}`).rejects.toMatchObject({ code: "42501" });
      }
    }
  });

  it("the monitor reads the views, not the tables; a tenant reads neither, nor who served its searches", async () => {
    const { name } = await createRollout();
    const seen = await asIdentity(root, { role: "memvault_monitor" }, async (c) => (await c.query("select name, state from memvault.monitor_rerank_rollouts where name = $1", [name])).rows);
    expect(seen).toEqual([{ name, state: "pending" }]);
    await asIdentity(root, { role: "memvault_monitor" }, async (c) => c.query("select * from memvault.monitor_rerank_events")); // readable
    await expect(asIdentity(root, { role: "memvault_monitor" }, (c) => c.query("select * from memvault.rerank_rollouts"))).rejects.toMatchObject({ code: "42501" });
    for (const sql of ["select * from memvault.monitor_rerank_rollouts", "select * from memvault.rerank_variants", "select rerank_variant from memvault.search_requests", "select rollout_arm from memvault.search_requests"]) {
      await expect(asIdentity(root, { role: "memvault_user", userHash: tenantHash("x") }, (c) => c.query(sql)), sql).rejects.toMatchObject({ code: "42501" });
    }
  });
});

describe("the state machine", () => {
  it("moves only along its edges, one active rollout at a time, and records each move with its actor", async () => {
    const a = await createRollout();
    const b = await createRollout();
    const call = (fn: string, name: string) => operator.query(`select memvault.${fn}_rerank_rollout($1)`, [name]);
    await expect(call("pause", a.name)).rejects.toMatchObject({ code: "55000" });
    await expect(call("resume", a.name)).rejects.toMatchObject({ code: "55000" });
    await expect(call("promote", a.name)).rejects.toMatchObject({ code: "55000" });
    await expect(call("start", "no-such-rollout")).rejects.toMatchObject({ code: "P0002" });
    await call("start", a.name);
    await expect(call("start", a.name)).rejects.toMatchObject({ code: "55000" });
    await expect(call("start", b.name)).rejects.toMatchObject({ code: "55000" }); // a is running
    await call("pause", a.name);
    await expect(call("start", b.name)).rejects.toMatchObject({ code: "55000" }); // paused counts as active
    await call("resume", a.name);
    await call("abort", a.name);
    await expect(call("resume", a.name)).rejects.toMatchObject({ code: "55000" });
    expect(await defaultVariant()).toBe("ctl"); // an abort leaves every tenant on the control
    await call("start", b.name);
    await call("promote", b.name);
    expect(await defaultVariant()).toBe("trt");
    await expect(call("abort", b.name)).rejects.toMatchObject({ code: "55000" });
    const events = (await root.query("select actor, from_state, to_state, reason from memvault.rerank_rollout_events where rollout_id = $1::bigint order by id", [a.id])).rows;
    expect(events.map((e) => `${e.from_state ?? "-"}>${e.to_state}`)).toEqual(["->pending", "pending>running", "running>paused", "paused>running", "running>aborted"]);
    expect(new Set(events.map((e) => e.actor))).toEqual(new Set(["memvault_operator"]));
  });

  it("refuses bad rollouts with their codes and creates nothing", async () => {
    const before = (await root.query("select count(*)::int as n from memvault.rerank_rollouts")).rows[0].n;
    const create = (steps: unknown, guardrails: unknown = GUARDRAILS, control = "ctl", treatment = "trt") =>
      operator.query("select memvault.create_rerank_rollout('bad', $3, $4, $1::jsonb, $2::jsonb, 5, 2, 5)", [JSON.stringify(steps), JSON.stringify(guardrails), control, treatment]);
    await expect(create([])).rejects.toMatchObject({ code: "22023" });
    await expect(create([{ share_bp: 5000 }, { share_bp: 1000 }])).rejects.toMatchObject({ code: "22023" }); // shares must grow
    await expect(create([{ share_bp: 20000 }])).rejects.toMatchObject({ code: "23514" });
    await expect(create([{ share_bp: 1000 }], [])).rejects.toMatchObject({ code: "22023" });
    await expect(create([{ share_bp: 1000 }], [{ metric: "p95_latency_ms" }])).rejects.toMatchObject({ code: "23514" }); // no bound
    await expect(create([{ share_bp: 1000 }], [{ metric: "accuracy", max_value: 1 }])).rejects.toMatchObject({ code: "23514" });
    await expect(create([{ share_bp: 1000 }], GUARDRAILS, "ctl", "ctl")).rejects.toMatchObject({ code: "23514" });
    await expect(create([{ share_bp: 1000 }], GUARDRAILS, "ctl", "missing")).rejects.toMatchObject({ code: "23503" });
    await expect(operator.query("select memvault.create_rerank_variant('nopin', '/models/x', null, null)")).rejects.toMatchObject({ code: "23514" });
    // Reserved: the workers' own RERANK_* settings, and its retired name.
    for (const reserved of ["settings", "env"]) {
      await expect(operator.query("select memvault.create_rerank_variant($1::text, null, 'http://x/', null)", [reserved])).rejects.toMatchObject({ code: "23514" });
    }
    expect((await root.query("select count(*)::int as n from memvault.rerank_rollouts")).rows[0].n).toBe(before);
  });
});

describe("evaluate_rerank_rollout", () => {
  it("a failing treatment counts toward the limit and reaching it rolls back at once, with the numbers and a NOTIFY", async () => {
    const { name, id } = await createRollout({ failureLimit: 2 });
    await operator.query("select memvault.start_rerank_rollout($1)", [name]);
    const listener = new pg.Client({ connectionString: db.url("root") });
    await listener.connect();
    const notes: string[] = [];
    listener.on("notification", (n) => notes.push(`${n.channel}:${n.payload}`));
    await listener.query("listen memvault_rollout");
    try {
      await backdate(id, 1);
      await addSamples(id, "control", 20, "reranked", 20);
      await addSamples(id, "treatment", 20, "timeout", 250);
      const first = await evaluate(id);
      expect(first).toMatchObject({ decision: "fail", state: "running", failures: 1, verdicts: { control: "ok", treatment: "fail" } });
      await backdate(id, 1);
      await addSamples(id, "control", 20, "reranked", 20);
      await addSamples(id, "treatment", 20, "breaker_open", 0);
      const second = await evaluate(id);
      expect(second).toMatchObject({ decision: "rollback", state: "rolled_back", failures: 2 });
      expect(await defaultVariant()).toBe("ctl");
      const event = (await root.query("select actor, to_state, share_bp, reason, evidence from memvault.rerank_rollout_events where rollout_id = $1::bigint order by id desc limit 1", [id])).rows[0];
      expect(event).toMatchObject({ actor: "evaluator", to_state: "rolled_back", share_bp: 0 });
      expect(event.reason).toMatch(/2 of 2/);
      const treatment = event.evidence.measurements.find((m: { arm: string }) => m.arm === "treatment");
      expect(treatment).toMatchObject({ samples: 20, skip_rate: 1, verdict: "fail" });
      expect(treatment.reasons.join(" ")).toMatch(/skip_rate 1 > 0.1 skip_rate 1 > control 0 \+ 0.05/);
      const reasons = (await root.query("select reasons from memvault.rerank_rollout_measurements where rollout_id = $1::bigint and arm = 'treatment' order by window_end", [id])).rows;
      expect(reasons[0].reasons.join(" ")).toMatch(/p95_latency_ms 250 > 200/);
      expect(reasons[0].reasons.join(" ")).toMatch(/p95_latency_ms 250 > 2 x control 20/);
      await waitFor("the rollout's NOTIFY", () => notes.includes(`memvault_rollout:${id}`));
      // After the rollback: every tenant on the control, and evaluation is over.
      expect((await assignments([tenantHash("after")])).get(tenantHash("after"))).toEqual({ arm: null, name: "ctl" });
      expect((await evaluate(id)).decision).toBe("inactive");
    } finally {
      await listener.end();
    }
  });

  it("too few samples is inconclusive: it neither fails nor advances", async () => {
    const { name, id } = await createRollout({ minSamples: 10, steps: [{ share_bp: 1000, min_duration_seconds: 0, min_samples: 0 }, { share_bp: 2000, min_duration_seconds: 0, min_samples: 0 }] });
    await operator.query("select memvault.start_rerank_rollout($1)", [name]);
    await backdate(id, 1);
    await addSamples(id, "control", 50, "reranked", 20);
    await addSamples(id, "treatment", 9, "error", null);
    const r = await evaluate(id);
    expect(r).toMatchObject({ decision: "hold", failures: 0, step: 1, verdicts: { treatment: "inconclusive", control: "ok" } });
  });

  it("'disabled' (RERANK_ENABLED=false) is not a sample; a ratio and a delta to control are judged", async () => {
    const { name, id } = await createRollout({ steps: [{ share_bp: 1000, min_duration_seconds: 3600, min_samples: 0 }] });
    await operator.query("select memvault.start_rerank_rollout($1)", [name]);
    await backdate(id, 1);
    await addSamples(id, "control", 40, "reranked", 10);
    await addSamples(id, "treatment", 40, "disabled", 0);
    expect((await evaluate(id)).verdicts).toEqual({ control: "ok", treatment: "inconclusive" });
    await backdate(id, 1);
    await addSamples(id, "control", 40, "reranked", 10);
    await addSamples(id, "treatment", 40, "reranked", 30); // under the absolute 200 ms, over 2x control
    const r = await evaluate(id);
    expect(r).toMatchObject({ decision: "fail", verdicts: { treatment: "fail" } });
    await backdate(id, 1);
    await addSamples(id, "control", 38, "reranked", 10);
    await addSamples(id, "control", 2, "timeout", 15);
    await addSamples(id, "treatment", 37, "reranked", 12);
    await addSamples(id, "treatment", 3, "timeout", 15); // skip 7.5%: under 10% and under control's 5% + 5 points
    expect((await evaluate(id)).verdicts.treatment).toBe("ok");
  });

  it("passing a step's duration and samples advances; the last step promotes and the treatment becomes the default", async () => {
    const { name, id } = await createRollout({ steps: [{ share_bp: 1000, min_duration_seconds: 5, min_samples: 30 }, { share_bp: 5000, min_duration_seconds: 5, min_samples: 30 }] });
    await operator.query("select memvault.start_rerank_rollout($1)", [name]);
    await backdate(id, 1);
    await addSamples(id, "control", 20, "reranked", 10);
    await addSamples(id, "treatment", 20, "reranked", 11);
    expect(await evaluate(id)).toMatchObject({ decision: "hold", step: 1 }); // 20 < 30 samples
    await backdate(id, 1);
    await addSamples(id, "control", 20, "reranked", 10);
    await addSamples(id, "treatment", 20, "reranked", 11);
    expect(await evaluate(id)).toMatchObject({ decision: "advance", step: 2, state: "running" });
    expect((await rollout(id)).step_started_at.getTime()).toBe((await rollout(id)).evaluated_until.getTime());
    await backdate(id, 1);
    await addSamples(id, "control", 40, "reranked", 10);
    await addSamples(id, "treatment", 40, "reranked", 11);
    expect(await evaluate(id)).toMatchObject({ decision: "promote", state: "promoted" });
    expect(await defaultVariant()).toBe("trt");
    expect((await assignments([tenantHash("anyone")])).get(tenantHash("anyone"))).toEqual({ arm: null, name: "trt" });
    const transitions = (await root.query("select from_state, to_state, step, share_bp from memvault.rerank_rollout_events where rollout_id = $1::bigint order by id", [id])).rows;
    expect(transitions).toEqual([
      { from_state: null, to_state: "pending", step: 0, share_bp: 0 },
      { from_state: "pending", to_state: "running", step: 1, share_bp: 1000 },
      { from_state: "running", to_state: "running", step: 2, share_bp: 5000 },
      { from_state: "running", to_state: "promoted", step: 2, share_bp: 10000 },
    ]);
  });

  it("paused: guardrails still roll back, steps never advance", async () => {
    const { name, id } = await createRollout({ failureLimit: 1, steps: [{ share_bp: 1000, min_duration_seconds: 0, min_samples: 0 }, { share_bp: 2000, min_duration_seconds: 0, min_samples: 0 }] });
    await operator.query("select memvault.start_rerank_rollout($1)", [name]);
    await operator.query("select memvault.pause_rerank_rollout($1)", [name]);
    await backdate(id, 1);
    await addSamples(id, "control", 20, "reranked", 10);
    await addSamples(id, "treatment", 20, "reranked", 10);
    expect(await evaluate(id)).toMatchObject({ decision: "hold", step: 1, state: "paused" });
    await backdate(id, 1);
    await addSamples(id, "control", 20, "reranked", 10);
    await addSamples(id, "treatment", 20, "no_model", null);
    expect(await evaluate(id)).toMatchObject({ decision: "rollback", state: "rolled_back" });
  });

  it("samples are pruned a day after the window that measured them, not before", async () => {
    const { name, id } = await createRollout({ steps: [{ share_bp: 1000, min_duration_seconds: 3600, min_samples: 0 }] });
    await operator.query("select memvault.start_rerank_rollout($1)", [name]);
    await backdate(id, 1);
    await addSamples(id, "control", 10, "reranked", 10);
    await addSamples(id, "treatment", 10, "reranked", 10);
    const mine = async () => (await root.query("select count(*)::int as n from memvault.rerank_rollout_samples where rollout_id = $1::bigint", [id])).rows[0].n;
    await root.query("select memvault.prune_rerank_samples()");
    expect(await mine()).toBe(20); // not measured yet
    await evaluate(id);
    await addSamples(id, "treatment", 5, "reranked", 10); // after the evaluated window: kept
    await root.query("update memvault.rerank_rollout_samples set finished_at = finished_at - interval '25 hours' where rollout_id = $1::bigint and finished_at < (select evaluated_until from memvault.rerank_rollouts where id = $1::bigint)", [id]);
    const pruned = await asIdentity(root, { role: "memvault_worker" }, async (c) => Number((await c.query("select memvault.prune_rerank_samples() as n")).rows[0].n), { commit: true });
    expect(pruned).toBeGreaterThanOrEqual(20);
    expect(await mine()).toBe(5);
  });

  it("two evaluators at once make one decision per interval", async () => {
    const { name, id } = await createRollout({ failureLimit: 50, steps: [{ share_bp: 1000, min_duration_seconds: 3600, min_samples: 0 }] });
    await operator.query("select memvault.start_rerank_rollout($1)", [name]);
    const a = await root.connect();
    const b = await root.connect();
    try {
      for (let round = 0; round < 10; round++) {
        await backdate(id, 1);
        await addSamples(id, "control", 10, "reranked", 10);
        await addSamples(id, "treatment", 10, "error", null);
        const results = await Promise.all([evaluate(id, a), evaluate(id, b)]);
        expect(results.map((r) => r.decision).sort()).toEqual(["fail", "not_due"]);
      }
      const r = await rollout(id);
      expect(r.failures).toBe(10);
      const windows = (await root.query("select count(*)::int as n, count(distinct window_end)::int as w from memvault.rerank_rollout_measurements where rollout_id = $1::bigint", [id])).rows[0];
      expect(windows).toEqual({ n: 20, w: 10 });
      expect((await root.query("select count(*)::int as n from memvault.rerank_rollout_events where rollout_id = $1::bigint and actor = 'evaluator'", [id])).rows[0].n).toBe(10);
    } finally {
      a.release();
      b.release();
    }
  });
});

describe("one tenant cannot decide a rollout for everyone", () => {
  // Each tenant's samples count up to max_tenant_samples (10) per arm per interval.
  it("a tenant flooding the treatment with skips cannot fail a treatment that serves 100 other tenants well", async () => {
    const { name, id } = await createRollout({ steps: [{ share_bp: 1000, min_duration_seconds: 3600, min_samples: 0 }] });
    await operator.query("select memvault.start_rerank_rollout($1)", [name]);
    await backdate(id, 1);
    await addTenantSamples(id, "control", 100, 2, "reranked", 10, 1);
    await addTenantSamples(id, "treatment", 100, 2, "reranked", 11, 1_000);
    await addSamples(id, "treatment", 500, "timeout", 250, 5_000); // max-length queries past the deadline
    expect(await evaluate(id)).toMatchObject({ decision: "hold", failures: 0, verdicts: { control: "ok", treatment: "ok" } });
    const m = (await root.query("select samples, tenants, capped_samples from memvault.rerank_rollout_measurements where rollout_id = $1::bigint and arm = 'treatment'", [id])).rows[0];
    expect(m).toEqual({ samples: 210, tenants: 101, capped_samples: 490 });
  });

  it("a tenant flooding the treatment with good samples cannot hide that it fails the other tenants", async () => {
    const { name, id } = await createRollout({ steps: [{ share_bp: 1000, min_duration_seconds: 3600, min_samples: 0 }] });
    await operator.query("select memvault.start_rerank_rollout($1)", [name]);
    await backdate(id, 1);
    await addTenantSamples(id, "control", 20, 2, "reranked", 10, 1);
    await addTenantSamples(id, "treatment", 20, 2, "timeout", 250, 1_000);
    await addSamples(id, "treatment", 1_000, "reranked", 10, 5_000);
    expect(await evaluate(id)).toMatchObject({ decision: "fail", failures: 1, verdicts: { treatment: "fail" } });
  });

  it("a finished request's sample carries a key per tenant and rollout, never the user_hash", async () => {
    const { name, id } = await createRollout({ salt: "key-salt" });
    await operator.query("select memvault.start_rerank_rollout($1)", [name]);
    const finishOne = async (tenant: string) => {
      const rid = (await asIdentity(root, { role: "memvault_user", userHash: tenant }, (c) =>
        c.query("insert into memvault.search_requests (id, query_cipher, key_version, candidate_ids, candidate_distances, deadline) values (gen_random_uuid(), '\\x00', 1, '{}', '{}', now() + interval '1 minute') returning id::text"),
      { commit: true })).rows[0].id as string;
      await asIdentity(root, { role: "memvault_worker", userHash: tenant }, (c) =>
        c.query("update memvault.search_requests set status = 'reranked', latency_ms = 5, finished_at = now(), rerank_variant = 'ctl', rollout_id = $2, rollout_arm = 'control' where id = $1", [rid, id]),
      { commit: true });
    };
    for (const who of ["keyed-a", "keyed-a", "keyed-b"]) await finishOne(tenantHash(who));
    const keys = (await root.query("select tenant_key::text as k from memvault.rerank_rollout_samples where rollout_id = $1::bigint order by id", [id])).rows.map((r) => r.k as string);
    expect(keys).toHaveLength(3);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).not.toBe(keys[0]);
    expect(keys.every((k) => k !== null && !tenantHash("keyed-a").includes(k))).toBe(true);
  });
});

describe("search requests record who served them", () => {
  it("a finished request inside a rollout becomes a sample with no tenant in it; one outside does not", async () => {
    const { name, id } = await createRollout();
    await operator.query("select memvault.start_rerank_rollout($1)", [name]);
    const tenant = tenantHash("served");
    const insert = (rid: string) =>
      asIdentity(root, { role: "memvault_user", userHash: tenant }, (c) =>
        c.query("insert into memvault.search_requests (id, query_cipher, key_version, candidate_ids, candidate_distances, deadline) values ($1, '\\x00', 1, '{}', '{}', now() + interval '1 minute')", [rid]),
      { commit: true });
    const finish = (rid: string, rollout: string | null, arm: string | null) =>
      asIdentity(root, { role: "memvault_worker", userHash: tenant }, (c) =>
        c.query("update memvault.search_requests set status = 'skipped', skip_reason = 'timeout', latency_ms = 250, finished_at = now(), rerank_variant = 'trt', rollout_id = $2, rollout_arm = $3 where id = $1", [rid, rollout, arm]),
      { commit: true });
    const inside = "00000000-0000-4000-8000-000000000001";
    const outside = "00000000-0000-4000-8000-000000000002";
    await insert(inside);
    await insert(outside);
    await finish(inside, id, "treatment");
    await finish(outside, null, null);
    const samples = (await root.query("select * from memvault.rerank_rollout_samples where rollout_id = $1::bigint", [id])).rows;
    expect(samples).toHaveLength(1);
    expect(samples[0]).toMatchObject({ arm: "treatment", variant: "trt", outcome: "timeout", latency_ms: 250 });
    expect(JSON.stringify(samples[0])).not.toContain(tenant);
    // A tenant cannot claim an arm or a variant for its own request.
    await expect(
      asIdentity(root, { role: "memvault_user", userHash: tenant }, (c) =>
        c.query("insert into memvault.search_requests (id, query_cipher, key_version, candidate_ids, candidate_distances, deadline, rollout_id, rollout_arm) values (gen_random_uuid(), '\\x00', 1, '{}', '{}', now(), $1, 'treatment')", [id]),
      ),
    ).rejects.toMatchObject({ code: "42501" });
    // Finishing twice (a retry) records nothing more: only pending -> done counts.
    await finish(inside, id, "treatment");
    expect((await root.query("select count(*)::int as n from memvault.rerank_rollout_samples where rollout_id = $1::bigint", [id])).rows[0].n).toBe(1);
  });
});
