// Canary rollouts end to end: real worker processes serving two variants to many tenants,
// the evaluate_rollouts task deciding on live traffic, and the operator's CLI. Models are
// generated; the slow treatment is a TEI-protocol server that answers late.
import type { SealContext } from "../../src/crypto/aad.ts";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSealer } from "../../src/crypto/seal.ts";
import { createSearchWaiter, type SearchWaiter } from "../../src/api/searchWaiter.ts";
import { PROJECT_ROOT } from "../../src/projectRoot.ts";
import { withTenantFrom, type WithTenant } from "../../src/db/withTenant.ts";
import { freshKeyringDocument, keyringFrom } from "../support/keyrings.ts";
import { track, untrack } from "../support/openResources.ts";
import { tenantHash } from "../support/tenant.ts";
import { makeModelDirs } from "../support/testModelDirs.ts";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.ts";
import { waitFor } from "../support/waitFor.ts";
import { startWorker, writeKeyringFile, type WorkerProcess } from "../support/workerProcess.ts";

const TENANTS = Array.from({ length: 40 }, (_, i) => tenantHash(`canary ${i}`));
const TEXTS = ["Paris is the capital of France.", "Bananas are rich in potassium.", "The Rhine flows through Basel."];
const doc = freshKeyringDocument();
const keyringFile = writeKeyringFile(doc);
const sealer = createSealer(keyringFrom(doc));
/** The query sealed as a keyring-sealed value from before per-tenant keys (the rerank job opens both). */
const sealQuery = async (_tx: unknown, plaintext: Buffer, ctx: SealContext) => sealer.seal(plaintext, ctx);

let db: TestDatabase;
let root: pg.Pool;
let operator: pg.Pool;
let models: ReturnType<typeof makeModelDirs>;
let waiter: SearchWaiter;
let slowTei: http.Server;
let slowTeiUrl: string;
const chunks = new Map<string, string[]>(); // tenant -> chunk ids

// The API's own tenant transactions: the authenticator's pool, SET LOCAL role and tenant.
let app: pg.Pool;
const withTenant = (userHash: string): WithTenant => withTenantFrom(app, { userHash, role: "memvault_user" });
const worker = (env: Record<string, string> = {}) =>
  startWorker(db, { MEMVAULT_KEYRING_FILE: keyringFile, RERANK_MODEL_DIR: models.dir("tiny"), WORKER_CONCURRENCY: "2", RERANK_REMOTE_ALLOWED_URLS: slowTeiUrl, ...env });
const sha256 = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");

