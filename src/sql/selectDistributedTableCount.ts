import type pg from "pg";

/** Tables Citus distributes in this database; 0 without Citus. */
export async function selectDistributedTableCount(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    "select case when to_regclass('pg_catalog.pg_dist_partition') is null then 0 else (select count(*)::integer from pg_catalog.pg_dist_partition) end as n",
  );
  return rows[0]!.n;
}
