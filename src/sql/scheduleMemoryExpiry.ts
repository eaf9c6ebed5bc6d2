import type pg from "pg";

/**
 * (Re)schedules the tenant's expire_memories job for its earliest expiry, in the caller's
 * tenant transaction. The advisory lock serialises this per tenant: a second transaction
 * waits, then reads the earliest expiry with the first one's rows committed, so the job
 * is never moved later than a row that is already stored. Two statements: on Citus the
 * first runs on the tenant's shard, the second (the queue) on the coordinator.
 */
export async function scheduleMemoryExpiry(client: pg.ClientBase, userHash: string): Promise<Date | null> {
  await client.query("select pg_advisory_xact_lock(hashtextextended('memvault:expire_memories:' || $1::text, 0))", [userHash]);
  const { rows } = await client.query<{ next: Date | null }>(
    "select min(expires_at) as next from memvault.memory_chunks where user_hash = $1::text and expires_at is not null",
    [userHash],
  );
  const next = rows[0]?.next ?? null;
  if (next) {
    await client.query(
      `select graphile_worker.add_job('expire_memories', json_build_object('userHash', $1::text),
              run_at := $2::timestamptz, job_key := 'expire_memories:' || $1::text, job_key_mode := 'replace')`,
      [userHash, next],
    );
  }
  return next;
}
