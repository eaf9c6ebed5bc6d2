// Turns plaintext rows into sealed columns (the labels arrive sealed by the API). The AAD names the destination (table
// memory_chunks, the field, the row id, the tenant), so a cipher copied anywhere else fails.
import type { Sealer } from "../crypto/seal.ts";
import { chunkContext } from "../crypto/sealContexts.ts";
import type { SealedColumns } from "../sql/moveIngestToChunks.ts";
import { embeddingToBytes } from "../embed/embeddingBytes.ts";
import { termHash } from "../crypto/blindIndex.ts";
import { indexTerms } from "../keyword/analyzeText.ts";
import type { MemoryTerms } from "../sql/replaceMemoryTerms.ts";
import type { KeyObject } from "node:crypto";

export interface PlainChunk {
  id: string;
  text: string;
  /** jsonb as text */
  meta: string;
  /** pgvector binary form (vector_send) */
  embedding: Buffer;
  /** The scope and tags as the API sealed them (chunkContext "labels"), or null. */
  labels_cipher: Buffer | null;
}

export function sealChunks(sealer: Sealer, userHash: string, rows: PlainChunk[]): SealedColumns {
  const out: SealedColumns = { ids: [], textCiphers: [], metaCiphers: [], embCiphers: [], labelsCiphers: [] };
  for (const row of rows) {
    out.ids.push(row.id);
    // Sealed again under this job's key: every cipher of a row is under its key_version.
    // Opening also proves the labels belong to this tenant and row.
    if (row.labels_cipher) {
      const labels = chunkContext(userHash, row.id, "labels");
      const plain = sealer.openSealed(row.labels_cipher, labels);
      out.labelsCiphers.push(sealer.seal(plain, labels));
      plain.fill(0);
    } else {
      out.labelsCiphers.push(null);
    }
    out.textCiphers.push(sealer.seal(Buffer.from(row.text, "utf8"), chunkContext(userHash, row.id, "text")));
    out.metaCiphers.push(sealer.seal(Buffer.from(row.meta, "utf8"), chunkContext(userHash, row.id, "meta")));
    out.embCiphers.push(sealer.seal(embeddingToBytes(row.embedding), chunkContext(userHash, row.id, "embedding")));
  }
  return out;
}

/** Each row's keyword index: its text analyzed here, in the app tier, its terms hashed under the term key for this tenant. */
export function memoryTerms(termKey: KeyObject, userHash: string, rows: Pick<PlainChunk, "id" | "text">[]): MemoryTerms[] {
  return rows.map((row) => ({ id: row.id, ...indexTerms(row.text, (term) => termHash(termKey, userHash, term)) }));
}
