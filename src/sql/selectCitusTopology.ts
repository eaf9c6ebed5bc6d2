import type pg from "pg";

export interface CitusTopology {
  /** Active primary worker nodes and whether the coordinator reaches each. */
  nodes: { node: string; reachable: boolean; shards: number }[];
  /** Distributed tables with their distribution column and colocation group. */
  tables: { table: string; column: string; colocation: number; shards: number }[];
  /** ALTER DATABASE settings memvault relies on. */
  localObjectRestrictions: string | null;
}

/** Citus's view of the cluster, for `memvault doctor`; undefined on a server without Citus. */
export async function selectCitusTopology(client: pg.ClientBase): Promise<CitusTopology | undefined> {
  const ext = await client.query("select 1 from pg_catalog.pg_extension where extname = 'citus'");
  if (!ext.rowCount) return undefined;
  const nodes = await client.query<{ node: string; reachable: boolean; shards: number }>(
    `select n.nodename || ':' || n.nodeport as node,
            coalesce((select h.result from pg_catalog.citus_check_cluster_node_health() h
                      where h.from_nodename = (select nodename from pg_catalog.pg_dist_node where groupid = 0 limit 1)
                        and h.from_nodeport = (select nodeport from pg_catalog.pg_dist_node where groupid = 0 limit 1)
                        and h.to_nodename = n.nodename and h.to_nodeport = n.nodeport), false) as reachable,
            (select count(*)::integer from pg_catalog.citus_shards s where s.nodename = n.nodename and s.nodeport = n.nodeport) as shards
     from pg_catalog.pg_dist_node n
     where n.groupid <> 0 and n.isactive and n.noderole = 'primary'
     order by n.nodeid`,
  );
  const tables = await client.query<{ table: string; column: string; colocation: number; shards: number }>(
    `select t.table_name::text as table, t.distribution_column::text as column, t.colocation_id::integer as colocation, t.shard_count::integer as shards
     from public.citus_tables t where t.citus_table_type = 'distributed' order by 1`,
  );
  const setting = await client.query<{ value: string | null }>(
    `select (select split_part(c, '=', 2) from unnest(s.setconfig) c where c like 'citus.enforce_object_restrictions_for_local_objects=%') as value
     from pg_catalog.pg_db_role_setting s where s.setdatabase = (select oid from pg_catalog.pg_database where datname = current_database()) and s.setrole = 0`,
  );
  return { nodes: nodes.rows, tables: tables.rows, localObjectRestrictions: setting.rows[0]?.value ?? null };
}
