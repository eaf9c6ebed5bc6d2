import type pg from "pg";

/** Deletes up to `limit` of the current tenant's sealed memories (their labels cascade); returns how many. */
export async function purgeTenantMemories(client: pg.ClientBase, userHash: string, limit: number): Promise<number> {
  const { rowCount } = await client.query(
    `delete from memvault.memory_chunks c
      where c.user_hash = $1::text
        and c.id in (select x.id from memvault.memory_chunks x where x.user_hash = $1::text limit $2::integer)`,
    [userHash, limit],
  );
  return rowCount ?? 0;
}
