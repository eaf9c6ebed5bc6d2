import type pg from "pg";

/** Gives permanently failed seal and re-seal jobs a fresh set of attempts, now. */
export async function rescheduleFailedSealJobs(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    `select count(*)::integer as n from graphile_worker.reschedule_jobs(
       array(select job_id from memvault.seal_failures), run_at := now(), attempts := 0)`,
  );
  return rows[0]?.n ?? 0;
}

/**
 * Ingest rows that no job will pick up (their jobs were deleted, or the queue was
 * reset): one seal_batch job per such tenant. Needs a superuser: it lists every tenant.
 */
export async function enqueueOrphanedIngest(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    `select count(graphile_worker.add_job('seal_batch', json_build_object('userHash', t.user_hash),
                                          job_key := 'seal_batch:' || t.user_hash || ':retry'))::integer as n
     from (select distinct i.user_hash from memvault.chunk_ingest i
           where not exists (
             select 1 from graphile_worker._private_jobs j
             where j.payload ->> 'userHash' = i.user_hash)) t`,
  );
  return rows[0]?.n ?? 0;
}
