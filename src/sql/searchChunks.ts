import type pg from "pg";

export async function searchChunks(client: pg.ClientBase, vector: string, k: number): Promise<{ id: string; distance: number }[]> {
  const { rows } = await client.query<{ id: string; distance: number }>(
    "select id::text, distance from memvault.search_chunks($1::public.vector, $2::integer)",
    [vector, k],
  );
  return rows;
}
