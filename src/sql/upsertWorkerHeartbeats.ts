import type pg from "pg";

/** Records (or refreshes) the heartbeat of this process's graphile-worker workers. */
export async function upsertWorkerHeartbeats(db: pg.Pool, workerIds: string[], processName: string): Promise<void> {
  await db.query(
    `insert into memvault.worker_heartbeats (worker_id, process, last_seen)
     select unnest($1::text[]), $2::text, now()
     on conflict (worker_id) do update set last_seen = excluded.last_seen`,
    [workerIds, processName],
  );
}
