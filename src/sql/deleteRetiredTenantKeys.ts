import type pg from "pg";
import { sealedHeaderVersion } from "./sealedHeaderVersion.ts";

/**
 * After a re-seal onto the tenant's newest sealing key: deletes its older sealing keys
 * (never version 0, the blind-index root) once nothing of the tenant is sealed under them,
 * sealed memories, labels still waiting in chunk_ingest, or search queries. Returns how many.
 */
export async function deleteRetiredTenantKeys(client: pg.ClientBase, userHash: string, sealVersion: number): Promise<number> {
  const older = (column: string) => `pg_catalog.get_byte(${column}, 0) = 2 and ${sealedHeaderVersion(column)} < $2::bigint`;
  const { rowCount } = await client.query(
    `delete from memvault.tenant_keys k
      where k.user_hash = $1::text and k.version between 1 and $2::integer - 1
        and not exists (select 1 from memvault.memory_chunks c where c.user_hash = $1::text and (c.key_version > 0 or ${older("c.text_cipher")} or (c.labels_cipher is not null and ${older("c.labels_cipher")})))
        and not exists (select 1 from memvault.chunk_ingest i where i.user_hash = $1::text and i.labels_cipher is not null and ${older("i.labels_cipher")})
        and not exists (select 1 from memvault.search_requests s where s.user_hash = $1::text and ${older("s.query_cipher")})`,
    [userHash, sealVersion],
  );
  return rowCount ?? 0;
}
