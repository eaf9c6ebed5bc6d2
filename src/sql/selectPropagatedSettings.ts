import type pg from "pg";

export interface PropagationProbe {
  node: string;
  /** The probe's app.user_hash and hnsw.ef_search as read on that node, inside the transaction. */
  userHash: string | null;
  efSearch: string | null;
}

const PROBE_HASH = "memvault doctor: propagation probe";
const PROBE_EF = "41";

/**
 * On each worker node holding a row of memory_chunks: sets app.user_hash and
 * hnsw.ef_search as the tenant transaction does (SET LOCAL, propagated), then reads them
 * on that node within the same transaction. As a superuser (no RLS): only the settings
 * are read, never a row. Rolled back. Nodes without rows are not probed.
 */
export async function selectPropagatedSettings(client: pg.ClientBase): Promise<{ expected: { userHash: string; efSearch: string }; probes: PropagationProbe[] }> {
  const { rows: keys } = await client.query<{ node: string; user_hash: string }>(
    `select distinct on (s.nodename, s.nodeport) s.nodename || ':' || s.nodeport as node, r.result as user_hash
     from pg_catalog.run_command_on_shards('memvault.memory_chunks', $$select user_hash from %s limit 1$$) r
     join pg_catalog.citus_shards s on s.shardid = r.shardid
     where r.success and r.result <> ''
     order by s.nodename, s.nodeport, s.shardid`,
  );
  const probes: PropagationProbe[] = [];
  await client.query("begin");
  try {
    await client.query("set local citus.propagate_set_commands = 'local'");
    await client.query(`set local app.user_hash = ${client.escapeLiteral(PROBE_HASH)}`);
    await client.query(`set local hnsw.ef_search = ${PROBE_EF}`);
    for (const k of keys) {
      const { rows } = await client.query<{ h: string | null; ef: string | null }>(
        "select current_setting('app.user_hash', true) as h, current_setting('hnsw.ef_search', true) as ef from memvault.memory_chunks where user_hash = $1::text limit 1",
        [k.user_hash],
      );
      probes.push({ node: k.node, userHash: rows[0]?.h ?? null, efSearch: rows[0]?.ef ?? null });
    }
  } finally {
    await client.query("rollback");
  }
  return { expected: { userHash: PROBE_HASH, efSearch: PROBE_EF }, probes };
}
