import type pg from "pg";

/**
 * Locks up to `limit` of the current tenant's memories with ids after `after` that have no
 * keyword terms (no length row), in id order, with their sealed text: the index_terms job's
 * next batch. Keyset order, so a tenant is walked once however many batches it takes.
 */
export async function selectUnindexedMemories(client: pg.ClientBase, userHash: string, after: string, limit: number): Promise<{ id: string; text_cipher: Buffer }[]> {
  const { rows } = await client.query<{ id: string; text_cipher: Buffer }>(
    `select c.id::text, c.text_cipher from memvault.memory_chunks c
     where c.user_hash = $1::text and c.id > $2::uuid
       and not exists (select 1 from memvault.memory_terms t where t.user_hash = $1::text and t.term_hash = '\\x'::bytea and t.memory_id = c.id)
     order by c.id limit $3::integer for update of c skip locked`,
    [userHash, after, limit],
  );
  return rows;
}
