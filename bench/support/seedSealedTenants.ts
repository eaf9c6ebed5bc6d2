// Sealed chunks loaded straight into memory_chunks for API benches (the ingest path has its
// own bench): each tenant's rows sealed with the bench keyring, exactly as the worker seals
// them, so the API opens them; the HNSW index is rebuilt once afterwards.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { Keyring } from "../../src/crypto/keyring.ts";
import { hmacUser } from "../../src/crypto/hmacUser.ts";
import { createSealer } from "../../src/crypto/seal.ts";
import { chunkContext } from "../../src/crypto/sealContexts.ts";
import { embeddingToBytes, vectorBinary } from "../../src/embed/embeddingBytes.ts";
import { hashLabels } from "../../src/crypto/blindIndex.ts";
import { sealLabels } from "../../src/api/openMemory.ts";
import { progress } from "./benchResult.ts";
import { replaceMemoryTerms } from "../../src/sql/replaceMemoryTerms.ts";
import { memoryTerms } from "../../src/worker/sealRows.ts";
import { toPgVector } from "./vectors.ts";

const WORDS = "memory note about travel work family music food sport health books movies weather plans".split(" ");

export async function seedSealedTenants(
  root: pg.Client,
  keyring: Keyring,
  opts: {
    subs: string[];
    rows: number;
    dims: number;
    next: () => Float32Array;
    /** Tags per row (blind-indexed and sealed as the API does). */
    tagsFor?: (tenant: number, row: number) => string[];
    /** Each row's text (default: a few words and its number). */
    textFor?: (tenant: number, row: number) => string;
    /** Write the keyword index as the worker does (its own functions). */
    keywordTerms?: boolean;
  },
): Promise<void> {
  const sealer = createSealer(keyring);
  const { rows: def } = await root.query("select pg_get_indexdef('memvault.memory_chunks_embedding_hnsw'::regclass) as def");
  await root.query("drop index memvault.memory_chunks_embedding_hnsw");
  for (const [t, sub] of opts.subs.entries()) {
    const userHash = hmacUser(keyring, sub);
    for (let start = 0; start < opts.rows; start += 1000) {
      const batch = Array.from({ length: Math.min(1000, opts.rows - start) }, (_, j) => {
        const id = randomUUID();
        const vector = opts.next();
        const text = opts.textFor?.(t, start + j) ?? `${WORDS[(start + j) % WORDS.length]} ${WORDS[(t + j) % WORDS.length]} number ${start + j}`;
        const vbin = vectorBinary(vector);
        const tags = opts.tagsFor?.(t, start + j) ?? [];
        return {
          id,
          plain: text,
          tags: hashLabels(keyring.labelKey, userHash, { tags }).tagHashes,
          labels: sealLabels(sealer, userHash, id, { scope: null, tags }),
          v: toPgVector(vector),
          text: sealer.seal(Buffer.from(text), chunkContext(userHash, id, "text")),
          meta: sealer.seal(Buffer.from("{}"), chunkContext(userHash, id, "meta")),
          emb: sealer.seal(embeddingToBytes(vbin), chunkContext(userHash, id, "embedding")),
        };
      });
      await root.query(
        `insert into memvault.memory_chunks (user_hash, id, key_version, text_cipher, meta_cipher, emb_cipher, embedding, labels_cipher)
         select $1, u.id, $2, u.t, u.m, u.e, u.v::public.vector, u.l
         from unnest($3::uuid[], $4::bytea[], $5::bytea[], $6::bytea[], $7::text[], $8::bytea[]) as u(id, t, m, e, v, l)`,
        [userHash, keyring.primaryVersion, batch.map((b) => b.id), batch.map((b) => b.text), batch.map((b) => b.meta), batch.map((b) => b.emb), batch.map((b) => b.v), batch.map((b) => b.labels)],
      );
      if (opts.subs.length === 1) progress("loading the tenant", Math.min(start + 1000, opts.rows), opts.rows);
      if (opts.keywordTerms) await replaceMemoryTerms(root, userHash, batch.map((b) => b.id), memoryTerms(keyring.termKey, userHash, batch.map((b) => ({ id: b.id, text: b.plain }))));
      const labelRows = batch.flatMap((b) => b.tags.map((h) => [b.id, h] as const));
      if (labelRows.length > 0) {
        await root.query("insert into memvault.memory_labels (user_hash, memory_id, label_hash) select $1, u.id, u.h from unnest($2::uuid[], $3::bytea[]) as u(id, h)", [
          userHash,
          labelRows.map((r) => r[0]),
          labelRows.map((r) => r[1]),
        ]);
      }
    }
    progress("loading tenants", t + 1, opts.subs.length);
  }
  process.stderr.write("building the HNSW index\n");
  await root.query("set max_parallel_maintenance_workers = 0");
  await root.query(def[0].def);
  await root.query("vacuum analyze memvault.memory_chunks");
  if (opts.keywordTerms) await root.query("vacuum analyze memvault.memory_terms");
}