/** Searches from random tenants, `concurrency` at a time, until stop() resolves; counts failures. */
function drive(concurrency = 3) {
  let running = true;
  const stats = { searches: 0, failed: 0, skipReasons: new Map<string, number>() };
  const loop = async () => {
    while (running) {
      const tenant = TENANTS[Math.floor(Math.random() * TENANTS.length)]!;
      const candidates = chunks.get(tenant)!.map((id, i) => ({ id, distance: 0.1 * (i + 1) }));
      try {
        const r = await waiter.rerank(withTenant(tenant), sealQuery, { userHash: tenant, query: "capital of france", candidates, budgetMs: 2_000 });
        // Fail-open: an answer is always every candidate, in some order.
        if ([...r.order].sort().join() !== candidates.map((c) => c.id).sort().join()) stats.failed++;
        if (!r.reranked) stats.skipReasons.set(r.skipReason, (stats.skipReasons.get(r.skipReason) ?? 0) + 1);
      } catch {
        stats.failed++;
      }
      stats.searches++;
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return { stats, stop: async () => ((running = false), await Promise.all(loops), stats) };
}

const state = async (name: string) => (await root.query("select * from memvault.monitor_rerank_rollouts where name = $1", [name])).rows[0];
const waitForState = (name: string, wanted: string, ms = 60_000) => waitFor(`rollout ${name} ${wanted}`, async () => (await state(name))?.state === wanted, ms);
const events = async (name: string) => (await root.query("select * from memvault.monitor_rerank_events where rollout = $1 order by id", [name])).rows;

async function createRollout(name: string, treatment: string, opts: { steps?: object[]; failureLimit?: number } = {}) {
  await operator.query("select memvault.create_rerank_rollout($1, 'tiny-a', $2, $3::jsonb, $4::jsonb, 1, $5, 3)", [
    name,
    treatment,
    JSON.stringify(opts.steps ?? [{ share_bp: 3000, min_duration_seconds: 2, min_samples: 10 }, { share_bp: 6000, min_duration_seconds: 2, min_samples: 10 }]),
    // Generous: both arms share two cores with the rest of the suite, and an identical model
    // must not be rolled back by a noisy interval. The slow and broken treatments skip every
    // request, far past these.
    JSON.stringify([
      { metric: "p95_latency_ms", max_value: 200, max_ratio: 6 },
      { metric: "skip_rate", max_value: 0.3, max_delta: 0.25 },
      { metric: "error_rate", max_value: 0.05, max_delta: 0.05 },
    ]),
    opts.failureLimit ?? 3,
  ]);
}

beforeAll(async () => {
  models = makeModelDirs(["tiny"]);
  // Two copies of the same model shape, and a corrupt one pinned to its own bytes.
  fs.cpSync(models.dir("tiny"), path.join(models.root, "tiny-b"), { recursive: true });
  fs.mkdirSync(path.join(models.root, "broken"));
  fs.copyFileSync(path.join(models.dir("tiny"), "tokenizer.json"), path.join(models.root, "broken", "tokenizer.json"));
  fs.writeFileSync(path.join(models.root, "broken", "model.onnx"), Buffer.alloc(4096, 7));
  slowTei = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const { texts } = JSON.parse(body) as { texts: string[] };
      setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(texts.map((_, index) => ({ index, score: -index })))), 600);
    });
  });
  await new Promise<void>((r) => slowTei.listen(0, "127.0.0.1", r));
  slowTeiUrl = `http://127.0.0.1:${(slowTei.address() as { port: number }).port}/`;

  db = await createTestDatabase();
  root = db.pool();
  app = db.pool("authenticator");
  operator = db.pool("operator");
  const w = await worker();
  try {
    for (const tenant of TENANTS) {
      const ids: string[] = [];
      for (const text of TEXTS) {
        ids.push(
          await withTenant(tenant)(async (c) =>
            (await c.query("insert into memvault.chunk_ingest (text, embedding) values ($1, array_fill(0.1::real, array[384])::public.vector) returning id", [text])).rows[0].id,
          ),
        );
      }
      chunks.set(tenant, ids);
    }
    await waitFor("every chunk sealed", async () => (await root.query("select count(*)::int as n from memvault.memory_chunks")).rows[0].n === TENANTS.length * TEXTS.length, 60_000);
  } finally {
    await w.stop();
  }
  const variant = (name: string, dir: string) =>
    operator.query("select memvault.create_rerank_variant($1, $2, null, $3, 8, 128, 1, 250)", [name, dir, sha256(path.join(dir, "model.onnx"))]);
  await variant("tiny-a", models.dir("tiny"));
  await variant("tiny-b", path.join(models.root, "tiny-b"));
  await variant("broken", path.join(models.root, "broken"));
  await operator.query("select memvault.create_rerank_variant('slow-tei', null, $1, null, 8, 128, 1, 250)", [slowTeiUrl]);
  waiter = await createSearchWaiter(db.url("worker"));
  untrack(track({ label: "search waiter", close: () => waiter.close() })); // file-scoped
});

afterAll(async () => {
  await waiter?.close();
  await new Promise((r) => slowTei?.close(r));
  await operator?.end();
  await app?.end();
  await root?.end();
  await db?.drop();
  models?.remove();
  fs.rmSync(path.dirname(keyringFile), { recursive: true, force: true });
});

