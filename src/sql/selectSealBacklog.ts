import type pg from "pg";

export interface SealBacklogRow {
  task_identifier: string;
  jobs: number;
  failed: number;
  running: number;
  oldest_age_seconds: number;
}

export async function selectSealBacklog(db: pg.Pool | pg.ClientBase): Promise<SealBacklogRow[]> {
  const { rows } = await db.query<SealBacklogRow>(
    "select task_identifier, jobs, failed, running, oldest_age_seconds::float8 as oldest_age_seconds from memvault.seal_backlog",
  );
  return rows;
}
