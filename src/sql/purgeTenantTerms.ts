import type pg from "pg";

/** Deletes up to `limit` of the current tenant's keyword-index rows (through its primary key); returns how many. */
export async function purgeTenantTerms(client: pg.ClientBase, userHash: string, limit: number): Promise<number> {
  const { rowCount } = await client.query(
    `delete from memvault.memory_terms t
      where t.user_hash = $1::text
        and (t.term_hash, t.memory_id) in (select x.term_hash, x.memory_id from memvault.memory_terms x where x.user_hash = $1::text limit $2::integer)`,
    [userHash, limit],
  );
  return rowCount ?? 0;
}
