import type pg from "pg";

export async function deleteWorkerHeartbeat(db: pg.Pool, workerId: string): Promise<void> {
  await db.query("delete from memvault.worker_heartbeats where worker_id = $1::text", [workerId]);
}
