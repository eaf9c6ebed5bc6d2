import type pg from "pg";

/** Worker processes with a heartbeat fresher than deadAfterSeconds. */
export async function selectAliveWorkerProcesses(client: pg.Pool | pg.ClientBase, deadAfterSeconds: number): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    "select count(distinct process)::int as n from memvault.worker_heartbeats where last_seen >= now() - make_interval(secs => $1::integer)",
    [deadAfterSeconds],
  );
  return rows[0]!.n;
}
