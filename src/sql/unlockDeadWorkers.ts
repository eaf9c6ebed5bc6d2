import type pg from "pg";

/**
 * Workers presumed dead: a heartbeat older than `deadAfterSeconds`, or jobs locked that
 * long by a worker that never recorded one. Their jobs are unlocked for others to run.
 */
export async function unlockDeadWorkers(db: pg.Pool, deadAfterSeconds: number): Promise<string[]> {
  const { rows } = await db.query<{ worker_id: string }>(
    `with dead as (
       select worker_id from memvault.worker_heartbeats
       where last_seen < now() - make_interval(secs => $1::integer)
       union
       select distinct j.locked_by from graphile_worker._private_jobs j
       where j.locked_by is not null and j.locked_at < now() - make_interval(secs => $1::integer)
         and not exists (select 1 from memvault.worker_heartbeats h where h.worker_id = j.locked_by)
     ), unlocked as (
       select graphile_worker.force_unlock_workers(array(select worker_id from dead))
     ), forgotten as (
       delete from memvault.worker_heartbeats h using dead d where h.worker_id = d.worker_id
     )
     select worker_id from dead, unlocked`,
    [deadAfterSeconds],
  );
  return rows.map((r) => r.worker_id);
}
