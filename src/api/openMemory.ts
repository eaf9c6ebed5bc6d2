// Opening a sealed row for its owner: text, meta and labels (scope, tags). A value that
// fails to open leaves text and meta null with the seal's code: never another row's data.
import type { Sealer } from "../crypto/seal.ts";
import { chunkContext } from "../crypto/sealContexts.ts";
import { SealError } from "../crypto/sealError.ts";
import type { SealedChunkRow } from "../sql/selectChunkPage.ts";

export interface Memory {
  id: string;
  createdAt: Date;
  updatedAt: Date | null;
  expiresAt: Date | null;
  occurredAt: Date | null;
  keyVersion: number;
  /** null when the sealed value failed to open; `error` says why. Never another row's data. */
  text: string | null;
  meta: Record<string, unknown> | null;
  scope: string | null;
  tags: string[];
  error: string | null;
}

export interface Labels {
  scope: string | null;
  tags: string[];
}

export const NO_LABELS: Labels = { scope: null, tags: [] };

export function sealLabels(sealer: Sealer, userHash: string, id: string, labels: Labels): Buffer | null {
  if (labels.scope === null && labels.tags.length === 0) return null;
  return sealer.seal(Buffer.from(JSON.stringify(labels), "utf8"), chunkContext(userHash, id, "labels"));
}

export function openLabels(sealer: Sealer, userHash: string, id: string, cipher: Buffer | null): Labels {
  if (!cipher) return NO_LABELS;
  const parsed = JSON.parse(sealer.openSealed(cipher, chunkContext(userHash, id, "labels")).toString("utf8")) as Partial<Labels>;
  return { scope: typeof parsed.scope === "string" ? parsed.scope : null, tags: Array.isArray(parsed.tags) ? parsed.tags.filter((t) => typeof t === "string") : [] };
}

export function openMemory(sealer: Sealer, userHash: string, row: SealedChunkRow): Memory {
  const base = { id: row.id, createdAt: row.created_at, updatedAt: row.updated_at, expiresAt: row.expires_at, occurredAt: row.occurred_at, keyVersion: row.key_version };
  try {
    const labels = openLabels(sealer, userHash, row.id, row.labels_cipher);
    return {
      ...base,
      text: sealer.openSealed(row.text_cipher, chunkContext(userHash, row.id, "text")).toString("utf8"),
      meta: JSON.parse(sealer.openSealed(row.meta_cipher, chunkContext(userHash, row.id, "meta")).toString("utf8")) as Record<string, unknown>,
      scope: labels.scope,
      tags: labels.tags,
      error: null,
    };
  } catch (err) {
    const code = err instanceof SealError ? err.code : "OPEN_FAILED";
    return { ...base, text: null, meta: null, scope: null, tags: [], error: code };
  }
}
