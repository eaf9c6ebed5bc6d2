// Test rows for memory_chunks with placeholder ciphers (sealing is tested elsewhere).
import type pg from "pg";

export interface SeedSpec {
  userHash: string;
  count: number;
}

/**
 * Bulk-loads random unit-scale vectors as a superuser. With rebuildIndex the HNSW index
 * is dropped and re-created from its own definition afterwards: much faster than
 * inserting each row into the graph, and the index is the migration's.
 */
export async function seedChunks(
  client: pg.ClientBase,
  specs: SeedSpec[],
  opts: { dims: number; rebuildIndex?: boolean },
): Promise<void> {
  await client.query("begin");
  try {
    let indexDef: string | undefined;
    if (opts.rebuildIndex) {
      const { rows } = await client.query<{ def: string }>(
        "select pg_get_indexdef('memvault.memory_chunks_embedding_hnsw'::regclass) as def",
      );
      indexDef = rows[0]?.def;
      await client.query("drop index memvault.memory_chunks_embedding_hnsw");
    }
    for (const spec of specs) {
      await client.query(
        `insert into memvault.memory_chunks (user_hash, key_version, text_cipher, meta_cipher, emb_cipher, embedding)
         select $1::text, 1, '\\x00', '\\x00', '\\x00',
                (select array_agg(random() - 0.5)::real[]::public.vector from generate_series(1, $3::integer) where g > 0)
         from generate_series(1, $2::integer) as g`,
        [spec.userHash, spec.count, opts.dims],
      );
    }
    if (indexDef) {
      await client.query("set local max_parallel_maintenance_workers = 0");
      await client.query(indexDef);
    }
    await client.query("analyze memvault.memory_chunks");
    await client.query("commit");
  } catch (err) {
    await client.query("rollback");
    throw err;
  }
}
