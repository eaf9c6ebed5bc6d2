// What a deploy compares before and after: exact row counts per memvault table (read as a
// superuser: RLS hides rows from every other role), the valid index definitions, and the
// plan shape of verify_indexes.sql's top-8 ANN query for the largest tenant.
import pg from "pg";
import { runPsqlScript, type PsqlResult } from "./runPsqlScript.ts";

/** Rows inserted and deleted per table so far, as the statistics collector counts them. */
export type TableActivity = Record<string, { inserted: number; deleted: number }>;

export interface DeploySnapshot {
  rows: Record<string, number>;
  /**
   * pg_stat_user_tables read just before the counts, and again after them once every backend
   * has flushed what it committed before them (within about a second: PGSTAT_MIN_INTERVAL).
   * Between two snapshots, the later one's `activityAfter` minus the earlier one's
   * `activityBefore` over-counts (never under-counts) what live traffic wrote in between.
   */
  activityBefore: TableActivity;
  activityAfter: TableActivity;
  indexes: string[];
  /** Plan nodes that choose an access path, e.g. "Index Scan using memory_chunks_embedding_hnsw". */
  plan: string[];
  /** verify_indexes.sql's run the plan came from: its verdict is a check of its own. */
  indexCheck: PsqlResult;
}

/** The access-path nodes of an EXPLAIN in psql's output. */
export function planShape(output: string): string[] {
  const plan = output.slice(output.indexOf("== plan baseline"));
  return [...plan.matchAll(/(Index Only Scan|Index Scan|Bitmap Index Scan|Bitmap Heap Scan|Seq Scan)(?: Backward)?(?: using (\S+))?(?: on (\S+))?/g)].map((m) =>
    [m[1], m[2] ? `using ${m[2]}` : "", m[3] ? `on ${m[3]}` : ""].filter(Boolean).join(" "),
  );
}

export async function takeSnapshot(pgBin: string, superuserUrl: string, opts: { comparedWithEarlier?: boolean } = {}): Promise<DeploySnapshot> {
  const client = new pg.Client({ connectionString: superuserUrl });
  await client.connect();
  let rows: Record<string, number>;
  let activityBefore: TableActivity;
  let activityAfter: TableActivity;
  let indexes: string[];
  try {
    activityBefore = await tableActivity(client);
    rows = await countMemvaultRows(client);
    // Only a snapshot compared with an earlier one needs the later read (and its wait).
    if (opts.comparedWithEarlier) {
      await client.query("select pg_catalog.pg_sleep(1.1)");
      activityAfter = await tableActivity(client);
    } else {
      activityAfter = activityBefore;
    }
    indexes = (
      await client.query<{ def: string }>(
        "select pg_catalog.pg_get_indexdef(x.indexrelid) as def from pg_catalog.pg_index x join pg_catalog.pg_class t on t.oid = x.indrelid join pg_catalog.pg_namespace n on n.oid = t.relnamespace where n.nspname = 'memvault' and x.indisvalid order by 1",
      )
    ).rows.map((r) => r.def);
    // Current planner statistics on both sides of a deploy: CREATE INDEX refreshes a table's
    // page and row estimates, so a migration that adds an index would otherwise change the
    // plan of a table nobody analyzed, and the comparison would flag what is only statistics.
    await client.query("analyze memvault.memory_chunks");
  } finally {
    await client.end();
  }
  const explained = await runPsqlScript(pgBin, superuserUrl, "verify_indexes.sql");
  return { rows, activityBefore, activityAfter, indexes, plan: planShape(explained.output), indexCheck: explained };
}

/** Exact row counts per memvault table, in the caller's snapshot (a superuser: RLS hides rows from every other role). */
export async function countMemvaultRows(client: pg.ClientBase): Promise<Record<string, number>> {
  const rows: Record<string, number> = {};
  const tables = await client.query<{ name: string }>(
    "select c.relname::text as name from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace where n.nspname = 'memvault' and c.relkind in ('r', 'p') order by 1",
  );
  for (const { name } of tables.rows) {
    rows[name] = Number((await client.query<{ n: string }>(`select count(*)::text as n from memvault.${client.escapeIdentifier(name)}`)).rows[0]!.n);
  }
  return rows;
}

async function tableActivity(client: pg.ClientBase): Promise<TableActivity> {
  // A fresh read of the shared statistics, not this transaction's cached copy.
  await client.query("select pg_catalog.pg_stat_clear_snapshot()");
  const { rows } = await client.query<{ name: string; ins: string; del: string }>(
    "select relname::text as name, n_tup_ins::text as ins, n_tup_del::text as del from pg_catalog.pg_stat_user_tables where schemaname = 'memvault'",
  );
  return Object.fromEntries(rows.map((r) => [r.name, { inserted: Number(r.ins), deleted: Number(r.del) }]));
}
