import type pg from "pg";

/** Queues one tenant's reseal_chunks job (a superuser: graphile_worker.add_job is the owner's). */
export async function requestTenantReseal(client: pg.ClientBase, userHash: string): Promise<void> {
  await client.query("select graphile_worker.add_job('reseal_chunks', pg_catalog.json_build_object('userHash', $1::text), job_key := 'reseal_chunks:' || $1::text)", [userHash]);
}
