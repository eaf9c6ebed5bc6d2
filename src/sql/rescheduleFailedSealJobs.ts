import type pg from "pg";

/** Gives permanently failed seal and re-seal jobs a fresh set of attempts, now. */
export async function rescheduleFailedSealJobs(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    `select count(*)::integer as n from graphile_worker.reschedule_jobs(
       array(select job_id from memvault.seal_failures), run_at := now(), attempts := 0)`,
  );
  return rows[0]?.n ?? 0;
}
