import type pg from "pg";
import { sealedHeaderVersion } from "./sealedHeaderVersion.ts";

/** The tenant's sealed memories not yet under its sealing key `sealVersion`, and all of them (a superuser). */
export async function countChunksToReseal(client: pg.ClientBase, userHash: string, sealVersion: number): Promise<{ left: number; total: number }> {
  const { rows } = await client.query<{ left: number; total: number }>(
    `select count(*) filter (where key_version > 0 or ${sealedHeaderVersion("text_cipher")} < $2::bigint)::integer as left, count(*)::integer as total
       from memvault.memory_chunks where user_hash = $1::text`,
    [userHash, sealVersion],
  );
  return rows[0]!;
}
