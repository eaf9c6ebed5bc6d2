// Rows as a database holds them from before per-tenant keys (migration 000025): text, meta,
// embedding (and labels, if given) sealed under the keyring's primary version (format 1),
// key_version that version. For tests of what that data does: the deploy drill's rollbacks,
// the re-seal onto tenants' keys.
import fs from "node:fs";
import type pg from "pg";
import { sealLabels } from "../../src/api/openMemory.ts";
import { createKeyringProvider } from "../../src/crypto/keyringProvider.ts";
import { parseKeyring } from "../../src/crypto/keyring.ts";
import { createSealer } from "../../src/crypto/seal.ts";
import { chunkContext } from "../../src/crypto/sealContexts.ts";
import { openTenantKeys } from "../../src/keys/openTenantKeys.ts";
import { tenantSealer } from "./tenantSealer.ts";

export interface LegacyTarget {
  root: pg.Pool | pg.ClientBase;
  /** The worker role's URL (tenant keys are read as the worker reads them). */
  workerUrl: string;
  keyringFile: string;
}

/**
 * Re-seals the given rows (default: every row under a tenant key) under the keyring's
 * primary version; with `labels`, seals those labels too. Returns the ids.
 */
export async function resealAsBeforeTenantKeys(t: LegacyTarget, opts: { ids?: string[]; labels?: (id: string) => { scope: string; tags: string[] } } = {}): Promise<string[]> {
  const keyrings = createKeyringProvider({ variable: "MEMVAULT_KEYRING_FILE", file: t.keyringFile });
  const keys = openTenantKeys(keyrings);
  const keyring = parseKeyring("test", fs.readFileSync(t.keyringFile, "utf8"));
  const legacy = createSealer(keyring);
  const { rows } = await t.root.query(
    `select user_hash, id::text, text_cipher, meta_cipher, emb_cipher from memvault.memory_chunks
      where ${opts.ids ? "id = any($1::uuid[])" : "key_version = 0 and $1::uuid[] is null"} order by id`,
    [opts.ids ?? null],
  );
  for (const r of rows) {
    const sealer = await tenantSealer(t.workerUrl, keys, r.user_hash);
    const again = (field: "text" | "meta" | "embedding", blob: Buffer) => legacy.seal(sealer.openSealed(blob, chunkContext(r.user_hash, r.id, field)), chunkContext(r.user_hash, r.id, field));
    await t.root.query("update memvault.memory_chunks set key_version = $1, text_cipher = $2, meta_cipher = $3, emb_cipher = $4, labels_cipher = coalesce($5, labels_cipher) where id = $6", [
      keyring.primaryVersion,
      again("text", r.text_cipher),
      again("meta", r.meta_cipher),
      again("embedding", r.emb_cipher),
      opts.labels ? sealLabels(legacy, r.user_hash, r.id, opts.labels(r.id)) : null,
      r.id,
    ]);
  }
  return rows.map((r) => r.id as string);
}

/** No tenant keys at all, as before 000025 (only once no row needs them: see resealAsBeforeTenantKeys). */
export async function dropTenantKeys(root: pg.Pool | pg.ClientBase): Promise<void> {
  await root.query("delete from memvault.tenant_keys");
}