describe("canary rollouts on live traffic", () => {
  it("a healthy treatment walks every step and is promoted, across two workers and a restart, and no search fails", async () => {
    const workers: WorkerProcess[] = [await worker(), await worker()];
    const load = drive();
    try {
      await createRollout("healthy", "tiny-b");
      await operator.query("select memvault.start_rerank_rollout('healthy')");
      await waitFor("step 2", async () => (await state("healthy")).current_step === 2 || (await state("healthy")).state !== "running", 60_000);
      // Restarting a worker mid-rollout changes nothing: the state is in the database.
      await workers[1]!.stop();
      workers[1] = await worker();
      await waitForState("healthy", "promoted");
    } finally {
      await load.stop();
      for (const w of workers) await w.stop();
    }
    expect(load.stats.failed).toBe(0);
    expect(load.stats.searches).toBeGreaterThan(50);
    expect((await root.query("select default_variant from memvault.rerank_settings")).rows[0].default_variant).toBe("tiny-b");
    const ev = await events("healthy");
    // The transitions (a noisy interval may add a "guardrail failed" event, within the limit).
    const transitions = ev.filter((e) => !e.reason.startsWith("guardrail failed"));
    expect(transitions.map((e) => `${e.from_state ?? "-"}>${e.to_state}@${e.step}`)).toEqual(["->pending@0", "pending>running@1", "running>running@2", "running>promoted@2"]);
    // Each decision names its own interval, with both arms' numbers.
    const windows = ev.filter((e) => e.actor === "evaluator").map((e) => e.evidence.window_end);
    expect(new Set(windows).size).toBe(windows.length);
    for (const e of ev.filter((x) => x.actor === "evaluator")) expect(e.evidence.measurements.map((m: { arm: string }) => m.arm)).toEqual(["control", "treatment"]);
    // Both arms really served: requests record their variant.
    const served = (await root.query("select rerank_variant, count(*)::int as n from memvault.search_requests where rollout_id = $1::bigint group by 1 order by 1", [(await state("healthy")).id])).rows;
    expect(served.map((r) => r.rerank_variant)).toEqual(["tiny-a", "tiny-b"]);
    await operator.query("select memvault.set_default_rerank_variant('tiny-a')");
  });

  it("a slow treatment is rolled back within its failure limit, no search fails, and none reaches it afterwards", async () => {
    const w = await worker();
    const load = drive();
    let rolledBackAt: Date;
    try {
      await createRollout("slow", "slow-tei", { failureLimit: 2 });
      await operator.query("select memvault.start_rerank_rollout('slow')");
      await waitForState("slow", "rolled_back", 30_000);
      rolledBackAt = (await events("slow")).at(-1)!.at;
      // Traffic continues after the rollback: enough searches for one to reach the treatment if any could.
      const before = load.stats.searches;
      await waitFor("searches after the rollback", () => load.stats.searches >= before + 30);
    } finally {
      await load.stop();
      await w.stop();
    }
    expect(load.stats.failed).toBe(0);
    const s = await state("slow");
    expect(s).toMatchObject({ failures: 2, treatment_share_bp: 0 });
    const measured = (await root.query("select verdict from memvault.monitor_rerank_measurements where rollout = 'slow' and arm = 'treatment' order by window_end")).rows;
    expect(measured.filter((m) => m.verdict === "fail")).toHaveLength(2);
    expect(measured.at(-1)!.verdict).toBe("fail");
    const last = (await events("slow")).at(-1)!;
    expect(last).toMatchObject({ actor: "evaluator", from_state: "running", to_state: "rolled_back", share_bp: 0 });
    expect(last.evidence.measurements.find((m: { arm: string }) => m.arm === "treatment").verdict).toBe("fail");
    const after = (await root.query("select count(*)::int as n from memvault.search_requests where rerank_variant = 'slow-tei' and created_at > $1", [rolledBackAt!])).rows[0].n;
    expect(after).toBe(0);
    const afterAll = (await root.query("select count(*)::int as n from memvault.search_requests where created_at > $1 and status <> 'pending'", [rolledBackAt!])).rows[0].n;
    expect(afterAll).toBeGreaterThan(0); // traffic did go on, on the control
  });

  it("a corrupt treatment model cannot load: its searches fail open (no_model) and it is rolled back", async () => {
    const w = await worker();
    const load = drive();
    try {
      await createRollout("corrupt", "broken", { failureLimit: 1 });
      await operator.query("select memvault.start_rerank_rollout('corrupt')");
      await waitForState("corrupt", "rolled_back", 30_000);
    } finally {
      await load.stop();
      await w.stop();
    }
    expect(load.stats.failed).toBe(0);
    const reasons = (await root.query("select distinct skip_reason from memvault.search_requests where rerank_variant = 'broken'")).rows.map((r) => r.skip_reason);
    expect(reasons).toEqual(["no_model"]);
    expect(w.logs()).toMatch(/rerank variant cannot load/);
    expect(w.logs()).toMatch(/rollout rolled back/);
    expect(w.logs()).not.toContain("Paris"); // logs carry numbers, never content
  });

  it("with RERANK_ENABLED=false nothing is scored, nothing is a sample, and the rollout neither fails nor advances", async () => {
    const w = await worker({ RERANK_ENABLED: "false" });
    const load = drive(2);
    try {
      await createRollout("disabled", "tiny-b", { steps: [{ share_bp: 5000, min_duration_seconds: 0, min_samples: 0 }] });
      await operator.query("select memvault.start_rerank_rollout('disabled')");
      await waitFor("three intervals measured", async () => (await root.query("select count(*)::int as n from memvault.monitor_rerank_measurements where rollout = 'disabled'")).rows[0].n >= 6, 20_000);
    } finally {
      await load.stop();
      await w.stop();
    }
    expect([...load.stats.skipReasons.keys()]).toEqual(["disabled"]);
    expect(await state("disabled")).toMatchObject({ state: "running", current_step: 1, failures: 0 });
    const verdicts = (await root.query("select distinct verdict from memvault.monitor_rerank_measurements where rollout = 'disabled'")).rows.map((r) => r.verdict);
    expect(verdicts).toEqual(["inconclusive"]);
    await operator.query("select memvault.abort_rerank_rollout('disabled')");
  });

  it("the operator's CLI: create, start, status with the arms and the next decision, pause, resume, abort; a variant added, rolled out and promoted", async () => {
    const cli = (...args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [path.join(PROJECT_ROOT, "src/cli/main.ts"), "rollout", ...args], {
          env: { PATH: process.env.PATH, OPERATOR_DATABASE_URL: db.url("operator") },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        child.on("exit", (code) => resolve({ code, out }));
      });
    const w = await worker();
    const load = drive(2);
    try {
      // Guardrails no noisy interval can trip: this test is about the interface.
      const lenient = ["--failure-limit", "100", "--max-p95-ratio", "50", "--max-skip-rate", "0.9", "--max-skip-delta", "0.9"];
      expect((await cli("create", "by-cli", "--control", "tiny-a", "--treatment", "tiny-b", "--steps", "20%:1h:10", "--interval", "1s", "--min-interval-samples", "2", ...lenient)).code).toBe(0);
      expect(await cli("start", "by-cli")).toMatchObject({ code: 0 });
      await waitFor("two intervals measured", async () => (await root.query("select count(*)::int as n from memvault.monitor_rerank_measurements where rollout = 'by-cli'")).rows[0].n >= 4, 20_000);
      const status = await cli("status", "by-cli");
      expect(status.code).toBe(0);
      expect(status.out).toMatch(/rollout by-cli: running, step 1 of 1, treatment share 20%, failures \d+ of 100/);
      expect(status.out).toMatch(/control\s+tiny-a\s+\d+/);
      expect(status.out).toMatch(/treatment\s+tiny-b\s+\d+/);
      expect(status.out).toMatch(/next decision: at .*: hold, waiting for the step's minimum duration/);
      expect(await cli("pause", "by-cli")).toMatchObject({ code: 0 });
      expect((await cli("status")).out).toMatch(/next decision: .*guardrails only \(paused/);
      expect((await cli("pause", "by-cli")).out).toMatch(/BAD_STATE: rollout by-cli is paused/);
      expect(await cli("resume", "by-cli")).toMatchObject({ code: 0 });
      expect(await cli("abort", "by-cli")).toMatchObject({ code: 0 });
      const json = JSON.parse((await cli("status", "by-cli", "--json")).out);
      expect(json.rollout.state).toBe("aborted");
      expect(json.events.map((e: { to_state: string }) => e.to_state)).toEqual(["pending", "running", "paused", "running", "aborted"]);
      expect(json.events[1].actor).toBe("memvault_operator");
      expect((await cli("promote", "nope")).out).toMatch(/NOT_FOUND/);

      // A variant added by the CLI (pinned to the file it hashed here), listed, rolled out
      // and promoted by hand: it becomes every tenant's default.
      const added = await cli("variant", "add", "tiny-c", "--model-dir", path.join(models.root, "tiny-b"), "--batch-size", "8", "--max-length", "128", "--threads", "1");
      expect(added.code, added.out).toBe(0);
      expect(added.out).toMatch(/pinned .*model\.onnx at SHA-256 [0-9a-f]{64}/);
      expect((await cli("variant", "list")).out).toMatch(/ tiny-c .*sha256 [0-9a-f]{64}\s+batch 8\s+max_length 128/);
      expect((await cli("create", "to-promote", "--control", "tiny-a", "--treatment", "tiny-c", "--steps", "20%:1h:10", "--interval", "1s", "--min-interval-samples", "2", ...lenient)).code).toBe(0);
      expect(await cli("start", "to-promote")).toMatchObject({ code: 0 });
      expect(await cli("promote", "to-promote")).toMatchObject({ code: 0 });
      expect((await root.query("select default_variant from memvault.rerank_settings")).rows[0].default_variant).toBe("tiny-c");
      expect((await cli("variant", "list")).out).toMatch(/\* tiny-c /);
      const promoted = JSON.parse((await cli("status", "to-promote", "--json")).out);
      expect(promoted.rollout.state).toBe("promoted");
      expect(promoted.events.at(-1)).toMatchObject({ to_state: "promoted", actor: "memvault_operator" });
    } finally {
      await load.stop();
      await w.stop();
      // Whatever the order of this file's tests: the default back to what beforeAll left.
      await operator.query("select memvault.set_default_rerank_variant(null)");
    }
    expect(load.stats.failed).toBe(0);
  });
});
