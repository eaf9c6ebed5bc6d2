import type pg from "pg";
import type { KeyToRewrap } from "./selectKeysToRewrap.ts";

/**
 * Every tenant's data keys, audited (a superuser): how many there are, how many do not
 * look wrapped (not a 12-byte nonce, a 32-byte key and a 16-byte tag, or no known KEK),
 * and a random sample to unwrap.
 */
export async function selectWrappedKeyAudit(client: pg.ClientBase, sample: number): Promise<{ total: number; malformed: number; sample: KeyToRewrap[] }> {
  const counts = await client.query<{ total: string; malformed: string }>(
    `select count(*)::text as total,
            count(*) filter (where octet_length(wrapped) <> 60 or kek_id !~ '^(keyring:[0-9]+|pkcs11:.+)$')::text as malformed
       from memvault.tenant_keys`,
  );
  const { rows } = await client.query<{ user_hash: string; version: number; key_id: string; kek_id: string; wrapped: Buffer }>(
    "select user_hash, version, key_id::text, kek_id, wrapped from memvault.tenant_keys order by pg_catalog.random() limit $1::integer",
    [sample],
  );
  return {
    total: Number(counts.rows[0]!.total),
    malformed: Number(counts.rows[0]!.malformed),
    sample: rows.map((r) => ({ userHash: r.user_hash, version: r.version, keyId: r.key_id, kekId: r.kek_id, wrapped: r.wrapped })),
  };
}
