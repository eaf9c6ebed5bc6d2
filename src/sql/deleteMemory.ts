import type pg from "pg";
import { deleteMemoryTerms } from "./deleteMemoryTerms.ts";

/**
 * Deletes one memory of the current tenant, every version of it (sealed, and a new one or an
 * update still waiting); returns 1 when there was one, else 0.
 * Two statements, in this order, on purpose: the first waits for a seal job holding the
 * ingest row (and then finds it gone); the second runs on a snapshot taken after that
 * job committed, so it sees the sealed row. One statement would miss it (its snapshot
 * predates the seal), and the memory would reappear. Its keyword terms go with it.
 */
export async function deleteMemory(client: pg.ClientBase, userHash: string, id: string): Promise<number> {
  const pending = await client.query("delete from memvault.chunk_ingest where user_hash = $2::text and id = $1::uuid", [id, userHash]);
  const sealed = await client.query("delete from memvault.memory_chunks where user_hash = $2::text and id = $1::uuid", [id, userHash]);
  if (sealed.rowCount) await deleteMemoryTerms(client, userHash, [id]);
  return (pending.rowCount ?? 0) + (sealed.rowCount ?? 0) > 0 ? 1 : 0;
}
