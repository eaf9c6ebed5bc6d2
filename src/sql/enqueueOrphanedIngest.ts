import type pg from "pg";

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
             join graphile_worker._private_tasks t on t.id = j.task_id
             -- Only a seal job covers the tenant's ingest rows (not, say, expire_search_requests).
             where t.identifier in ('seal_chunk', 'seal_batch') and j.payload ->> 'userHash' = i.user_hash)) t`,
  );
  return rows[0]?.n ?? 0;
}
