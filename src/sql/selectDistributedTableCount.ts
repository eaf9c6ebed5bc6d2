import type pg from "pg";

/** Tables Citus distributes in this database; 0 without Citus (pg_dist_partition absent). */
export async function selectDistributedTableCount(client: pg.ClientBase): Promise<number> {
  const ext = await client.query("select 1 from pg_catalog.pg_extension where extname = 'citus'");
  if (!ext.rowCount) return 0;
  const { rows } = await client.query<{ n: number }>("select count(*)::integer as n from pg_catalog.pg_dist_partition");
  return rows[0]!.n;
}
