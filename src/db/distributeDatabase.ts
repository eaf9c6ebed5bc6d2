// `memvault db distribute`: a migrated single-node memvault database (with the citus
// extension and worker nodes registered) into the distributed layout. Only
// memory_chunks is distributed, by user_hash; the queues (chunk_ingest, search_requests),
// graphile-worker's tables, the rollout tables and the DBA views stay on the coordinator,
// where their triggers and the job queue live.
import pg from "pg";
import { CodedError } from "../codedError.ts";
import { CITUS_DATABASE_SETTINGS } from "./citusCluster.ts";

export interface DistributeResult {
  shards: number;
  nodes: number;
  /** Shards whose table lacks RLS or FORCE: must be empty. */
  unforcedShards: string[];
}

export class DistributeError extends CodedError<"NO_CITUS" | "NO_WORKER_NODES" | "NOT_MIGRATED"> {
  override readonly name = "DistributeError";
}

/** The tables colocated with memory_chunks with a foreign key to it: the labels' blind indexes. */
export const COLOCATED_INDEX_TABLES = ["memory_labels"] as const;
/** Colocated with memory_chunks too, without a foreign key: keyword terms (deleted by every delete path), their statistics, the tenants' wrapped keys and erasure records. */
export const COLOCATED_TENANT_TABLES = ["memory_terms", "memory_term_stats", "tenant_keys", "tenant_erasures"] as const;
/** The distributed tenant tables: memory_chunks and the tables colocated with it. */
export const DISTRIBUTED_TENANT_TABLES = ["memvault.memory_chunks", ...[...COLOCATED_INDEX_TABLES, ...COLOCATED_TENANT_TABLES].map((t) => `memvault.${t}` as const)] as const;

/**
 * Every shard of each distributed tenant table on every node, and whether its table has RLS
 * enabled and forced (Citus propagates both; this checks rather than trusts).
 */
export async function selectShardSecurity(client: pg.ClientBase | pg.Pool): Promise<{ table: string; shard: string; node: string; forced: boolean }[]> {
  const out: { table: string; shard: string; node: string; forced: boolean }[] = [];
  for (const table of DISTRIBUTED_TENANT_TABLES) {
    const { rows } = await client.query<{ shard: string; node: string; result: string; success: boolean }>(
      `select s.shard_name::text as shard, s.nodename || ':' || s.nodeport as node, r.result, r.success
       from pg_catalog.run_command_on_shards($1::regclass,
         $$select c.relrowsecurity and c.relforcerowsecurity from pg_catalog.pg_class c where c.oid = '%s'::regclass$$) r
       join pg_catalog.citus_shards s on s.shardid = r.shardid
       order by s.shardid`,
      [table],
    );
    out.push(...rows.map((r) => ({ table, shard: r.shard, node: r.node, forced: r.success && r.result === "t" })));
  }
  return out;
}

/**
 * Distributes memory_chunks by user_hash with create_distributed_table, and memory_labels,
 * memory_terms and memory_term_stats colocated with it (a tenant's label and term hashes and
 * its keyword statistics on its chunks' shard). It holds an
 * ExclusiveLock on memory_chunks while it copies the rows into the shards: reads (search,
 * memories) go on, writes wait. In memvault the writes to memory_chunks are the worker's
 * seals and forget: remember keeps working (it writes chunk_ingest on the coordinator),
 * its rows are sealed once the copy is done. Not create_distributed_table_concurrently:
 * its catch-up is logical replication, which PostgreSQL 15 refuses for a table with
 * forced row-level security (the apply worker is not the superuser), so it would never
 * finish under writes. Idempotent.
 */
export async function distributeDatabase(superuserAppUrl: string, opts: { shardCount: number; log?: (line: string) => void }): Promise<DistributeResult> {
  const log = opts.log ?? (() => {});
  const client = new pg.Client({ connectionString: superuserAppUrl });
  await client.connect();
  try {
    const ext = await client.query("select 1 from pg_catalog.pg_extension where extname = 'citus'");
    if (!ext.rowCount) throw new DistributeError("NO_CITUS", "the citus extension is not installed in this database (create extension citus, before vector, on every node)");
    const table = await client.query("select to_regclass('memvault.memory_chunks') is not null as ok");
    if (!table.rows[0].ok) throw new DistributeError("NOT_MIGRATED", "memvault.memory_chunks does not exist: run the migrations first");
    const workers = await client.query<{ n: number }>("select count(*)::integer as n from pg_catalog.pg_dist_node where groupid <> 0 and isactive and noderole = 'primary'");
    if (workers.rows[0]!.n === 0) throw new DistributeError("NO_WORKER_NODES", "no active worker nodes: add them with citus_add_node first");
    await client.query(CITUS_DATABASE_SETTINGS(client.escapeIdentifier(new URL(superuserAppUrl).pathname.slice(1))));
    const done = await client.query("select 1 from pg_catalog.pg_dist_partition where logicalrelid = 'memvault.memory_chunks'::regclass");
    if (!done.rowCount) {
      const { rows } = await client.query<{ n: string }>("select count(*)::text as n from memvault.memory_chunks");
      log(`distributing memvault.memory_chunks (${rows[0]!.n} rows) by user_hash into ${opts.shardCount} shards over ${workers.rows[0]!.n} worker nodes; seals and forgets wait until the copy is done`);
      // The index tables go with it, colocated. Citus refuses a foreign key from a local
      // table to a distributed one, so each key is dropped for the move and added back
      // between the distributed tables; one transaction, so nobody sees it missing.
      await client.query("begin");
      try {
        for (const t of COLOCATED_INDEX_TABLES) await client.query(`alter table memvault.${t} drop constraint if exists ${t}_memory_fkey`);
        await client.query("select pg_catalog.create_distributed_table('memvault.memory_chunks', 'user_hash', shard_count := $1::integer)", [opts.shardCount]);
        for (const t of COLOCATED_INDEX_TABLES) {
          await client.query(`select pg_catalog.create_distributed_table('memvault.${t}', 'user_hash', colocate_with := 'memvault.memory_chunks')`);
          await client.query(`alter table memvault.${t} add constraint ${t}_memory_fkey foreign key (user_hash, memory_id)
                              references memvault.memory_chunks (user_hash, id) on delete cascade`);
        }
        for (const t of COLOCATED_TENANT_TABLES) {
          await client.query(`select pg_catalog.create_distributed_table('memvault.${t}', 'user_hash', colocate_with := 'memvault.memory_chunks')`);
        }
        await client.query("commit");
      } catch (err) {
        await client.query("rollback").catch(() => {});
        throw err;
      }
    } else {
      log("memvault.memory_chunks is already distributed");
    }
    const shards = await selectShardSecurity(client);
    return {
      shards: shards.filter((s) => s.table === "memvault.memory_chunks").length,
      nodes: new Set(shards.map((s) => s.node)).size,
      unforcedShards: shards.filter((s) => !s.forced).map((s) => `${s.shard} (${s.table}) on ${s.node}`),
    };
  } finally {
    await client.end();
  }
}
