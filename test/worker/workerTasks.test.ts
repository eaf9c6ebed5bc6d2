// WORKER_TASKS: a worker runs only the tasks it names (a latency-only rerank worker, say), and
// a name it does not know stops it at once instead of leaving those jobs to nobody.
import { describe, expect, it } from "vitest";
import { asIdentity, tenantHash } from "../support/tenant.ts";
import { waitFor } from "../support/waitFor.ts";
import { useKeyringDatabase } from "../support/keyringDatabase.ts";
import { startWorker } from "../support/workerProcess.ts";

const fx = useKeyringDatabase();
const job = async (task: string) => (await fx.root.query("select attempts, locked_at from graphile_worker.jobs where task_identifier = $1::text", [task])).rows;

describe("WORKER_TASKS", () => {
  it("a worker given expire_memories runs that job and leaves the seal job queued before it untouched", async () => {
    // A seal job first (the trigger queues one per ingest), then an expire job after it.
    await asIdentity(fx.root, { role: "memvault_user", userHash: tenantHash("tasks") }, (c) =>
      c.query("insert into memvault.chunk_ingest (text, embedding) values ('waits for a sealing worker', array_fill(0.1::real, array[384])::public.vector)"),
    { commit: true });
    const sealJobs = (await fx.root.query("select task_identifier as t from graphile_worker.jobs where task_identifier like 'seal%'")).rows.map((r) => r.t as string);
    expect(sealJobs.length).toBeGreaterThan(0);
    await fx.root.query("select graphile_worker.add_job('expire_memories', json_build_object('userHash', $1::text))", [tenantHash("tasks")]);
    const worker = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: fx.keyringFile, WORKER_TASKS: "expire_memories" });
    try {
      await waitFor("the expire job done", async () => (await job("expire_memories")).length === 0);
      for (const t of sealJobs) expect(await job(t)).toEqual([{ attempts: 0, locked_at: null }]);
      expect((await fx.root.query("select count(*)::int as n from memvault.chunk_ingest")).rows[0].n).toBe(1);
    } finally {
      await worker.stop();
    }
  });

  it("a task name it does not know stops the worker at once, naming it", async () => {
    const worker = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: fx.keyringFile, WORKER_TASKS: "seal_batch,no_such_task" }, { waitReady: false });
    await waitFor("the worker to exit by itself", () => worker.child.exitCode !== null, 60_000);
    expect(worker.child.exitCode).not.toBe(0);
    expect(worker.logs()).toMatch(/WORKER_TASKS names unknown tasks: no_such_task/);
    await worker.stop();
  });
});
